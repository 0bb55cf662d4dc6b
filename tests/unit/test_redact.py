"""What may be printed of a value that can carry a credential (avion_workspace.redact)."""

from __future__ import annotations

import re
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
        # a password with an unencoded "#", "?" or quote: still user information, never shown
        ("https://robot:p#ss@charts.example/x", "https://***@charts.example/x"),
        ("oci://robot:p?ss@ghcr.io/org", "oci://***@ghcr.io/org"),
        ("https://robot:p'ss\"@charts.example", "https://***@charts.example"),
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
# The one shape left readable: lowercase names of at most 24 characters joined by "." or "/"
# (an API version, a host, a path); restated here, not imported.
_LOWERCASE_NAMES = re.compile(r"[./]*(?:[a-z0-9_-]{1,24}[./]+)+[a-z0-9_-]{1,24}[./]*")


@settings(max_examples=300, deadline=None)
@given(
    token=st.text(TOKEN_ALPHABET, min_size=20, max_size=80).filter(
        lambda t: (
            any(c.isdigit() for c in t)
            and any(c.isalpha() for c in t)
            and not _LOWERCASE_NAMES.fullmatch(t)
        )
    ),
    before=st.sampled_from(["", "debug: ", "got ", '{"x": "', "Bearer ", "token=", "(", "'"]),
    after=st.sampled_from(["", "\n", " expired", '"}', ")", ",", "'"]),
)
def test_an_opaque_token_never_survives(token: str, before: str, after: str) -> None:
    """Any 20+ character word of a token alphabet mixing letters and digits, wherever it sits."""
    assert token not in mask_tokens(before + token + after)


@pytest.mark.parametrize("password", ["p#ss", "p?ss", "p'ss", 'p"ss', "p#s?s'"])
def test_mask_urls_masks_a_password_with_unencoded_url_characters(password: str) -> None:
    text = f"Error: failed to fetch https://robot:{password}@charts.example/index.yaml : 401"
    masked = mask_urls(text)
    assert password not in masked
    assert masked == "Error: failed to fetch https://***@charts.example/index.yaml : 401"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("pwd=hunter2", "hunter2"),
        ("pass=hunter2", "hunter2"),
        ("passphrase: hunter2", "hunter2"),
        ("private_key=hunter2", "hunter2"),
        ("auth=hunter2", "hunter2"),
        ("exec: running plugin --token hunter2", "hunter2"),
        ("--client-secret hunter2", "hunter2"),
        ('token="hunter two words"', "two words"),
        ("password: 'hunter two'", "two"),  # pragma: allowlist secret
    ],
)
def test_mask_tokens_more_key_forms(line: str, secret: str) -> None:
    assert secret not in mask_tokens(line)


def test_mask_tokens_keeps_words_that_only_resemble_secret_keys() -> None:
    for reason in (
        "authentication: token expired",
        "3 checks passed: refreshing",
        "reading --token-file /var/run/secrets/eks",
    ):
        assert mask_tokens(reason) == reason


@pytest.mark.parametrize(
    "reason",
    [
        'error: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"',
        "dial tcp: lookup abcdef1234.gr7.us-east-1.eks.amazonaws.com: no such host",
        'exec: "/home/me/.local/bin/kubelogin-v1.2.3": permission denied',
    ],
)
def test_mask_tokens_keeps_api_versions_hosts_and_paths(reason: str) -> None:
    """The words that say what is wrong with a plugin were masked whole ("invalid apiVersion
    \"***\"")."""
    assert mask_tokens(reason) == reason


ADVERSARIAL = [
    "token" * 4000,  # one long word full of key names: was cubic (minutes at 8,000 characters)
    "token" * 4000 + "=x",
    "a" * 100_000,  # a long word: was quadratic in every pattern
    "x://" * 25_000,  # schemes without user information: each scanned the rest of the word
    ("tokentokentoken" * 4 + " ") * 2000,
]


def test_long_adversarial_output_is_masked_in_linear_time() -> None:
    """Each text above in a fresh interpreter, with a bound generous enough for a loaded
    machine and far below what the backtracking patterns took (the old key pattern needed
    minutes for 8,000 characters of "tokentoken..."; this is 20,000)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from avion_workspace.redact import mask_tokens, mask_urls\n"
        "from tests.unit.test_redact import ADVERSARIAL\n"
        "for text in ADVERSARIAL:\n"
        "    mask_urls(mask_tokens(text))\n"
        "print('done')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout == "done\n", result.stderr


def test_mask_urls_every_url_in_a_text() -> None:
    text = "a https://u:p@h/x b oci://v:q@r c https://h/x?e=a@b d x://x://y:z@w"
    assert mask_urls(text) == (
        "a https://***@h/x b oci://***@r c https://h/x?e=a@b d x://x://***@w"
    )
