"""CRD manifests → strict JSON schemas (the conversion; fetching is an integration concern)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from avion_workspace.deploy.crds import CRD_SOURCES, schemas_from, strict

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "kind": {"type": "string"},
                            "metadata": {"type": "object"},
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "port": {"x-kubernetes-int-or-string": True},
                                    "note": {"type": "string", "nullable": True},
                                    "free": {
                                        "type": "object",
                                        "properties": {"a": {"type": "string"}},
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                            },
                        },
                    }
                },
            },
            {"name": "v0", "served": False, "schema": {"openAPIV3Schema": {"type": "object"}}},
        ],
    },
}


def widget(spec: dict[str, object]) -> dict[str, object]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


def test_served_versions_become_strict_schemas(tmp_path: Path) -> None:
    path = tmp_path / "widgets.yaml"
    path.write_text(yaml.safe_dump(CRD), encoding="utf-8")
    schemas = schemas_from([path])
    assert list(schemas) == [("example.com/v1", "Widget")]
    validator = jsonschema.Draft7Validator(schemas[("example.com/v1", "Widget")])
    assert list(validator.iter_errors(widget({"port": 80, "note": None, "free": {"b": 1}}))) == []
    assert list(validator.iter_errors(widget({"port": "http"}))) == []
    errors = [e.message for e in validator.iter_errors(widget({"prot": 80}))]
    assert errors == ["Additional properties are not allowed ('prot' was unexpected)"]
    assert [e.message for e in validator.iter_errors(widget({"port": 1.5}))]


def test_strict_leaves_open_maps_open() -> None:
    labels = {"type": "object", "additionalProperties": {"type": "string"}}
    assert strict(labels) == labels


def test_the_pinned_sources_name_the_kinds_the_charts_render() -> None:
    files = {Path(f).name for source in CRD_SOURCES for f in source.files}
    assert {
        "postgresql.cnpg.io_clusters.yaml",
        "postgresql.cnpg.io_poolers.yaml",
        "postgresql.cnpg.io_databases.yaml",
        "postgresql.cnpg.io_scheduledbackups.yaml",
        "monitoring.coreos.com_prometheusrules.yaml",
        "monitoring.coreos.com_podmonitors.yaml",
        "monitoring.coreos.com_servicemonitors.yaml",
    } == files
