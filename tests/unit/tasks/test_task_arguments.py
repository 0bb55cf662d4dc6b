"""The forms users type parse as intended, through invoke's own parser and the real namespace."""

from __future__ import annotations

import pytest
from invoke.collection import Collection
from invoke.exceptions import ParseError
from invoke.parser import Parser, ParserContext
from invoke.program import Program

import tasks as tasks_module
from avion_workspace.tasks.optional import OptionalPositional, split_names


def _contexts() -> list[ParserContext]:
    """The parser contexts `inv` builds: from tasks.py, copied the way invoke's loader does."""
    return Collection.from_module(tasks_module).to_contexts()


def parse(*argv: str) -> dict[str, dict[str, object]]:
    parser = Parser(
        initial=ParserContext(args=Program().core_args()),
        contexts=_contexts(),
    )
    result = parser.parse_argv(list(argv))
    return {ctx.name: ctx.as_kwargs for ctx in result[1:]}


@pytest.mark.parametrize(
    ("argv", "task", "expected"),
    [
        (["tools.install", "helm"], "tools.install", {"names": "helm"}),
        (["tools.install", "--names", "helm"], "tools.install", {"names": "helm"}),
        (["tools.install", "helm,goose"], "tools.install", {"names": "helm,goose"}),
        (["tools.install"], "tools.install", {"names": None}),
        (["security.scan", "bandit"], "security.scan", {"names": "bandit"}),
        (["security.scan", "--names", "bandit"], "security.scan", {"names": "bandit"}),
        (["infra.logs"], "infra.logs", {"component": None}),
        (["infra.logs", "all"], "infra.logs", {"component": "all"}),
        (
            ["infra.logs", "postgres", "--lines", "5"],
            "infra.logs",
            {"component": "postgres", "lines": 5},
        ),
        (["infra.logs", "--component", "redis"], "infra.logs", {"component": "redis"}),
    ],
)
def test_positional_and_flag_forms_parse(
    argv: list[str], task: str, expected: dict[str, object]
) -> None:
    kwargs = parse(*argv)[task]
    for name, value in expected.items():
        assert kwargs[name] == value


def test_an_optional_positional_leaves_the_next_task_alone() -> None:
    parsed = parse("tools.install", "helm", "tools.list")
    assert parsed["tools.install"]["names"] == "helm"
    assert "tools.list" in parsed


def test_a_second_bare_word_is_still_an_error() -> None:
    with pytest.raises(ParseError, match="goose"):
        parse("tools.install", "helm", "goose")


def test_a_required_positional_is_still_required() -> None:
    contexts = [c for c in _contexts() if c.positional_args]
    required = [
        c for c in contexts if any(not isinstance(a, OptionalPositional) for a in c.positional_args)
    ]
    assert required, "no task with a required positional argument to check"
    for context in required:
        with pytest.raises(ParseError, match="required positional"):
            Parser(
                initial=ParserContext(args=Program().core_args()), contexts=[context]
            ).parse_argv([context.name])


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, []), ("helm", ["helm"]), ("helm,goose", ["helm", "goose"]), ("a, b", ["a", "b"])],
)
def test_split_names(given: str | None, expected: list[str]) -> None:
    assert split_names(given) == expected


@pytest.mark.parametrize("given", ["", " ", ",", " , "])
def test_an_empty_name_list_is_refused_not_taken_for_all(given: str) -> None:
    from avion_workspace.errors import AvionError

    with pytest.raises(AvionError) as caught:
        split_names(given)
    assert caught.value.exit_code == 1
    assert caught.value.hint


@pytest.mark.parametrize("task", ["tools.install", "security.scan", "infra.logs"])
def test_help_after_a_task_with_an_optional_positional_is_help(task: str) -> None:
    parser = Parser(
        initial=ParserContext(args=Program().core_args()),
        contexts=_contexts(),
    )
    result = parser.parse_argv([task, "--help"])
    assert result[0].args["help"].value == task
