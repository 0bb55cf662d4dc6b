"""docs/deploy-secrets.md is rendered from config: every Secret the charts and values reference."""

from __future__ import annotations

import re
from pathlib import Path

from avion_workspace.config import load_platforms
from avion_workspace.render.charts import chart_values
from avion_workspace.render.docs import DEPLOY_SECRETS, docs
from avion_workspace.render.infrastructure import infrastructure
from avion_workspace.render.plan import RenderContext

SECRET_REFERENCE = re.compile(
    r"(?:existingSecret|existingMasterKeySecret|credentialsSecret):\s*([a-z0-9-]+)"
)


def _rendered(context: RenderContext) -> str:
    (generated,) = list(docs(context))
    assert generated.path == DEPLOY_SECRETS
    return generated.content.decode()


def test_every_service_secret_and_key_is_in_the_rendered_table(fixture_config: Path) -> None:
    context = RenderContext(load_platforms(fixture_config))
    text = _rendered(context)
    for platform in context.platforms.values():
        for service in platform.services.values():
            secrets = chart_values(platform, service)["secrets"]
            row = next(line for line in text.splitlines() if f"`{secrets['secretName']}`" in line)
            for key in secrets["keys"]:
                assert f"`{key}`" in row, (row, key)


def test_every_infrastructure_secret_is_in_the_rendered_table(fixture_config: Path) -> None:
    context = RenderContext(load_platforms(fixture_config))
    text = _rendered(context)
    referenced = {
        name
        for generated in infrastructure(context)
        for name in SECRET_REFERENCE.findall(generated.content.decode())
    }
    assert referenced, "no Secret references found in the rendered values"
    for name in sorted(referenced):
        assert f"| `{name}` |" in text, name
