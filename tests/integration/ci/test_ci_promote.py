"""Release promotion against a real registry (crane's own, served for the test)."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from avion_workspace.ci.promote import PromotionError, promote_images
from tests.support import require_tool

pytestmark = pytest.mark.integration

COMMIT = "4f2a9c1e0b7d3a5f6e8c9b1a2d3e4f5a6b7c8d9e"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def crane() -> Path:
    return require_tool("crane")


@pytest.fixture
def registry(oci_registry: str) -> str:
    return f"{oci_registry}/avion"


def _push(crane: Path, tmp_path: Path, reference: str, content: str) -> str:
    """Push a one-layer image; returns its digest."""
    payload = tmp_path / "payload.txt"
    payload.write_text(content, encoding="utf-8")
    layer = tmp_path / f"{abs(hash(reference))}.tar"
    with tarfile.open(layer, "w") as tar:
        tar.add(payload, arcname="payload.txt")
    subprocess.run(
        [str(crane), "append", "-f", str(layer), "-t", reference], check=True, capture_output=True
    )
    return _digest(crane, reference)


def _digest(crane: Path, reference: str) -> str:
    done = subprocess.run(
        [str(crane), "digest", reference], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def test_the_release_tag_points_at_the_digests_built_for_the_commit(
    crane: Path, registry: str, tmp_path: Path
) -> None:
    repos = {"auth": f"{registry}/auth", "user": f"{registry}/user"}
    built = {name: _push(crane, tmp_path, f"{repo}:{COMMIT}", name) for name, repo in repos.items()}
    promoted = promote_images(repos, COMMIT, "v1.2.0", crane, tmp_path)
    assert [(p.service, p.digest, p.reference) for p in promoted] == [
        ("auth", built["auth"], f"{registry}/auth:v1.2.0"),
        ("user", built["user"], f"{registry}/user:v1.2.0"),
    ]
    assert {name: _digest(crane, f"{repo}:v1.2.0") for name, repo in repos.items()} == built
    # Idempotent: promoting again changes nothing.
    assert promote_images(repos, COMMIT, "v1.2.0", crane, tmp_path) == promoted


def test_a_commit_without_images_tags_nothing(crane: Path, registry: str, tmp_path: Path) -> None:
    repos = {
        "drop": f"{registry}/drop",
        "media": f"{registry}/media",
        "search": f"{registry}/search",
    }
    _push(crane, tmp_path, f"{repos['drop']}:{COMMIT}", "drop")
    with pytest.raises(PromotionError) as caught:
        promote_images(repos, COMMIT, "v2.0.0", crane, tmp_path)
    assert caught.value.message == f"no image built for {COMMIT} for 2 of 3 services: media, search"
    assert _digest(crane, f"{repos['drop']}:v2.0.0") == ""  # nothing was tagged


@pytest.mark.parametrize(
    ("from_tag", "to_tag", "message"),
    [
        ("main", "v1.0.0", "--from-tag 'main' is not a commit SHA"),
        (COMMIT, "latest", "--to-tag 'latest' is not a release tag"),
        (COMMIT, "1.0.0", "--to-tag '1.0.0' is not a release tag"),
    ],
)
def test_tags_are_checked_before_the_registry_is_asked(
    crane: Path, tmp_path: Path, from_tag: str, to_tag: str, message: str
) -> None:
    with pytest.raises(PromotionError, match=message):
        promote_images({"auth": "127.0.0.1:1/none/auth"}, from_tag, to_tag, crane, tmp_path)


@pytest.mark.parametrize(
    ("repository", "words"),
    [
        ("no-such-registry.invalid/avion/auth", "no-such-registry.invalid"),  # DNS
        ("127.0.0.1:1/avion/auth", "connection refused"),  # nothing listening
    ],
)
def test_a_registry_error_is_shown_as_the_client_said_it_not_as_a_missing_image(
    crane: Path, tmp_path: Path, repository: str, words: str
) -> None:
    with pytest.raises(PromotionError) as caught:
        promote_images({"auth": repository}, COMMIT, "v1.0.0", crane, tmp_path)
    message = caught.value.message
    assert message.startswith("the registry could not be asked about 1 of 1 images")
    assert words in message
    assert "no image built" not in message
