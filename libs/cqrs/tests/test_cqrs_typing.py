"""The type checker holds each handler to its message: argument and result type."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SNIPPET = """
from dataclasses import dataclass

from avion_cqrs import Bus, Command, Query


@dataclass(frozen=True)
class Follow(Command[bool]):
    user_id: int


@dataclass(frozen=True)
class CountFollowers(Query[int]):
    user_id: int


async def follow(command: Follow) -> bool:
    return True


async def count(query: CountFollowers) -> int:
    return 0


async def follow_wrongly(command: Follow) -> str:
    return "yes"


async def any_command(command: Command[bool]) -> bool:
    return False


bus = Bus()
bus.register(Follow, follow)
bus.register(CountFollowers, count)
bus.register(Follow, any_command)  # a handler of a wider message type is fine
{extra}


async def caller() -> None:
    followed: bool = await bus.dispatch(Follow(1))
    total: int = await bus.dispatch(CountFollowers(1))
"""


def mypy(tmp_path: Path, extra: str = "") -> list[str]:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(SNIPPET).replace("{extra}", extra))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--hide-error-context",
            "--no-error-summary",
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return [line.split(": ", 1)[1] for line in result.stdout.splitlines() if ": error:" in line]


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("typing")


def test_correct_handlers_type_check(module_tmp: Path) -> None:
    assert mypy(module_tmp) == []


@pytest.mark.parametrize(
    ("registration", "expected"),
    [
        (
            "bus.register(Follow, follow_wrongly)",
            'error: Argument 2 to "register" of "Bus" has incompatible type '
            '"Callable[[Follow], Coroutine[Any, Any, str]]"; '
            'expected "Callable[[Follow], Awaitable[bool]]"  [arg-type]',
        ),
        (
            "bus.handler(Follow)(follow_wrongly)",
            "incompatible type",
        ),
        (
            "bus.register(CountFollowers, follow)",
            'error: Cannot infer value of type parameter "M" of "register" of "Bus"  [misc]',
        ),
    ],
    ids=["wrong-result", "wrong-result-decorator", "wrong-message"],
)
def test_a_mistyped_handler_fails_mypy_strict(
    tmp_path: Path, registration: str, expected: str
) -> None:
    errors = mypy(tmp_path, registration)
    assert len(errors) == 1, errors
    assert expected in errors[0]
