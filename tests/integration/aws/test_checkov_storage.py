"""The production buckets template through the real checkov (``--framework cloudformation``).

Every check passes except the ones the template skips inline, each with its reason (a bucket
that config leaves unversioned; the log bucket not logging into itself). A bucket made public
is caught, so the clean run means something. checkov comes with ``inv security.install``
(``nox -s tests`` runs it); elsewhere the test skips, saying how to get it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from avion_workspace.config import load_platforms
from avion_workspace.deploy.lint import parse_checkov
from avion_workspace.deploy.tools import find_checkov
from avion_workspace.render.storage import storage_file, storage_template
from tests.support import ROOT, unavailable

pytestmark = pytest.mark.integration


def scan(directory: Path) -> dict[str, Any]:
    checkov = find_checkov(ROOT)
    if checkov is None:
        unavailable(
            "checkov is not installed: `inv security.install` (or `inv charts.install-tools`)"
        )
    done = subprocess.run(
        [
            str(checkov),
            "--directory",
            str(directory),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--compact",
            "--skip-download",  # offline: no guidelines from the vendor's API
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.fixture(scope="module")
def production_template() -> dict[str, Any]:
    return storage_template(load_platforms(ROOT / "config")["production"])


def test_the_rendered_buckets_pass_checkov(tmp_path: Path) -> None:
    rendered = storage_file(load_platforms(ROOT / "config")["production"])
    (tmp_path / "storage.yaml").write_bytes(rendered.content)
    report = scan(tmp_path)
    assert [p.render() for p in parse_checkov(json.dumps(report))] == []
    results = report["results"]
    assert report["summary"]["passed"] > 20  # the S3 checks really ran
    skipped = sorted((s["check_id"], s["resource"]) for s in results["skipped_checks"])
    assert skipped == [
        ("CKV_AWS_18", "AWS::S3::Bucket.AvionLogsBucket"),
        ("CKV_AWS_21", "AWS::S3::Bucket.AvionLogsBucket"),
        ("CKV_AWS_21", "AWS::S3::Bucket.AvionMediaProcessedBucket"),
        ("CKV_AWS_21", "AWS::S3::Bucket.AvionMediaUploadsBucket"),
    ]


def test_a_bucket_left_open_to_the_public_is_caught(
    production_template: dict[str, Any], tmp_path: Path
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(production_template))
    del broken["Resources"]["AvionBackupsBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    (tmp_path / "storage.yaml").write_text(yaml.safe_dump(broken))
    failed = {(f["check_id"], f["resource"]) for f in scan(tmp_path)["results"]["failed_checks"]}
    assert ("CKV_AWS_53", "AWS::S3::Bucket.AvionBackupsBucket") in failed
