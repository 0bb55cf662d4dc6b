"""nox sessions: the same checks a developer runs locally and CI runs on every change.

Heavy logic lives in the engine (``avion_workspace``) and its tasks; sessions only install and call.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
LIBS = sorted(p.parent.name for p in ROOT.glob("libs/*/pyproject.toml"))

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests"]


COVERAGE_FAIL_UNDER = 90.0


def _lib_args() -> list[str]:
    return [arg for lib in LIBS for arg in ("-e", f"libs/{lib}[test]")]


def _install_libs(session: nox.Session) -> None:
    # One call: the libraries depend on each other by name (avion-errors, ...) and are not on
    # PyPI, so the resolver must see every local path at once.
    session.install(*_lib_args())


def _install_workspace(session: nox.Session, extras: str = "test") -> None:
    # With the libraries in the same call: the workspace itself imports avion-migrate.
    session.install("-e", f".[{extras}]", *_lib_args())


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite: engine unit and integration tests, then every library's tests."""
    _install_workspace(session)
    # Pinned tools (goose, helm, actionlint, ...) into .tools/bin: instant once there. Without a
    # Go toolchain outside CI the tests that need them skip, saying how to get them; in CI they fail.
    session.run(
        "inv", "tools.install", success_codes=[0] if os.environ.get("CI") == "true" else [0, 1]
    )
    env = {"PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    args = session.posargs or ["tests", *(f"libs/{lib}/tests" for lib in LIBS)]
    session.run("pytest", *args, env=env)


@nox.session
def coverage(session: nox.Session) -> None:
    """Each library's tests under coverage of that library alone; fail if any is below 90%."""
    _install_libs(session)
    session.install("coverage>=7.6")
    below = []
    for lib in session.posargs or LIBS:
        data = f"--data-file={session.create_tmp()}/.coverage.{lib}"
        pytest = ("-m", "pytest", "-q", f"libs/{lib}/tests")
        session.run("coverage", "run", data, f"--source=avion_{lib}", *pytest)
        session.run("coverage", "report", data, "--show-missing")
        total = session.run("coverage", "report", data, "--format=total", silent=True)
        if float(str(total).strip()) < COVERAGE_FAIL_UNDER:
            below.append(f"{lib} ({str(total).strip()}%)")
    if below:
        session.error(f"coverage below {COVERAGE_FAIL_UNDER:g}% in: {', '.join(below)}")


MUTMUT = "mutmut==3.8.1"


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation-test each library with mutmut; fail below 85% of non-equivalent mutants killed."""
    _install_libs(session)
    session.install("-e", ".", MUTMUT)
    # One worker per library by default: the run is long, and a shared machine stays usable.
    children = os.environ.get("MUTATION_CHILDREN", "1")
    libraries = session.posargs or LIBS
    session.run(
        "python", "-m", "avion_workspace.quality.mutation", "--children", children, *libraries
    )


@nox.session(name="render-check")
def render_check(session: nox.Session) -> None:
    """Fail when committed generated files differ from what config renders."""
    session.install("-e", ".", *_lib_args())
    session.run("inv", "render", "--check")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the engine."""
    _install_workspace(session, "dev")
    session.run("mypy")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and every pre-commit hook over the whole tree."""
    session.install("pre-commit", "ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure")
