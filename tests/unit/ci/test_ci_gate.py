"""The single required check over toJSON(needs)."""

from __future__ import annotations

import json

import pytest

from avion_workspace.ci.gate import gate_failures, parse_needs
from avion_workspace.errors import AvionError


def test_success_and_skipped_pass_failure_and_cancelled_do_not() -> None:
    needs = parse_needs(
        json.dumps(
            {
                "lint": {"result": "success", "outputs": {}},
                "service": {"result": "skipped", "outputs": {}},
                "unit": {"result": "failure", "outputs": {}},
                "integration": {"result": "cancelled", "outputs": {}},
            }
        )
    )
    assert gate_failures(needs) == ["unit: failure", "integration: cancelled"]


def test_all_passing() -> None:
    assert gate_failures({"a": {"result": "success"}, "b": {"result": "skipped"}}) == []


def test_a_job_without_a_result_fails_the_gate() -> None:
    assert gate_failures({"a": {}}) == ["a: unknown"]


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"a": "success"}'])
def test_malformed_needs_say_how_to_set_them(text: str) -> None:
    with pytest.raises(AvionError) as caught:
        parse_needs(text)
    assert caught.value.hint == "set NEEDS: ${{ toJSON(needs) }} on the job"


@pytest.mark.parametrize("text", ["{}", "[" * 5000, '{"a": ' + "[" * 5000])
def test_needs_without_jobs_or_nested_absurdly_deep_are_refused(text: str) -> None:
    with pytest.raises(AvionError) as caught:
        parse_needs(text)
    assert caught.value.exit_code == 1
    assert "NEEDS" in str(caught.value)
    assert caught.value.hint
