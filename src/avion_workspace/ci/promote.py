"""Release promotion: give the images built for a commit a release tag, by digest, no rebuild.

Every service's image ``<registry>/<service>:<commit>`` is resolved to its digest first; only
when every one exists is each digest tagged ``<release>``, then read back to confirm. A release
of a commit whose images were never built (not through main) fails before anything is tagged.
Uses crane (pinned in ``tools.TOOLS``), which reads registry credentials from the Docker
config that ``docker login`` (or docker/login-action) writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from avion_workspace.errors import AvionError
from avion_workspace.process import CommandRunner as Runner
from avion_workspace.process import run_command

RELEASE_TAG = re.compile(r"^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
COMMIT_TAG = re.compile(r"^[0-9a-f]{7,40}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class PromotionError(AvionError):
    """Promotion stopped; ``message`` says which images were tagged before it did."""


@dataclass(frozen=True)
class Promotion:
    service: str
    repository: str
    digest: str
    tag: str

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


def check_tags(from_tag: str, to_tag: str) -> None:
    if not COMMIT_TAG.match(from_tag):
        raise PromotionError(
            f"--from-tag {from_tag!r} is not a commit SHA",
            hint="images are tagged by the commit they were built from",
        )
    if not RELEASE_TAG.match(to_tag):
        raise PromotionError(
            f"--to-tag {to_tag!r} is not a release tag",
            hint="release tags look like v1.2.3 or v1.2.3-rc.1",
        )


# What a registry answers for a tag or repository that does not exist (OCI distribution spec
# error codes, as crane prints them); anything else is an error to show as it is.
_NOT_FOUND = ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "404 Not Found")


@dataclass(frozen=True)
class _Lookup:
    digest: str | None = None
    error: str | None = None  # the registry client's own words, when it was not "not found"


def _lookup(crane: Path, reference: str, root: Path, runner: Runner) -> _Lookup:
    result = runner([str(crane), "digest", reference], cwd=root)
    digest = result.stdout.strip()
    if result.ok and _DIGEST.match(digest):
        return _Lookup(digest=digest)
    output = result.output
    if not result.ok and not any(marker in output for marker in _NOT_FOUND):
        return _Lookup(error=output or f"crane exited {result.returncode}")
    return _Lookup()


def _digest(crane: Path, reference: str, root: Path, runner: Runner) -> str | None:
    return _lookup(crane, reference, root, runner).digest


def promote_images(
    repositories: Mapping[str, str],
    from_tag: str,
    to_tag: str,
    crane: Path,
    root: Path,
    runner: Runner = run_command,
) -> list[Promotion]:
    """Tag every service's ``from_tag`` digest as ``to_tag``; all digests are resolved first."""
    check_tags(from_tag, to_tag)
    lookups = {
        service: _lookup(crane, f"{repo}:{from_tag}", root, runner)
        for service, repo in repositories.items()
    }
    errors = {service: found.error for service, found in lookups.items() if found.error}
    if errors:
        details = "\n".join(
            f"  {service} ({repositories[service]}:{from_tag}): {error}"
            for service, error in errors.items()
        )
        raise PromotionError(
            f"the registry could not be asked about {len(errors)} of {len(repositories)} images; nothing was tagged:\n{details}",
            hint="the registry client's message is above: check the registry host and network, and the credentials `docker login` wrote",
        )
    digests = {service: found.digest for service, found in lookups.items()}
    missing = [service for service, digest in digests.items() if digest is None]
    if missing:
        raise PromotionError(
            f"no image built for {from_tag} for {len(missing)} of {len(repositories)} services: {', '.join(missing)}",
            hint="images are built and pushed on main (cd-staging); release a commit that went through main",
        )
    done: list[Promotion] = []
    for service, repo in repositories.items():
        digest = digests[service]
        assert digest is not None
        tagged = runner([str(crane), "tag", f"{repo}@{digest}", to_tag], cwd=root)
        if not tagged.ok or _digest(crane, f"{repo}:{to_tag}", root, runner) != digest:
            already = ", ".join(p.service for p in done) or "none"
            raise PromotionError(
                f"tagging {repo}@{digest} as {to_tag} failed: {tagged.output or 'the tag does not point at the digest'}",
                hint=f"already tagged {to_tag}: {already}; fix the cause and run the promotion again (it is idempotent)",
            )
        done.append(Promotion(service, repo, digest, to_tag))
    return done
