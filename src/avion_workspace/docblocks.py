"""The fenced code blocks of the workspace's Markdown, for the documentation tests.

The convention every doc follows: a ```sh / ```bash / ```console block is commands a test
runs; a ```python block is a complete program a test runs; either may be preceded by the line
``<!-- not-runnable: <reason> -->`` when it cannot run in a test (the reason is reported).
Other languages (json, yaml, text, none) are data and are not run.

Pure: text in, :class:`Block` values out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHELL = frozenset({"sh", "bash", "shell", "console", "zsh"})
PYTHON = frozenset({"python", "py", "python3"})

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_MARK = re.compile(r"^\s*<!--\s*not-runnable:\s*(?P<reason>.*?)\s*-->\s*$")

# Where the documentation lives, as globs from the workspace root (new docs are picked up).
DOC_GLOBS = (
    "README.md",
    "docs/**/*.md",
    "config/README.md",
    "workflows/README.md",
    "libs/*/README.md",
    "services/*/README.md",
)


@dataclass(frozen=True)
class Block:
    source: str  # path relative to the workspace root
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    not_runnable: str | None  # the reason, when marked

    @property
    def kind(self) -> str | None:
        """``shell``, ``python``, or None for data blocks."""
        if self.language in SHELL:
            return "shell"
        if self.language in PYTHON:
            return "python"
        return None

    @property
    def label(self) -> str:
        return f"{self.source}:{self.line}"

    def commands(self) -> list[tuple[int, str]]:
        """(line, command) of a shell block: ``\\`` continuations joined, comments dropped.

        In a ``console`` block only ``$ `` lines are commands (the rest is output).
        """
        result: list[tuple[int, str]] = []
        pending: list[str] = []
        start = 0
        for offset, raw in enumerate(self.text.splitlines()):
            line = raw.rstrip()
            if not pending:
                if self.language == "console":
                    if not line.lstrip().startswith("$ "):
                        continue
                    line = line.lstrip()[2:]
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                start = self.line + 1 + offset
            if line.endswith("\\"):
                pending.append(line[:-1])
                continue
            pending.append(line)
            result.append((start, " ".join(part.strip() for part in pending)))
            pending = []
        if pending:
            result.append((start, " ".join(part.strip() for part in pending)))
        return result


def blocks(text: str, source: str) -> Iterator[Block]:
    """Every fenced block of one Markdown text, with the not-runnable mark that precedes it."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence = match["fence"]
        language = match["info"].strip().split(" ")[0].lower() if match["info"].strip() else ""
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            body.append(lines[end])
            end += 1
        yield Block(source, index + 1, language, "\n".join(body) + "\n", _mark_before(lines, index))
        index = end + 1


_INLINE = re.compile(r"`((?:\.venv/bin/)?(?:inv|nox) [^`]+)`")
# Spans with these are patterns, not commands: `inv tools.install [NAME]`, `inv infra.up / down`.
_PLACEHOLDERS = ("[", "<", "...", "…", " / ", "*")


def inline_commands(text: str) -> Iterator[tuple[int, str]]:
    """(line, command) of each inline `inv …`/`nox …` code span outside fenced blocks."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _FENCE.match(line)
        if match is not None:
            if fence is None:
                fence = match["fence"]
            elif line.strip().startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        for span in _INLINE.finditer(line):
            command = span.group(1)
            if not any(mark in command for mark in _PLACEHOLDERS):
                yield number, command


def _mark_before(lines: list[str], index: int) -> str | None:
    previous = index - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if previous < 0:
        return None
    match = _MARK.match(lines[previous])
    return match["reason"] if match else None


def doc_files(root: Path) -> list[Path]:
    """Every Markdown file the documentation tests cover (globbed, so new docs are included)."""
    found: set[Path] = set()
    for pattern in DOC_GLOBS:
        found.update(path for path in root.glob(pattern) if path.is_file())
    return sorted(found)


def workspace_blocks(root: Path) -> list[Block]:
    """Every shell and python block of the workspace's docs."""
    result: list[Block] = []
    for path in doc_files(root):
        source = path.relative_to(root).as_posix()
        result.extend(
            b for b in blocks(path.read_text(encoding="utf-8"), source) if b.kind is not None
        )
    return result
