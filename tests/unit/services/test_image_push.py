"""Pushing an image through the docker SDK: tested at the SDK boundary (no engine runs here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from avion_workspace.services.image import ImageBuildFailed, push_image


class FakeAPI:
    """The one low-level docker SDK call push_image makes (APIClient.push)."""

    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self.chunks = chunks
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def push(self, repository: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.calls.append((repository, kwargs))
        return iter(self.chunks)


class FakeClient:
    def __init__(self, chunks: list[dict[str, Any]]) -> None:
        self.api = FakeAPI(chunks)


def test_push_sends_repository_and_tag_and_returns_the_digest() -> None:
    client = FakeClient(
        [
            {"status": "Pushing"},
            {"aux": {"Tag": "abc", "Digest": "sha256:" + "1" * 64, "Size": 1}},
        ]
    )
    digest = push_image("ghcr.io/avion-platform/auth:abc", client=client)
    assert digest == "sha256:" + "1" * 64
    assert client.api.calls == [
        ("ghcr.io/avion-platform/auth", {"tag": "abc", "stream": True, "decode": True})
    ]


def test_a_registry_error_is_a_clear_failure() -> None:
    client = FakeClient([{"error": "denied: permission_denied\n"}])
    with pytest.raises(ImageBuildFailed) as info:
        push_image("ghcr.io/avion-platform/auth:abc", client=client)
    assert info.value.message == (
        "docker push ghcr.io/avion-platform/auth:abc failed: denied: permission_denied"
    )
    assert info.value.hint == "log in to the registry first (docker login), with push rights"
