"""The production edge as code: a CloudFormation template per environment that has a CDN.

For every bucket the environment marks ``cdn: true``: a CloudFront distribution whose origin
signs its requests with origin access control (the bucket stays private), HTTPS only, HTTP/2
and HTTP/3, the cache policies from config, a security response headers policy, access logs to
the configured bucket, and the bucket policy that admits that distribution alone. The template is
plain data serialized as YAML (long-form ``Fn::`` keys, no custom tags); ``inv cdn.lint`` checks
it with cfn-lint and ``inv cdn.deploy`` creates a change set from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from avion_workspace.config.model import Bucket, CachePolicy, Cdn, Platform
from avion_workspace.render import aws
from avion_workspace.render.aws import add_entry as _add
from avion_workspace.render.aws import bucket_arn, logical_id, tls_only_statement
from avion_workspace.render.plan import GeneratedFile, RenderContext

STACK = "cdn"
HEADERS_POLICY = "SecurityHeadersPolicy"
# For paths whose policy never caches: the same headers plus `Cache-Control: no-store`, so
# browsers and shared caches downstream do not keep signed or private objects either.
NO_STORE_HEADERS_POLICY = "NoStoreHeadersPolicy"
# CloudFront's own certificate: HTTPS on *.cloudfront.net with no certificate to manage.
DEFAULT_CERTIFICATE = {"CloudFrontDefaultCertificate": True}
# Paths whose policy says `signed_urls`: viewers need a URL signed by the private half of this
# public key (the media service holds it); the public key is a parameter of the stack.
SIGNING_KEY_PARAMETER = "UrlSigningPublicKey"
SIGNING_KEY = "UrlSigningKey"
KEY_GROUP = "UrlSigningKeyGroup"


def template_path(env: str) -> str:
    return aws.template_path(env, STACK)


def stack_name(platform: Platform) -> str:
    return aws.stack_name(platform, STACK)


def cache_policy_id(policy: CachePolicy) -> str:
    return logical_id(policy.name, "CachePolicy")


def _cache_policy(platform: Platform, policy: CachePolicy) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFront::CachePolicy",
        "Properties": {
            "CachePolicyConfig": {
                "Name": f"{stack_name(platform)}-{policy.name}",
                "Comment": policy.description,
                "MinTTL": policy.min_ttl,
                "DefaultTTL": policy.default_ttl,
                "MaxTTL": policy.max_ttl,
                # Nothing of the request varies the object: one cache entry per path.
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": policy.compress,
                    "EnableAcceptEncodingBrotli": policy.compress,
                    "CookiesConfig": {"CookieBehavior": "none"},
                    "HeadersConfig": {"HeaderBehavior": "none"},
                    "QueryStringsConfig": {"QueryStringBehavior": "none"},
                },
            }
        },
    }


def _headers_policy(platform: Platform, cdn: Cdn, *, no_store: bool = False) -> dict[str, Any]:
    config: dict[str, Any] = {
        "Name": f"{stack_name(platform)}-{'no-store' if no_store else 'security'}-headers",
        "Comment": "HSTS and nosniff on every response"
        + ("; never stored downstream" if no_store else ""),
        "SecurityHeadersConfig": {
            "StrictTransportSecurity": {
                "AccessControlMaxAgeSec": cdn.hsts_max_age,
                "IncludeSubdomains": True,
                "Preload": True,
                "Override": True,
            },
            "ContentTypeOptions": {"Override": True},
        },
    }
    if no_store:
        config["CustomHeadersConfig"] = {
            "Items": [{"Header": "Cache-Control", "Value": "no-store", "Override": True}]
        }
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Properties": {"ResponseHeadersPolicyConfig": config},
    }


def _origin_access_control(platform: Platform, bucket: Bucket) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFront::OriginAccessControl",
        "Properties": {
            "OriginAccessControlConfig": {
                "Name": f"{stack_name(platform)}-{bucket.name}",
                "Description": f"CloudFront signs its requests to {bucket.name} (SigV4)",
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always",
                "SigningProtocol": "sigv4",
            }
        },
    }


def _signing(platform: Platform) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameters, resources) of the URL-signing key group."""
    parameters = {
        SIGNING_KEY_PARAMETER: {
            "Type": "String",
            "Description": "PEM public key (RSA 2048) whose private key signs viewer URLs",
            "AllowedPattern": "^-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----\\s*$",
        }
    }
    name = f"{stack_name(platform)}-url-signing"
    resources = {
        SIGNING_KEY: {
            "Type": "AWS::CloudFront::PublicKey",
            "Properties": {
                "PublicKeyConfig": {
                    "Name": name,
                    "CallerReference": name,
                    "Comment": "verifies signed URLs for the paths that need them",
                    "EncodedKey": {"Ref": SIGNING_KEY_PARAMETER},
                }
            },
        },
        KEY_GROUP: {
            "Type": "AWS::CloudFront::KeyGroup",
            "Properties": {
                "KeyGroupConfig": {
                    "Name": name,
                    "Comment": "keys trusted for signed URLs",
                    "Items": [{"Ref": SIGNING_KEY}],
                }
            },
        },
    }
    return parameters, resources


def _behavior(bucket: Bucket, policy: CachePolicy) -> dict[str, Any]:
    signed: dict[str, Any] = (
        {"TrustedKeyGroups": [{"Ref": KEY_GROUP}]} if policy.signed_urls else {}
    )
    return {
        "TargetOriginId": bucket.name,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": ["GET", "HEAD"],
        "CachedMethods": ["GET", "HEAD"],
        "Compress": policy.compress,
        "CachePolicyId": {"Ref": cache_policy_id(policy)},
        "ResponseHeadersPolicyId": {
            "Ref": HEADERS_POLICY if policy.caches else NO_STORE_HEADERS_POLICY
        },
        **signed,
    }


def _distribution(platform: Platform, cdn: Cdn, bucket: Bucket) -> dict[str, Any]:
    oac = logical_id(bucket.name, "OriginAccessControl")
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Enabled": True,
                "Comment": f"{platform.name} {platform.environment.name}: {bucket.name}",
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "PriceClass": cdn.price_class,
                "Origins": [
                    {
                        "Id": bucket.name,
                        "DomainName": {
                            "Fn::Sub": f"{bucket.name}.s3.${{AWS::Region}}.amazonaws.com"
                        },
                        "OriginAccessControlId": {"Fn::GetAtt": [oac, "Id"]},
                        # Empty: origin access control, not the legacy identity, signs requests.
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
                "DefaultCacheBehavior": _behavior(bucket, cdn.default_policy),
                "CacheBehaviors": [
                    {"PathPattern": pattern, **_behavior(bucket, policy)}
                    for pattern, policy in cdn.path_policies
                ],
                "Logging": {
                    "Bucket": f"{cdn.log_bucket}.s3.amazonaws.com",
                    "Prefix": f"{cdn.log_prefix}{bucket.name}/",
                    "IncludeCookies": False,
                },
                "ViewerCertificate": dict(DEFAULT_CERTIFICATE),
            }
        },
    }


def bucket_policy_owners(platform: Platform) -> tuple[Bucket, ...]:
    """The buckets whose one bucket policy this stack defines (the storage stack defines none
    for them: S3 keeps one policy per bucket, and two stacks would overwrite each other's)."""
    return platform.cdn_buckets


def _bucket_policy(bucket: Bucket) -> dict[str, Any]:
    distribution = logical_id(bucket.name, "Distribution")
    arn = bucket_arn(bucket.name)
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": bucket.name,
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadByTheDistributionOnly",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": {"Fn::Sub": f"{arn}/*"},
                        "Condition": {
                            "StringEquals": {
                                "AWS:SourceArn": {
                                    "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                                    f":distribution/${{{distribution}}}"
                                }
                            }
                        },
                    },
                    tls_only_statement(bucket.name),
                ],
            },
        },
    }


def cdn_template(platform: Platform) -> dict[str, Any]:
    """The CloudFormation template of ``platform``'s CDN, as plain data."""
    cdn = platform.environment.cdn
    if cdn is None:
        raise ValueError(f"environment {platform.environment.name!r} has no CDN")
    resources: dict[str, Any] = {}
    for policy in cdn.cache_policies.values():
        _add(resources, cache_policy_id(policy), _cache_policy(platform, policy))
    _add(resources, HEADERS_POLICY, _headers_policy(platform, cdn))
    if not all(policy.caches for policy in cdn.cache_policies.values()):
        _add(resources, NO_STORE_HEADERS_POLICY, _headers_policy(platform, cdn, no_store=True))
    parameters: dict[str, Any] = {}
    if cdn.signed_urls:
        parameters, signing = _signing(platform)
        for name, resource in signing.items():
            _add(resources, name, resource)
    outputs: dict[str, Any] = {}
    for bucket in platform.cdn_buckets:
        distribution = logical_id(bucket.name, "Distribution")
        _add(
            resources,
            logical_id(bucket.name, "OriginAccessControl"),
            _origin_access_control(platform, bucket),
        )
        _add(resources, distribution, _distribution(platform, cdn, bucket))
        if bucket in bucket_policy_owners(platform):
            _add(resources, logical_id(bucket.name, "BucketPolicy"), _bucket_policy(bucket))
        _add(
            outputs,
            logical_id(bucket.name, "DomainName"),
            {
                "Description": f"where {bucket.name} is served",
                "Value": {"Fn::GetAtt": [distribution, "DomainName"]},
            },
        )
        _add(
            outputs,
            logical_id(bucket.name, "DistributionId"),
            {
                "Description": f"the distribution in front of {bucket.name} (for invalidations)",
                "Value": {"Ref": distribution},
            },
        )
    served = ", ".join(b.name for b in platform.cdn_buckets) or "no bucket yet"
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{platform.name} {platform.environment.name} edge: CloudFront in front of "
        f"{served}",
        **({"Parameters": parameters} if parameters else {}),
        "Resources": resources,
    }
    if outputs:
        template["Outputs"] = outputs
    return template


def cdn_file(platform: Platform) -> GeneratedFile:
    """The generated template file of ``platform``'s CDN."""
    return aws.template_file(platform, STACK, cdn_template(platform), "cdn")


def cdn_templates(context: RenderContext) -> Iterable[GeneratedFile]:
    """infrastructure/aws/<env>/cdn.yaml for each environment with a CDN."""
    for platform in context.platforms.values():
        if platform.environment.cdn is not None:
            yield cdn_file(platform)
