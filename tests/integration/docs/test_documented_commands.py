"""Every command the docs tell a user to run works as written.

Each ```sh / ```bash / ```console block of README.md, docs/**, config/, workflows/, libs/* and
services/* READMEs (globbed: new docs are picked up) runs in a fixture workspace — a temp copy
of this checkout sharing its .venv and .tools — one doc's blocks in order, in one copy. Each
```python block runs as a program against the common libraries; a block using
``$DATABASE_URL`` gets a real, empty PostgreSQL database. A block that cannot run here
is preceded by ``<!-- not-runnable: <reason> -->``; it is still checked: every ``inv``/``nox``
line in it must parse with invoke's and nox's own parsers. The run ends with the counts (see
conftest.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from avion_workspace.ci.commands import CommandLines
from avion_workspace.docblocks import Block, doc_files, inline_commands, workspace_blocks
from tests.integration.docs.ledger import LEDGER, Entry
from tests.integration.docs.workspace_copy import copy_workspace, run
from tests.support import ROOT

pytestmark = pytest.mark.integration

BLOCKS = workspace_blocks(ROOT)
BLOCK_TIMEOUT = 600  # a generous bound for one block (a render, a scaffold), never a speed claim


@pytest.fixture(scope="session")
def command_lines() -> CommandLines:
    return CommandLines(ROOT)


@pytest.fixture(scope="session")
def fixture_workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {}


def fixture_workspace(cache: dict[str, Path], factory: pytest.TempPathFactory, doc: str) -> Path:
    """A temp copy of this checkout, one per doc (its blocks run in order in it)."""
    if doc not in cache:
        cache[doc] = copy_workspace(factory.mktemp("ws"))
    return cache[doc]


@pytest.fixture(scope="session")
def libs_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with every common library installed (editable), for the libraries' examples."""
    venv = tmp_path_factory.mktemp("libs-venv") / "venv"
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not installed (it is in the workspace's test extra)")
    subprocess.run([uv, "venv", "-q", str(venv), "--python", sys.executable], check=True)
    libs = sorted(str(p.parent) for p in ROOT.glob("libs/*/pyproject.toml"))
    installs = [arg for lib in libs for arg in ("-e", lib)]
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *installs],
        check=True,
    )
    return venv / "bin" / "python"


def _check_lines(block: Block, lines: CommandLines) -> None:
    problems = [
        f"{block.source}:{line}: `{command}` {why}"
        for line, command in block.commands()
        if (why := lines.line_problem(command)) is not None
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.label for b in BLOCKS])
def test_documented_block(
    block: Block,
    command_lines: CommandLines,
    fixture_workspaces: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> None:
    kind = block.kind or ""
    try:
        if block.kind == "shell":
            _check_lines(block, command_lines)
        if block.not_runnable is not None:
            assert block.not_runnable.strip(), f"{block.label}: a not-runnable mark needs a reason"
            LEDGER.entries.append(Entry(block.label, kind, "marked", block.not_runnable))
            return
        if block.kind == "shell":
            workspace = fixture_workspace(fixture_workspaces, tmp_path_factory, block.source)
            extra: dict[str, str] = {}
            if "$DATABASE_URL" in block.text:  # a real, empty PostgreSQL database for the block
                extra["DATABASE_URL"] = request.getfixturevalue("fresh_database").dsn
            for line, command in block.commands():
                result = run(workspace, command, timeout=BLOCK_TIMEOUT, extra_env=extra)
                LEDGER.commands += 1
                assert result.returncode == 0, (
                    f"{block.source}:{line}: `{command}` exited {result.returncode}\n"
                    f"{result.stdout}\n{result.stderr}"
                )
        else:
            python = request.getfixturevalue("libs_python")
            program = tmp_path_factory.mktemp("example") / "example.py"
            program.write_text(block.text, encoding="utf-8")
            result = subprocess.run(
                [str(python), str(program)],
                cwd=program.parent,
                capture_output=True,
                text=True,
                timeout=BLOCK_TIMEOUT,
                check=False,
            )
            assert result.returncode == 0, (
                f"{block.label}: the example exited {result.returncode}\n"
                f"{result.stdout}\n{result.stderr}"
            )
    except BaseException:
        LEDGER.entries.append(Entry(block.label, kind, "failed"))
        raise
    LEDGER.entries.append(Entry(block.label, kind, "ran"))


def test_the_docs_have_blocks_to_check() -> None:
    sources = {b.source for b in BLOCKS}
    assert "README.md" in sources
    assert any(s.startswith("libs/") for s in sources)


def test_every_inline_command_in_the_docs_parses(command_lines: CommandLines) -> None:
    """`inv …`/`nox …` in prose must name real tasks and flags (a bare `inv deploy` that names a
    task without its required argument is a mention, not a command, and passes)."""
    problems = []
    checked = 0
    for path in doc_files(ROOT):
        for line, command in inline_commands(path.read_text(encoding="utf-8")):
            checked += 1
            why = command_lines.line_problem(command)
            if why is not None and "did not receive required positional arguments" not in why:
                problems.append(f"{path.relative_to(ROOT)}:{line}: `{command}` {why}")
    assert checked, "no inline commands found: did the docs or the parser change?"
    assert not problems, "\n".join(problems)
    LEDGER.inline = checked
