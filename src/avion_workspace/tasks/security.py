"""``inv security.*``: the security-scan stage, one task per scanner, ``scan`` for all of them."""

from __future__ import annotations

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

from avion_workspace.tasks.optional import OptionalPositionalTask


@task(
    klass=OptionalPositionalTask,
    positional=["names"],
    help={"names": "install only what these scans need: `secrets`, `bandit,audit` (default: all)"},
)
def install(c: Context, names: str | None = None) -> None:
    """Install the pinned scanners (.tools/venvs), helm and checkov; instant when present."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_security_install
    from avion_workspace.tasks.optional import split_names

    guarded(lambda: run_security_install(split_names(names)))


@task(
    klass=OptionalPositionalTask,
    positional=["names"],
    help={
        "names": "scans to run: `inv security.scan bandit`, `--names bandit`; several: `bandit,audit` (default: all)"
    },
)
def scan(c: Context, names: str | None = None) -> None:
    """Run every security scan (audit bandit secrets hadolint checkov zizmor); report all, then fail."""
    from avion_workspace.boundary import guarded
    from avion_workspace.ci.cli import run_security_scan
    from avion_workspace.tasks.optional import split_names

    guarded(lambda: run_security_scan(split_names(names)))


def _single(name: str, doc: str) -> object:
    def body(c: Context) -> None:
        from avion_workspace.boundary import guarded
        from avion_workspace.ci.cli import run_security_scan

        guarded(lambda: run_security_scan([name]))

    body.__doc__ = doc
    body.__name__ = name
    return task(body, name=name)


ns = Collection(
    "security",
    install,
    scan,
    _single("audit", "pip-audit: known vulnerabilities in the installed dependencies."),
    _single("bandit", "bandit: Python security findings of medium severity or higher."),
    _single("secrets", "detect-secrets: secrets in tracked and new files."),
    _single("hadolint", "hadolint: Dockerfile findings of warning level or higher."),
    _single("checkov", "checkov: the rendered Helm charts and Kubernetes manifests."),
    _single("zizmor", "zizmor --offline: workflow findings of medium severity or higher."),
)
