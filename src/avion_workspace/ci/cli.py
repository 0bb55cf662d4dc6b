"""What ``inv ci.*`` and ``inv security.*`` do, callable without invoke."""

from __future__ import annotations

import json
import os
from pathlib import Path

from avion_workspace.errors import AvionError
from avion_workspace.workspace import find_root, resolve_config_dir


def run_affected(
    base: str | None, *, as_json: bool, github_output: bool, config_dir: str | None
) -> None:
    from avion_workspace.ci.affected import (
        EVERYTHING,
        affected_services,
        all_services,
        base_in_history,
        base_is_unknown,
        changed_paths,
    )
    from avion_workspace.config import load_platform

    root = find_root()
    services = load_platform(resolve_config_dir(config_dir)).services
    paths: list[str] = []
    if base is None or base_is_unknown(base):
        affected = all_services(services, f"no base commit ({base or 'none given'})")
    elif not base_in_history(root, base):
        # A force push to main, or a clone without history: more tests, never fewer.
        affected = all_services(services, f"{base} is not in this clone's history")
    else:
        paths = changed_paths(root, base)
        affected = affected_services(paths, services)
    if github_output:
        _write_github_output(
            {
                "services": json.dumps(list(affected.services), separators=(",", ":")),
                "all": json.dumps(list(services), separators=(",", ":")),
                "any": "true" if affected.any else "false",
            }
        )
    if as_json:
        document = {
            "base": base,
            "changed": paths,
            "services": list(affected.services),
            "all": list(services),
            "everything": affected.everything,
            "reasons": {k: list(v) for k, v in affected.reasons.items()},
        }
        print(json.dumps(document, indent=2))
        return
    if not affected.any:
        print(f"no service affected by the {len(paths)} file(s) changed since {base}")
        return
    print(
        f"{len(affected.services)} of {len(services)} services affected: {', '.join(affected.services)}"
    )
    for key, why in affected.reasons.items():
        label = "every service" if key == EVERYTHING else key
        shown = ", ".join(why[:3]) + (f" (+{len(why) - 3} more)" if len(why) > 3 else "")
        print(f"  {label}: {shown}")


def _write_github_output(values: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        raise AvionError(
            "--github-output needs the GITHUB_OUTPUT file",
            hint="GitHub Actions sets it; locally use --json",
        )
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")


def run_check_workflows() -> None:
    from avion_workspace.ci.workflow_checks import check_workflows

    results = check_workflows(find_root())
    for result in results:
        shown = result.detail if result.ok or result.problems else "(output below)"
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.name:10} {shown}")
    failed = [r for r in results if not r.ok]
    for result in failed:
        if not result.problems:
            print(f"\n--- {result.name} ---\n{result.detail}")
    if failed:
        raise AvionError(
            f"workflow checks failed: {', '.join(r.name for r in failed)}",
            hint="change workflows/pipeline.yaml (never .github/workflows by hand) and run `inv render`",
            problems=[p for r in failed for p in r.problems],
        )


def run_promote(from_tag: str, to_tag: str, config_dir: str | None) -> None:
    from avion_workspace.ci.promote import promote_images
    from avion_workspace.config import load_platform
    from avion_workspace.tools import require_tool

    root = find_root()
    platform = load_platform(resolve_config_dir(config_dir))
    repositories = {name: platform.image(name) for name in platform.services}
    promoted = promote_images(repositories, from_tag, to_tag, require_tool(root, "crane"), root)
    for item in promoted:
        print(f"{item.service:14} {item.digest}  -> {item.reference}")
    print(
        f"promoted {len(promoted)} images built for {from_tag} to {to_tag} (same digests, no rebuild)"
    )


def run_gate(variable: str) -> None:
    from avion_workspace.ci.gate import gate_failures, parse_needs

    text = os.environ.get(variable)
    if text is None:
        raise AvionError(
            f"${variable} is not set",
            hint=f"set {variable}: ${{{{ toJSON(needs) }}}} on the gate job",
        )
    needs = parse_needs(text)
    failures = gate_failures(needs)
    for job, info in needs.items():
        print(f"{job:14} {info.get('result', 'unknown')}")
    if failures:
        raise AvionError(f"{len(failures)} required job(s) did not pass: {'; '.join(failures)}")
    print(f"all {len(needs)} required jobs passed or were skipped")


def run_security_install(scans: list[str] | None = None) -> None:
    from avion_workspace.ci.security import install_all

    root = find_root()
    for label, path, fresh in install_all(root, scans=scans or ()):
        print(f"{'installed' if fresh else 'present  '} {label:26} -> {_display(root, path)}")


def run_security_scan(names: list[str]) -> None:
    from avion_workspace.ci.security import ScanContext, run_scans

    root = find_root()
    results = run_scans(ScanContext(root, root), names)
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.scan:9} {result.summary}")
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"\n--- {result.scan} ---\n{result.details}")
    if failed:
        raise AvionError(f"security scan failed: {', '.join(r.scan for r in failed)}")


def _display(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def run_kubeconfig(env: str, config_dir: str | None) -> None:
    from avion_workspace.ci.kubeconfig import write_kubeconfig
    from avion_workspace.config import load_platform
    from avion_workspace.workspace import resolve_config_dir

    platform = load_platform(resolve_config_dir(config_dir), env)
    context = write_kubeconfig(platform)
    print(f"kubeconfig: context {context} for cluster {platform.environment.cluster}")
