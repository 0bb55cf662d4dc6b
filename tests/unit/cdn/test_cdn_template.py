"""The CloudFront template rendered from config: what the edge promises, checked on the data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.cdn import cdn_file, cdn_template, cdn_templates
from avion_workspace.render.plan import RenderContext
from tests.support import ROOT, require_program

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


@pytest.fixture(scope="module")
def template(platforms: dict[str, Platform]) -> dict[str, Any]:
    return cdn_template(platforms["production"])


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    (dist,) = resources_of(template, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = dist["Properties"]["DistributionConfig"]
    return config


def test_only_environments_with_a_cdn_get_a_template(platforms: dict[str, Platform]) -> None:
    paths = [f.path for f in cdn_templates(RenderContext(platforms))]
    assert paths == ["infrastructure/aws/production/cdn.yaml"]


def test_origin_uses_origin_access_control(template: dict[str, Any]) -> None:
    (origin,) = distribution(template)["Origins"]
    oac_id = origin["OriginAccessControlId"]["Fn::GetAtt"]
    assert oac_id[1] == "Id"
    oac = template["Resources"][oac_id[0]]
    assert oac["Type"] == "AWS::CloudFront::OriginAccessControl"
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"]) == ("s3", "always")
    # no legacy origin access identity alongside it
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origin["DomainName"] == {
        "Fn::Sub": "avion-media-processed.s3.${AWS::Region}.amazonaws.com"
    }


def test_every_behavior_redirects_viewers_to_https(template: dict[str, Any]) -> None:
    config = distribution(template)
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert len(behaviors) == 3
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    assert config["HttpVersion"] == "http2and3"


def test_each_configured_cache_policy_exists(
    template: dict[str, Any], platforms: dict[str, Platform]
) -> None:
    cdn = platforms["production"].environment.cdn
    assert cdn is not None
    policies = {
        v["Properties"]["CachePolicyConfig"]["Name"]: (k, v["Properties"]["CachePolicyConfig"])
        for k, v in resources_of(template, "AWS::CloudFront::CachePolicy").items()
    }
    assert set(policies) == {f"avion-production-cdn-{name}" for name in cdn.cache_policies}
    for name, policy in cdn.cache_policies.items():
        _, config = policies[f"avion-production-cdn-{name}"]
        assert (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (
            policy.min_ttl,
            policy.default_ttl,
            policy.max_ttl,
        )
        assert config["ParametersInCacheKeyAndForwardedToOrigin"]["EnableAcceptEncodingGzip"] is (
            policy.compress
        )
    immutable = policies["avion-production-cdn-immutable-media"][1]
    assert immutable["MaxTTL"] == 31536000
    assert policies["avion-production-cdn-no-store"][1]["MaxTTL"] == 0
    # the behaviours use them: default → immutable media, private and signed paths → no-store
    config = distribution(template)
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == {"Ref": "ImmutableMediaCachePolicy"}
    assert {b["PathPattern"]: b["CachePolicyId"]["Ref"] for b in config["CacheBehaviors"]} == {
        "private/*": "NoStoreCachePolicy",
        "signed/*": "NoStoreCachePolicy",
    }


def test_security_headers_and_logging(template: dict[str, Any]) -> None:
    policies = resources_of(template, "AWS::CloudFront::ResponseHeadersPolicy")
    assert set(policies) == {"SecurityHeadersPolicy", "NoStoreHeadersPolicy"}
    for policy in policies.values():
        config = policy["Properties"]["ResponseHeadersPolicyConfig"]
        security = config["SecurityHeadersConfig"]
        assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 63072000
        assert security["ContentTypeOptions"] == {"Override": True}
    no_store = policies["NoStoreHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert no_store["CustomHeadersConfig"]["Items"] == [
        {"Header": "Cache-Control", "Value": "no-store", "Override": True}
    ]
    config = distribution(template)
    # what the edge caches for a year carries HSTS; what it never caches is not kept downstream
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": "SecurityHeadersPolicy"
    }
    assert {b["ResponseHeadersPolicyId"]["Ref"] for b in config["CacheBehaviors"]} == {
        "NoStoreHeadersPolicy"
    }
    assert config["Logging"]["Bucket"] == "avion-logs.s3.amazonaws.com"
    assert config["Logging"]["Prefix"] == "cdn/avion-media-processed/"


def test_private_and_signed_paths_need_a_signed_url(template: dict[str, Any]) -> None:
    config = distribution(template)
    assert "TrustedKeyGroups" not in config["DefaultCacheBehavior"]
    for behavior in config["CacheBehaviors"]:
        assert behavior["TrustedKeyGroups"] == [{"Ref": "UrlSigningKeyGroup"}], behavior
    group = template["Resources"]["UrlSigningKeyGroup"]["Properties"]["KeyGroupConfig"]
    assert group["Items"] == [{"Ref": "UrlSigningKey"}]
    key = template["Resources"]["UrlSigningKey"]["Properties"]["PublicKeyConfig"]
    assert key["EncodedKey"] == {"Ref": "UrlSigningPublicKey"}
    assert template["Parameters"]["UrlSigningPublicKey"]["Type"] == "String"


def test_the_key_parameter_accepts_a_real_public_key(
    template: dict[str, Any], tmp_path: Path
) -> None:
    openssl = require_program("openssl", "apt-get install openssl")
    private, public = tmp_path / "k.pem", tmp_path / "k.pub"
    subprocess.run(
        [openssl, "genrsa", "-out", str(private), "2048"], check=True, capture_output=True
    )
    subprocess.run(
        [openssl, "rsa", "-in", str(private), "-pubout", "-out", str(public)],
        check=True,
        capture_output=True,
    )
    pattern = template["Parameters"]["UrlSigningPublicKey"]["AllowedPattern"]
    assert re.fullmatch(pattern, public.read_text())
    assert not re.fullmatch(pattern, private.read_text())


def test_bucket_policy_admits_only_the_distribution(template: dict[str, Any]) -> None:
    (policy,) = resources_of(template, "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == "avion-media-processed"
    allow, deny = policy["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${AvionMediaProcessedDistribution}")
    assert (deny["Effect"], deny["Condition"]) == (
        "Deny",
        {"Bool": {"aws:SecureTransport": "false"}},
    )


def test_committed_template_is_the_rendered_one() -> None:
    # Checks the committed file, so it reads the real config/ (the only test here that does).
    production = load_platforms(ROOT / "config")["production"]
    generated = cdn_file(production)
    assert (ROOT / generated.path).read_bytes() == generated.content
    assert yaml.safe_load(generated.content) == cdn_template(production)


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", "--", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cfn_lint_accepts_the_template(platforms: dict[str, Platform], tmp_path: Path) -> None:
    path = tmp_path / "cdn.yaml"
    path.write_bytes(cdn_file(platforms["production"]).content)
    result = cfn_lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_would_catch_a_broken_distribution(
    template: dict[str, Any], tmp_path: Path
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(template))
    distribution(broken)["HttpVersion"] = "http9"
    path = tmp_path / "cdn.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = cfn_lint(path)
    assert result.returncode != 0
    assert "http9" in result.stdout
