"""The manifest's writer is json.dumps(indent=2), byte for byte, for every manifest."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.render.writer import (
    _MANIFEST_COMMENT,
    _MANIFEST_VERSION,
    ManifestEntry,
    _manifest_json,
)

_SHA = st.text("0123456789abcdef", min_size=64, max_size=64)
_ENTRY = st.builds(ManifestEntry, _SHA, st.text(max_size=12), st.lists(_SHA, max_size=3).map(tuple))


def _reference(entries: dict[str, ManifestEntry]) -> str:
    files: dict[str, dict[str, object]] = {}
    for path, entry in entries.items():
        files[path] = {"sha256": entry.sha256, "source": entry.source}
        if entry.pending:
            files[path]["pending"] = list(entry.pending)
    body = {"comment": _MANIFEST_COMMENT, "version": _MANIFEST_VERSION, "files": files}
    return json.dumps(body, indent=2) + "\n"


@given(st.dictionaries(st.text(max_size=20), _ENTRY, max_size=5))
def test_the_manifest_is_json_dumps_byte_for_byte(entries: dict[str, ManifestEntry]) -> None:
    assert _manifest_json(entries) == _reference(entries)


def test_an_entry_with_pending_hashes_and_odd_names() -> None:
    entries = {
        'a"b\\c\n\x01é💡.yaml': ManifestEntry("0" * 64, "config/x.yaml", ("1" * 64, "2" * 64)),
        "z.yaml": ManifestEntry("3" * 64, "src"),
    }
    assert _manifest_json(entries) == _reference(entries)
    assert json.loads(_manifest_json(entries))["files"]['a"b\\c\n\x01é💡.yaml']["pending"] == [
        "1" * 64,
        "2" * 64,
    ]
    assert _manifest_json({}) == _reference({})
