"""Mutation scores of the libraries: what mutmut killed, less the mutants that cannot be killed.

mutmut runs inside each library (``libs/<lib>``) and leaves its counts in
``mutants/mutmut-cicd-stats.json`` and each mutant's status in ``mutmut results``. A mutant
that changes nothing observable (an *equivalent* mutant) is listed, with the reason, in
``libs/<lib>/mutation-equivalent.txt`` and left out of the score.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import AvionError

GOAL = 0.85
"""The share of non-equivalent mutants each library's tests must kill."""

EQUIVALENT_FILE = "mutation-equivalent.txt"
STATS_FILE = Path("mutants") / "mutmut-cicd-stats.json"


class MutationError(AvionError):
    """The mutation results are missing or unreadable."""


@dataclass(frozen=True)
class MutationScore:
    """One library's outcome: killed mutants over the non-equivalent ones that tests reach."""

    library: str
    killed: int
    survived: tuple[str, ...]
    no_tests: tuple[str, ...]
    equivalent: tuple[str, ...]
    timeout: int = 0

    @property
    def counted(self) -> int:
        """Killed, timed out (a mutant that hangs is caught) and survivors that are not equivalent.

        Mutants no test reaches count as survivors: code without tests is a gap too.
        """
        return self.killed + self.timeout + len(self.survived) + len(self.no_tests)

    @property
    def score(self) -> float:
        return 1.0 if self.counted == 0 else (self.killed + self.timeout) / self.counted

    def summary(self) -> str:
        return (
            f"{self.library}: {self.score:.1%} killed "
            f"({self.killed + self.timeout}/{self.counted}; {len(self.equivalent)} equivalent, "
            f"{len(self.survived)} survived, {len(self.no_tests)} without tests)"
        )


def read_equivalent(library_dir: Path) -> dict[str, str]:
    """Mutant name → why it is equivalent, from ``mutation-equivalent.txt`` (``name  # reason``)."""
    path = library_dir / EQUIVALENT_FILE
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition("#")
        if not reason.strip():
            raise MutationError(
                f"{path}:{number}:1: equivalent mutant {name.strip()!r} needs a reason after '#'"
            )
        found[name.strip()] = reason.strip()
    return found


def parse_results(text: str) -> dict[str, str]:
    """Mutant name → status, from the lines ``name: status`` that ``mutmut results`` prints."""
    statuses: dict[str, str] = {}
    for line in text.splitlines():
        name, separator, status = line.strip().rpartition(": ")
        if separator and name and " " not in name:
            statuses[name] = status.strip()
    return statuses


def score_library(library: str, library_dir: Path, results_text: str) -> MutationScore:
    """The score of ``library`` from its stats file and the ``mutmut results`` output."""
    stats_path = library_dir / STATS_FILE
    try:
        stats = json.loads(stats_path.read_text())
    except (OSError, ValueError) as exc:
        raise MutationError(
            f"{stats_path}: no mutmut statistics ({exc}); run mutmut first"
        ) from None
    equivalent = read_equivalent(library_dir)
    statuses = parse_results(results_text)
    survived = sorted(n for n, s in statuses.items() if s == "survived" and n not in equivalent)
    no_tests = sorted(n for n, s in statuses.items() if s == "no tests" and n not in equivalent)
    stale = sorted(set(equivalent) - set(statuses))
    return MutationScore(
        library=library,
        killed=int(stats.get("killed", 0)),
        timeout=int(stats.get("timeout", 0)),
        survived=tuple(survived),
        no_tests=tuple(no_tests),
        equivalent=tuple(sorted(set(equivalent) - set(stale))),
    )


def run_library(library_dir: Path, *, children: int, log: Path) -> str:
    """Run mutmut in ``library_dir`` (its ``[tool.mutmut]`` config) and return its results.

    mutmut's progress goes to ``log``; the result listing is returned for :func:`score_library`.
    Every run starts from scratch: mutmut keeps results per function, so tests added since the
    last run would not be credited for mutants they now kill.
    """
    shutil.rmtree(library_dir / "mutants", ignore_errors=True)
    mutmut = [sys.executable, "-m", "mutmut"]
    with log.open("w") as out:
        for args in (["run", "--max-children", str(children)], ["export-cicd-stats"]):
            result = subprocess.run(
                [*mutmut, *args], cwd=library_dir, stdout=out, stderr=subprocess.STDOUT, check=False
            )
            if result.returncode != 0:
                raise MutationError(
                    f"mutmut {args[0]} failed in {library_dir} (exit {result.returncode})",
                    hint=f"see {log}",
                )
    listing = subprocess.run(
        [*mutmut, "results"], cwd=library_dir, capture_output=True, text=True, check=False
    )
    return listing.stdout


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m avion_workspace.quality.mutation [--children N] LIB...``: run, score, judge."""
    parser = argparse.ArgumentParser(prog="mutation", description=main.__doc__)
    parser.add_argument("libraries", nargs="+", help="library names under libs/")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the workspace root")
    parser.add_argument("--children", type=int, default=1, help="mutmut worker processes")
    parser.add_argument("--score-only", action="store_true", help="score the last run again")
    args = parser.parse_args(argv)
    scores: list[MutationScore] = []
    failed: list[str] = []
    for library in args.libraries:
        try:
            library_dir = args.root / "libs" / library
            if not (library_dir / "pyproject.toml").is_file():
                raise MutationError(f"libs/{library}: no such library")
            log = library_dir / "mutants.log"
            if args.score_only:
                listing = subprocess.run(
                    [sys.executable, "-m", "mutmut", "results"],
                    cwd=library_dir,
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout
            else:
                listing = run_library(library_dir, children=args.children, log=log)
            score = score_library(library, library_dir, listing)
            scores.append(score)
            print(score.summary(), flush=True)
            for name in (*score.survived, *score.no_tests):
                print(f"  {name}")
        except MutationError as error:  # one library's failure never hides the others' scores
            print(error.render(), file=sys.stderr)
            failed.append(library)
    below = [s.library for s in scores if s.score < GOAL]
    if below:
        print(f"error: below {GOAL:.0%} of mutants killed: {', '.join(below)}", file=sys.stderr)
    if failed:
        print(f"error: mutation testing failed to run for: {', '.join(failed)}", file=sys.stderr)
    return 1 if below or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
