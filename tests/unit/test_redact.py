"""What may be printed of a value that can carry a credential (avion_workspace.redact)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avion_workspace.redact import mask_tokens, mask_urls, shown_url

_ROBOT = "oci://robot:pw@ghcr.io/org/charts"  # pragma: allowlist secret
_AT_IN_PASSWORD = "https://user:to@ken@charts.example/"  # pragma: allowlist secret


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("oci://ghcr.io/org/charts", "oci://ghcr.io/org/charts"),
        (_ROBOT, "oci://***@ghcr.io/org/charts"),
        (_AT_IN_PASSWORD, "https://***@charts.example/"),
        ("https://charts.example/a@b", "https://charts.example/a@b"),  # "@" in the path
        ("robot:pw@ghcr.io/org", "***@ghcr.io/org"),  # no scheme: a registry path
    ],
)
def test_shown_url(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_mask_urls_in_text() -> None:
    text = 'Error: "https://robot:s3cr3t@charts.example/index.yaml" and oci://a:b@r.example/x'  # pragma: allowlist secret
    assert mask_urls(text) == (
        'Error: "https://***@charts.example/index.yaml" and oci://***@r.example/x'
    )
    assert mask_urls("mail dev@avion.invalid, see https://example.org/") == (
        "mail dev@avion.invalid, see https://example.org/"
    )


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Bearer abcdefgh12", "abcdefgh12"),
        ("token=hunter2", "hunter2"),
        ('{"sessionToken": "hunter2"}', "hunter2"),
        ("aws_secret_access_key = hunter2", "hunter2"),
        ("password: 'hunter2'", "hunter2"),  # pragma: allowlist secret
        ("using AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),  # pragma: allowlist secret
        ("got k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdz", "aHR0cHM6Ly9zdHMuYW1hem9uYXdz"),
    ],
)
def test_mask_tokens(line: str, secret: str) -> None:
    assert secret not in mask_tokens(line)


def test_mask_tokens_keeps_the_reason() -> None:
    for reason in (
        "Error: the SSO session associated with this profile has expired or is invalid.",
        "Unable to locate credentials. You can configure credentials by running aws configure.",
        "An error occurred (ExpiredTokenException) when calling the GetCallerIdentity operation",
    ):
        assert mask_tokens(reason) == reason
    assert mask_tokens("\x1b[31mError\x1b[0m: denied\a") == "Error: denied"


TOKEN_ALPHABET = string.ascii_letters + string.digits + "+/=_.-~"


@settings(max_examples=300, deadline=None)
@given(
    token=st.text(TOKEN_ALPHABET, min_size=20, max_size=80).filter(
        lambda t: any(c.isdigit() for c in t) and any(c.isalpha() for c in t)
    ),
    before=st.sampled_from(["", "debug: ", "got ", '{"x": "', "Bearer ", "token=", "(", "'"]),
    after=st.sampled_from(["", "\n", " expired", '"}', ")", ",", "'"]),
)
def test_an_opaque_token_never_survives(token: str, before: str, after: str) -> None:
    """Any 20+ character word of a token alphabet mixing letters and digits, wherever it sits."""
    assert token not in mask_tokens(before + token + after)
