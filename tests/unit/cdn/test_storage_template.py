"""Production's buckets rendered from config: each configured bucket, with its settings, once."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.config.model import Platform
from avion_workspace.render.cdn import cdn_template
from avion_workspace.render.plan import RenderContext
from avion_workspace.render.storage import storage_file, storage_template, storage_templates
from tests.support import ROOT, copy_fixture_config


@pytest.fixture(scope="module")
def template(platforms: dict[str, Platform]) -> dict[str, Any]:
    return storage_template(platforms["production"])


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def buckets(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bucket name -> the bucket resource."""
    return {r["Properties"]["BucketName"]: r for r in of_type(template, "AWS::S3::Bucket").values()}


def policy_targets(template: dict[str, Any]) -> list[str]:
    """The bucket of each bucket policy, by name (a literal, or a Ref to a bucket resource)."""
    targets = []
    for policy in of_type(template, "AWS::S3::BucketPolicy").values():
        bucket = policy["Properties"]["Bucket"]
        if isinstance(bucket, dict):
            bucket = template["Resources"][bucket["Ref"]]["Properties"]["BucketName"]
        targets.append(bucket)
    return targets


def test_only_environments_in_aws_s3_get_a_template(platforms: dict[str, Platform]) -> None:
    providers = {env: p.object_storage.provider for env, p in platforms.items()}
    assert providers == {"local": "versitygw", "staging": "versitygw", "production": "s3"}
    paths = [f.path for f in storage_templates(RenderContext(platforms))]
    assert paths == ["infrastructure/aws/production/storage.yaml"]
    with pytest.raises(ValueError, match="keeps its objects in 'versitygw'"):
        storage_template(platforms["staging"])


def test_exactly_the_configured_buckets_by_their_names(
    template: dict[str, Any], platforms: dict[str, Platform]
) -> None:
    configured = platforms["production"].object_storage.buckets
    assert list(buckets(template)) == list(configured)
    assert len(of_type(template, "AWS::S3::Bucket")) == len(configured) == 4


def test_every_bucket_is_kept_when_the_stack_goes(template: dict[str, Any]) -> None:
    for bucket in buckets(template).values():
        assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_versioning_is_what_config_says(
    template: dict[str, Any], platforms: dict[str, Platform]
) -> None:
    configured = platforms["production"].object_storage.buckets
    status = {
        name: b["Properties"]["VersioningConfiguration"]["Status"]
        for name, b in buckets(template).items()
    }
    assert status == {
        name: "Enabled" if b.versioning else "Suspended" for name, b in configured.items()
    }
    assert status["avion-backups"] == "Enabled"
    assert status["avion-logs"] == "Suspended"


def rules(bucket: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    return found


def test_expiry_comes_from_expire_days(template: dict[str, Any]) -> None:
    by_name = buckets(template)
    expiring = {
        name: [r["ExpirationInDays"] for r in rules(b) if "ExpirationInDays" in r]
        for name, b in by_name.items()
    }
    assert expiring == {
        "avion-media-uploads": [],
        "avion-media-processed": [],
        "avion-backups": [30],
        "avion-logs": [14],
    }
    # A versioned bucket also drops versions that stopped being current; an unversioned one has
    # none, so its rule says nothing about them.
    (backups,) = [r for r in rules(by_name["avion-backups"]) if "ExpirationInDays" in r]
    assert backups["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    (logs,) = [r for r in rules(by_name["avion-logs"]) if "ExpirationInDays" in r]
    assert "NoncurrentVersionExpiration" not in logs
    for bucket in by_name.values():
        assert {"Id": "abort-incomplete-uploads", "Status": "Enabled"}.items() <= rules(bucket)[
            0
        ].items()


def test_encrypted_private_and_acls_only_where_cloudfront_logs(
    template: dict[str, Any], platforms: dict[str, Platform]
) -> None:
    cdn = platforms["production"].environment.cdn
    assert cdn is not None
    assert cdn.log_bucket == "avion-logs"
    for name, bucket in buckets(template).items():
        props = bucket["Properties"]
        (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
        assert len(props["PublicAccessBlockConfiguration"]) == 4
        (ownership,) = props["OwnershipControls"]["Rules"]
        expected = "BucketOwnerPreferred" if name == "avion-logs" else "BucketOwnerEnforced"
        assert ownership == {"ObjectOwnership": expected}, name


def test_without_a_cdn_every_bucket_enforces_bucket_ownership(
    platforms: dict[str, Platform],
) -> None:
    production = platforms["production"]
    no_cdn = dataclasses.replace(
        production, environment=dataclasses.replace(production.environment, cdn=None)
    )
    owned = {
        b["Properties"]["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
        for b in buckets(storage_template(no_cdn)).values()
    }
    assert owned == {"BucketOwnerEnforced"}
    # and with no CDN stack to own a policy, every bucket gets its TLS-only policy here
    assert sorted(policy_targets(storage_template(no_cdn))) == sorted(
        production.object_storage.buckets
    )


def test_one_policy_per_bucket_across_the_two_stacks(
    template: dict[str, Any], platforms: dict[str, Platform]
) -> None:
    cdn = policy_targets(cdn_template(platforms["production"]))
    storage = policy_targets(template)
    assert cdn == ["avion-media-processed"]
    assert sorted(storage) == ["avion-backups", "avion-logs", "avion-media-uploads"]
    assert len(cdn + storage) == len(set(cdn + storage))
    # every bucket has exactly one policy, and each one refuses requests without TLS
    assert sorted(cdn + storage) == sorted(platforms["production"].object_storage.buckets)
    for policy in of_type(template, "AWS::S3::BucketPolicy").values():
        statement = policy["Properties"]["PolicyDocument"]["Statement"][0]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_server_access_logs_go_to_the_log_bucket(template: dict[str, Any]) -> None:
    by_name = buckets(template)
    logging = {name: b["Properties"].get("LoggingConfiguration") for name, b in by_name.items()}
    assert logging == {
        "avion-media-uploads": {
            "DestinationBucketName": {"Ref": "AvionLogsBucket"},
            "LogFilePrefix": "s3/avion-media-uploads/",
        },
        "avion-media-processed": {
            "DestinationBucketName": {"Ref": "AvionLogsBucket"},
            "LogFilePrefix": "s3/avion-media-processed/",
        },
        "avion-backups": {
            "DestinationBucketName": {"Ref": "AvionLogsBucket"},
            "LogFilePrefix": "s3/avion-backups/",
        },
        "avion-logs": None,  # not into itself
    }
    statements = template["Resources"]["AvionLogsBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    delivery = statements[1]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::avion-logs/s3/*"}
    assert delivery["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    # only the log bucket admits the log delivery
    others = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in of_type(template, "AWS::S3::BucketPolicy").items()
        if k != "AvionLogsBucketPolicy"
    ]
    assert all(len(s) == 1 for s in others)


def test_checkov_skips_are_by_design_and_say_why(template: dict[str, Any]) -> None:
    skipped = {
        name: [s["id"] for s in b.get("Metadata", {}).get("checkov", {}).get("skip", [])]
        for name, b in buckets(template).items()
    }
    assert skipped == {
        "avion-media-uploads": ["CKV_AWS_21"],
        "avion-media-processed": ["CKV_AWS_21"],
        "avion-backups": [],  # versioned, logged: nothing to skip
        "avion-logs": ["CKV_AWS_18", "CKV_AWS_21"],
    }
    for bucket in buckets(template).values():
        for skip in bucket.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip["comment"]) > 20


def test_outputs_export_each_name_and_arn(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["AvionBackupsBucketName"]["Value"] == {"Ref": "AvionBackupsBucket"}
    assert outputs["AvionBackupsBucketArn"]["Value"] == {
        "Fn::GetAtt": ["AvionBackupsBucket", "Arn"]
    }
    assert outputs["AvionBackupsBucketArn"]["Export"] == {
        "Name": {"Fn::Sub": "${AWS::StackName}-AvionBackupsBucketArn"}
    }
    assert len(outputs) == 2 * len(buckets(template))


def test_a_renamed_bucket_renames_the_template_resource(tmp_path: Path) -> None:
    config = copy_fixture_config(tmp_path / "config")
    platform_yaml = config / "platform.yaml"
    text = platform_yaml.read_text()
    assert text.count("avion-media-uploads") == 2  # the bucket, and a service that uses it
    platform_yaml.write_text(text.replace("avion-media-uploads", "avion-raw-uploads"))
    renamed = storage_template(load_platforms(config)["production"])
    assert list(buckets(renamed)) == [
        "avion-raw-uploads",
        "avion-media-processed",
        "avion-backups",
        "avion-logs",
    ]
    assert "AvionRawUploadsBucket" in renamed["Resources"]
    assert "AvionMediaUploadsBucket" not in renamed["Resources"]
    assert "avion-raw-uploads" in policy_targets(renamed)


def test_committed_template_is_the_rendered_one() -> None:
    # Checks the committed file, so it reads the real config/.
    production = load_platforms(ROOT / "config")["production"]
    generated = storage_file(production)
    assert (ROOT / generated.path).read_bytes() == generated.content
    assert yaml.safe_load(generated.content) == storage_template(production)
    assert generated.content.startswith(b"# GENERATED by the Avion workspace")
