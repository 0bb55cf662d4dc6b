"""CRD schemas of the operators the charts target, fetched from their Go modules into .tools/crds.

The Go module proxy serves each operator's module, and the module carries the CRD manifests
its controller-gen produced: CloudNativePG's ``config/crd/bases`` and the Prometheus Operator's
``example/prometheus-operator-crd``. ``go mod download`` fetches a pinned version (checked
against the checksum database); the manifests are copied into the git-ignored ``.tools/crds``
and never committed. Each served version's ``openAPIV3Schema`` becomes a strict JSON schema:
unknown fields are errors unless the CRD preserves them, as ``kubectl --validate=strict`` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from avion_workspace.errors import ToolMissing
from avion_workspace.tools import TOOLS_DIR

CRDS_DIR = f"{TOOLS_DIR}/crds"


@dataclass(frozen=True)
class CrdSource:
    """Where an operator's CRD manifests live: a Go module at a pinned version, and paths in it."""

    module: str
    version: str
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        return f"{self.module.rsplit('/', 1)[-1]}@{self.version}"


_CNPG = "config/crd/bases/postgresql.cnpg.io_"
_PROM = "example/prometheus-operator-crd/monitoring.coreos.com_"
# Pinned with the operators the cluster runs (cloudnative-pg chart 0.26.x: operator 1.27.x).
CRD_SOURCES: tuple[CrdSource, ...] = (
    CrdSource(
        "github.com/cloudnative-pg/cloudnative-pg",
        "v1.27.1",
        tuple(
            f"{_CNPG}{kind}.yaml"
            for kind in ("clusters", "poolers", "scheduledbackups", "databases")
        ),
    ),
    CrdSource(
        "github.com/prometheus-operator/prometheus-operator",
        "v0.85.0",
        tuple(
            f"{_PROM}{kind}.yaml" for kind in ("servicemonitors", "podmonitors", "prometheusrules")
        ),
    ),
)


def fetch_crds(root: Path, sources: tuple[CrdSource, ...] = CRD_SOURCES) -> list[Path]:
    """The CRD manifests under .tools/crds, downloading a module first when they are missing."""
    paths = []
    for source in sources:
        target = root / CRDS_DIR / source.folder
        wanted = [target / Path(f).name for f in source.files]
        if not all(p.is_file() for p in wanted):
            module_dir = _download(source)
            target.mkdir(parents=True, exist_ok=True)
            for relative, dest in zip(source.files, wanted, strict=True):
                shutil.copyfile(module_dir / relative, dest)
        paths += wanted
    return paths


def _download(source: CrdSource) -> Path:
    go = shutil.which("go")
    if go is None:
        raise ToolMissing(
            f"cannot fetch the CRDs of {source.module}: the go toolchain is not on PATH",
            hint="install Go 1.22+ (the CRDs come from the operator's Go module)",
        )
    with tempfile.TemporaryDirectory(prefix="avion-crds-") as tmp:
        # Outside any module, so the workspace's go.work or go.mod (if any) cannot interfere.
        done = subprocess.run(
            [go, "mod", "download", "-json", f"{source.module}@{source.version}"],
            cwd=tmp,
            env={**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "on"},
            capture_output=True,
            text=True,
            check=False,
        )
    info: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    if done.returncode != 0 or "Dir" not in info:
        raise ToolMissing(
            f"go mod download {source.module}@{source.version} failed: "
            f"{info.get('Error') or done.stderr.strip()}",
            hint="the Go module proxy must be reachable (GOPROXY)",
        )
    return Path(info["Dir"])


def strict(schema: Any) -> Any:
    """An OpenAPI v3 structural schema as a JSON schema that rejects unknown fields."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}, *out.get("anyOf", [])]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = out.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def schemas_from(manifests: list[Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → strict JSON schema, for every served version of every CRD."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in manifests:
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            schema = strict(version["schema"]["openAPIV3Schema"])
            # metadata is validated by the API server itself; its schema here is just "object".
            found[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = schema
    return found


@cache
def _validators(root: str) -> Mapping[tuple[str, str], jsonschema.Draft7Validator]:
    return {
        key: jsonschema.Draft7Validator(schema)
        for key, schema in schemas_from(fetch_crds(Path(root))).items()
    }


def crd_validators(root: Path) -> Mapping[tuple[str, str], jsonschema.Draft7Validator]:
    """Validators of every fetched CRD kind (fetched once per process)."""
    return _validators(str(root.resolve()))
