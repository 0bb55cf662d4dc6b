""".ci/run runs the README's quick-start lines themselves, in order, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def ci_in(tmp_path: Path, readme: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(readme)
    return subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


README = """# x

## Quick start

```sh
echo "line one $CI" > one.txt
cat one.txt > two.txt && echo "line two" >> two.txt
```

Then:

```sh
touch never.txt
```

## Everyday tasks

```sh
touch nor-this.txt
```
"""


def test_the_quick_start_lines_run_in_order_with_ci_set(tmp_path: Path) -> None:
    result = ci_in(tmp_path, README)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "two.txt").read_text() == "line one true\nline two\n"
    assert not (tmp_path / "never.txt").exists()
    assert not (tmp_path / "nor-this.txt").exists()
    assert "README quick start, line 1: echo" in result.stdout
    assert "README quick start, line 2: cat one.txt" in result.stdout


def test_a_failing_line_fails_ci_and_stops_there(tmp_path: Path) -> None:
    result = ci_in(tmp_path, README.replace('echo "line one $CI" > one.txt', "exit 5"))
    assert result.returncode == 5
    assert not (tmp_path / "two.txt").exists()


def test_a_readme_without_quick_start_commands_fails(tmp_path: Path) -> None:
    result = ci_in(tmp_path, "# x\n\n## Quick start\n\nNothing here.\n")
    assert result.returncode == 1
    assert "has no ```sh block under '## Quick start'" in result.stderr


def test_the_repository_readme_has_the_two_lines_ci_runs() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].endswith(".venv/bin/inv setup")
    assert lines[1] == ".venv/bin/nox -s tests"
