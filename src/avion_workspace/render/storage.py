"""Production's buckets as code: a CloudFormation template per environment that stores objects
in AWS S3 (``object_storage.provider: s3``).

One ``AWS::S3::Bucket`` per configured bucket, under its exact name, kept when the stack or the
resource goes (``Retain``): versioning as config says, expiry after ``expire_days`` (and, in a
versioned bucket, of versions that stopped being current), SSE-S3 encryption, every public
access blocked, ACLs disabled except on the CDN's access-log bucket (CloudFront's standard
logging writes with an ACL), server access logs into that log bucket, and a policy refusing
requests without TLS on every bucket whose one policy the CDN stack does not own. See docs/decisions/0024-production-buckets.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from avion_workspace.config.model import Bucket, Platform
from avion_workspace.render import aws
from avion_workspace.render.aws import add_entry, logical_id
from avion_workspace.render.cdn import bucket_policy_owners
from avion_workspace.render.plan import GeneratedFile, RenderContext

STACK = "storage"
PROVIDER = "s3"
# Parts of a multipart upload that never completed are invisible and billed: gone after a week.
ABORT_INCOMPLETE_UPLOAD_DAYS = 7
# Under the log bucket: S3 server access logs of each other bucket, in s3/<bucket>/.
S3_LOG_PREFIX = "s3/"


def has_storage_stack(platform: Platform) -> bool:
    """Whether ``platform`` keeps its objects in AWS S3 (the in-cluster server makes its own)."""
    return platform.object_storage.provider == PROVIDER


def template_path(env: str) -> str:
    return aws.template_path(env, STACK)


def stack_name(platform: Platform) -> str:
    return aws.stack_name(platform, STACK)


def log_bucket(platform: Platform) -> str | None:
    """The environment's log bucket (``cdn.logs.bucket``): the CDN's access logs and the other
    buckets' S3 server access logs go there. None without a CDN."""
    cdn = platform.environment.cdn
    return cdn.log_bucket if cdn is not None else None


def acl_bucket(platform: Platform) -> str | None:
    """The bucket that must accept ACLs: CloudFront standard logging's target, if any."""
    return log_bucket(platform) if platform.cdn_buckets else None


def _checkov_skips(platform: Platform, bucket: Bucket) -> list[dict[str, str]]:
    """checkov checks this bucket fails by design, each with the reason (inline in the template,
    so the reason travels with the resource)."""
    skips = []
    if bucket.name == log_bucket(platform):
        skips.append(
            {
                "id": "CKV_AWS_18",
                "comment": "the log bucket itself: logging it into itself would log its own log "
                "deliveries",
            }
        )
    if not bucket.versioning:
        skips.append(
            {
                "id": "CKV_AWS_21",
                "comment": f"versioning: false in config (object_storage.buckets.{bucket.name}: "
                f"{bucket.purpose})",
            }
        )
    return skips


def _lifecycle(bucket: Bucket) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [
        {
            "Id": "abort-incomplete-uploads",
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_INCOMPLETE_UPLOAD_DAYS},
        }
    ]
    if bucket.expire_days is not None:
        expire: dict[str, Any] = {
            "Id": f"expire-after-{bucket.expire_days}-days",
            "Status": "Enabled",
            "ExpirationInDays": bucket.expire_days,
        }
        if bucket.versioning:
            # Expiry of a current version only makes it noncurrent (a delete marker on top); the
            # old version then lives as long again, so nothing outlives 2 x expire_days.
            expire["NoncurrentVersionExpiration"] = {"NoncurrentDays": bucket.expire_days}
        rules.append(expire)
    return {"Rules": rules}


def _bucket(platform: Platform, bucket: Bucket) -> dict[str, Any]:
    ownership = (
        # CloudFront standard logging grants its log-delivery account an ACL on this bucket and
        # writes objects with ACLs: "bucket owner enforced" (ACLs disabled) would refuse them.
        "BucketOwnerPreferred" if bucket.name == acl_bucket(platform) else "BucketOwnerEnforced"
    )
    logs = log_bucket(platform)
    logging: dict[str, Any] = (
        {
            "LoggingConfiguration": {
                "DestinationBucketName": {"Ref": logical_id(logs, "Bucket")},
                "LogFilePrefix": f"{S3_LOG_PREFIX}{bucket.name}/",
            }
        }
        if logs is not None and logs != bucket.name
        else {}
    )
    skips = _checkov_skips(platform, bucket)
    return {
        "Type": "AWS::S3::Bucket",
        **({"Metadata": {"checkov": {"skip": skips}}} if skips else {}),
        # The data outlives the stack: deleting the stack or replacing the resource keeps it.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": bucket.name,
            # Suspended, not absent, when off: config turns an enabled bucket's versioning off.
            "VersioningConfiguration": {"Status": "Enabled" if bucket.versioning else "Suspended"},
            "LifecycleConfiguration": _lifecycle(bucket),
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]},
            **logging,
        },
    }


def _tls_only_policy(platform: Platform, bucket: Bucket) -> dict[str, Any]:
    arn = aws.bucket_arn(bucket.name)
    statements: list[dict[str, Any]] = [aws.tls_only_statement(bucket.name)]
    if bucket.name == log_bucket(platform):
        # S3 server access logging delivers as this service principal, for this account only.
        statements.append(
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": {"Fn::Sub": f"{arn}/{S3_LOG_PREFIX}*"},
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            }
        )
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": logical_id(bucket.name, "Bucket")},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def _outputs(bucket: Bucket) -> dict[str, Any]:
    bucket_id = logical_id(bucket.name, "Bucket")
    return {
        logical_id(bucket.name, "BucketName"): {
            "Description": f"the name of {bucket.name}",
            "Value": {"Ref": bucket_id},
            "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{bucket_id}Name"}},
        },
        logical_id(bucket.name, "BucketArn"): {
            "Description": f"the ARN of {bucket.name} (for IAM policies)",
            "Value": {"Fn::GetAtt": [bucket_id, "Arn"]},
            "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{bucket_id}Arn"}},
        },
    }


def storage_template(platform: Platform) -> dict[str, Any]:
    """The CloudFormation template of ``platform``'s buckets, as plain data."""
    if not has_storage_stack(platform):
        raise ValueError(
            f"environment {platform.environment.name!r} keeps its objects in "
            f"{platform.object_storage.provider!r}, not AWS S3"
        )
    cdn_owned = {b.name for b in bucket_policy_owners(platform)}
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for bucket in platform.object_storage.buckets.values():
        add_entry(resources, logical_id(bucket.name, "Bucket"), _bucket(platform, bucket))
        if bucket.name not in cdn_owned:
            add_entry(
                resources,
                logical_id(bucket.name, "BucketPolicy"),
                _tls_only_policy(platform, bucket),
            )
        for name, output in _outputs(bucket).items():
            add_entry(outputs, name, output)
    names = ", ".join(platform.object_storage.buckets) or "no bucket"
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{platform.name} {platform.environment.name} object storage: {names}",
        "Resources": resources,
        **({"Outputs": outputs} if outputs else {}),
    }


def storage_file(platform: Platform) -> GeneratedFile:
    """The generated template file of ``platform``'s buckets."""
    return aws.template_file(platform, STACK, storage_template(platform), "storage")


def storage_templates(context: RenderContext) -> Iterable[GeneratedFile]:
    """infrastructure/aws/<env>/storage.yaml for each environment whose objects live in AWS S3."""
    for platform in context.platforms.values():
        if has_storage_stack(platform):
            yield storage_file(platform)
