"""Every command the docs tell a user to run works as written.

Each ```sh / ```bash / ```console block of README.md, docs/**, config/, workflows/, libs/* and
services/* READMEs (globbed: new docs are picked up) runs in a fixture workspace — a temp copy
of this checkout sharing its .venv and .tools — one doc's blocks in order, in one copy. Each
```python block runs as a program against the common libraries. A block that cannot run here
is preceded by ``<!-- not-runnable: <reason> -->``; it is still checked: every ``inv``/``nox``
line in it must parse with invoke's and nox's own parsers. The run ends with the counts (see
conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from avion_workspace.ci.commands import CommandLines
from avion_workspace.docblocks import Block, workspace_blocks
from tests.integration.docs.ledger import LEDGER, Entry
from tests.support import ROOT

pytestmark = pytest.mark.integration

BLOCKS = workspace_blocks(ROOT)
BLOCK_TIMEOUT = 600  # a generous bound for one block (a render, a scaffold), never a speed claim


def _files(root: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [name for name in listed.decode().split("\0") if name and (root / name).is_file()]


@pytest.fixture(scope="session")
def command_lines() -> CommandLines:
    return CommandLines(ROOT)


@pytest.fixture(scope="session")
def fixture_workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {}


def fixture_workspace(cache: dict[str, Path], factory: pytest.TempPathFactory, doc: str) -> Path:
    """A temp copy of this checkout (tracked and new files), one per doc."""
    if doc not in cache:
        copy = factory.mktemp("ws")
        for name in _files(ROOT):
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target, follow_symlinks=False)
        for shared in (".venv", ".tools"):
            if (ROOT / shared).exists():
                (copy / shared).symlink_to(ROOT / shared)
        # A clone-like history: one commit, which is also origin/main.
        git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@avion.invalid"]
        for argv in (
            ["init", "-q", "-b", "main"],
            ["add", "-A"],
            ["commit", "-q", "--no-verify", "-m", "fixture"],
            ["update-ref", "refs/remotes/origin/main", "HEAD"],
        ):
            subprocess.run([*git, *argv], cwd=copy, check=True, capture_output=True)
        cache[doc] = copy
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


def _env(workspace: Path) -> dict[str, str]:
    env = dict(os.environ)
    bins = [str(ROOT / ".venv" / "bin"), str(ROOT / ".tools" / "bin")]
    env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "")])
    env.pop("VIRTUAL_ENV", None)
    return env


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
            for line, command in block.commands():
                result = subprocess.run(
                    ["bash", "-e", "-o", "pipefail", "-c", command],
                    cwd=workspace,
                    env=_env(workspace),
                    capture_output=True,
                    text=True,
                    timeout=BLOCK_TIMEOUT,
                    check=False,
                )
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
