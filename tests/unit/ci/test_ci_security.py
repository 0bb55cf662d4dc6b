"""The pure parts of the security scans: report parsing, suppressions, file selection."""

from __future__ import annotations

import re

import pytest

from avion_workspace.ci.security import (
    DETECTOR_EXCLUDED_LINES,
    audit_report,
    bandit_findings,
    is_dockerfile,
    pinned_requirements,
    secret_findings,
)


def _issue(test_id: str, line: int, severity: str = "MEDIUM") -> dict[str, object]:
    return {
        "test_id": test_id,
        "filename": "./src/app.py",
        "line_number": line,
        "issue_severity": severity,
        "issue_text": "Possible binding to all interfaces.",
    }


def test_bandit_findings_honour_ruffs_noqa_for_the_same_check_only() -> None:
    lines = {
        1: 'HOST = "0.0.0.0"  # noqa: S104 - the container listens on every interface',
        2: 'HOST = "0.0.0.0"  # noqa: S105',  # another check: does not suppress B104
        3: 'HOST = "0.0.0.0"  # noqa',  # a bare noqa is no review of this check
        4: 'HOST = "0.0.0.0"  # noqa: E501, S104',
    }
    report = {"results": [_issue("B104", n) for n in lines]}
    kept, suppressed = bandit_findings(report, lambda _file, line: lines[line])
    assert suppressed == 2
    assert kept == [
        "src/app.py:2: B104 [medium] Possible binding to all interfaces.",
        "src/app.py:3: B104 [medium] Possible binding to all interfaces.",
    ]


def test_secret_findings_are_listed_per_file_and_line() -> None:
    report = {
        "results": {
            "b.py": [{"type": "Secret Keyword", "line_number": 3}],
            "a.yaml": [
                {"type": "AWS Access Key", "line_number": 7},
                {"type": "Base64 High Entropy String", "line_number": 9},
            ],
        }
    }
    assert secret_findings(report) == [
        "a.yaml:7: AWS Access Key",
        "a.yaml:9: Base64 High Entropy String",
        "b.py:3: Secret Keyword",
    ]
    assert secret_findings({"results": {}}) == []


def _excluded(line: str) -> bool:
    return any(re.search(pattern, line) for pattern in DETECTOR_EXCLUDED_LINES)


@pytest.mark.parametrize(
    "line",
    [
        "  secretName: auth-credentials",
        "existingSecret: redis-credentials",
        '  "existingSecret": "minio-credentials",',  # pragma: allowlist secret
        "  tlsSecretName: auth-tls",
        "  existingSecretPasswordKey: redis-password",
        "      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8  # v5.0.0",
        "  checkout: {repo: actions/checkout, sha: 08c6903cd8c0fde910a37f88322edcfb5dd907a8}",
    ],
)
def test_references_to_secrets_and_commit_pins_are_not_secrets(line: str) -> None:
    assert _excluded(line)


@pytest.mark.parametrize(
    "line",
    [
        "clientSecret: 8f4kq9zr2mxv7tpl",
        "  secretKey: wJalrXUtnFEMI-K7MDENG-bPxRfiCY",
        "password: hunter2-credentials-x",
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',  # pragma: allowlist secret
        "token: 08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    ],
)
def test_secret_values_are_still_scanned(line: str) -> None:
    assert not _excluded(line)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("services/auth/Dockerfile", True),
        ("Dockerfile.dev", True),
        ("build/api.Dockerfile", True),
        ("src/avion_workspace/render/templates/service/Dockerfile.j2", False),
        ("services/auth/Dockerfile.dockerignore", False),
        ("docs/Dockerfiles.md", False),
    ],
)
def test_dockerfiles_are_found_by_name(path: str, expected: bool) -> None:
    assert is_dockerfile(path) is expected


def test_only_pinned_index_packages_are_audited() -> None:
    freeze = "jinja2==3.1.6\nlocal-lib @ file:///work/libs/x\n-e git+https://example.test/x#egg=x\nrich==14.0.0\n"
    assert pinned_requirements(freeze) == ["jinja2==3.1.6", "rich==14.0.0"]


def test_audit_report_counts_skipped_packages_as_unaudited() -> None:
    report = {
        "dependencies": [
            {
                "name": "jinja2",
                "version": "2.10",
                "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}],
            },
            {"name": "rich", "version": "14.0.0", "vulns": []},
            {
                "name": "idna",
                "skip_reason": "Dependency not found on PyPI and could not be audited: idna (3.7)",
            },
        ],
        "fixes": [],
    }
    assert audit_report(report) == (
        ["jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)"],
        ["idna: Dependency not found on PyPI and could not be audited: idna (3.7)"],
    )
    assert audit_report({"dependencies": [{"name": "rich", "version": "14.0.0", "vulns": []}]}) == (
        [],
        [],
    )
