"""docs/deploy.md lists every Secret the rendered charts and values reference, with its keys."""

from __future__ import annotations

import re
from pathlib import Path

from avion_workspace.config import load_platforms
from avion_workspace.render.charts import chart_values

ROOT = Path(__file__).resolve().parents[3]
SECRET_REFERENCE = re.compile(
    r"(?:existingSecret|existingMasterKeySecret|credentialsSecret):\s*([a-z0-9-]+)"
)


def test_every_service_secret_and_key_is_documented() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    for platform in load_platforms(ROOT / "config").values():
        for service in platform.services.values():
            secrets = chart_values(platform, service)["secrets"]
            row = f"| `{secrets['secretName']}` | " + ", ".join(f"`{k}`" for k in secrets["keys"])
            assert row in docs, row


def test_every_infrastructure_secret_is_documented() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    values = ROOT / "infrastructure" / "kubernetes" / "values"
    referenced = {
        name
        for path in values.rglob("*.yaml")
        for name in SECRET_REFERENCE.findall(path.read_text())
    }
    assert referenced, "no Secret references found in the rendered values"
    for name in sorted(referenced):
        assert f"| `{name}` |" in docs, name
