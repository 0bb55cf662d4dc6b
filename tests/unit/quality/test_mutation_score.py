"""Scoring mutmut's results per library, less the mutants listed as equivalent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from avion_workspace.quality.mutation import (
    MutationError,
    MutationScore,
    parse_results,
    read_equivalent,
    score_library,
)

RESULTS = """\
/site-packages/mutmut/configuration.py:143: UserWarning: something deprecated
  warnings.warn(
    avion_x.a.x_f__mutmut_1: survived
    avion_x.a.xǁKǁm__mutmut_2: survived
    avion_x.a.x_g__mutmut_3: no tests
    avion_x.a.x_h__mutmut_4: survived
"""


def library(tmp_path: Path, killed: int = 16, equivalent: str = "") -> Path:
    (tmp_path / "mutants").mkdir()
    stats = {"killed": killed, "survived": 3, "total": 20, "no_tests": 1, "timeout": 0}
    (tmp_path / "mutants" / "mutmut-cicd-stats.json").write_text(json.dumps(stats))
    if equivalent:
        (tmp_path / "mutation-equivalent.txt").write_text(equivalent)
    return tmp_path


def test_results_lines_are_read_and_noise_ignored() -> None:
    assert parse_results(RESULTS) == {
        "avion_x.a.x_f__mutmut_1": "survived",
        "avion_x.a.xǁKǁm__mutmut_2": "survived",
        "avion_x.a.x_g__mutmut_3": "no tests",
        "avion_x.a.x_h__mutmut_4": "survived",
    }


def test_equivalent_mutants_leave_the_score(tmp_path: Path) -> None:
    root = library(
        tmp_path,
        equivalent="# comment\n\navion_x.a.x_h__mutmut_4  # equivalent: same codec\n"
        "avion_x.a.x_gone__mutmut_9  # killed since: ignored\n",
    )
    score = score_library("x", root, RESULTS)
    assert score.survived == ("avion_x.a.x_f__mutmut_1", "avion_x.a.xǁKǁm__mutmut_2")
    assert score.no_tests == ("avion_x.a.x_g__mutmut_3",)
    assert score.equivalent == ("avion_x.a.x_h__mutmut_4",)
    assert score.counted == 19
    assert score.score == pytest.approx(16 / 19)
    assert score.summary() == ("x: 84.2% killed (16/19; 1 equivalent, 2 survived, 1 without tests)")


def test_a_library_without_mutants_scores_full() -> None:
    empty = MutationScore("x", killed=0, survived=(), no_tests=(), equivalent=())
    assert empty.score == 1.0


def test_an_equivalent_entry_needs_a_reason(tmp_path: Path) -> None:
    (tmp_path / "mutation-equivalent.txt").write_text("a.b__mutmut_1  # fine\na.b__mutmut_2\n")
    with pytest.raises(MutationError) as info:
        read_equivalent(tmp_path)
    assert info.value.message == (
        f"{tmp_path}/mutation-equivalent.txt:2:1: equivalent mutant 'a.b__mutmut_2' needs a "
        "reason after '#'"
    )


def test_missing_statistics_say_to_run_mutmut(tmp_path: Path) -> None:
    with pytest.raises(MutationError, match=r"no mutmut statistics .*; run mutmut first"):
        score_library("x", tmp_path, "")
