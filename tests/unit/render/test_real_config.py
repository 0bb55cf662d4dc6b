"""The workspace's real config/ renders, and what is committed is what it renders.

Every other engine test runs on the small fixture config (tests/fixtures/config); this one is
the link to the live config, so a new service or image tag there changes no other test.
"""

from __future__ import annotations

import json
from collections import Counter

from avion_workspace.config import load_platforms
from avion_workspace.render.plan import RenderContext, build_plan
from avion_workspace.render.writer import Action, compare
from tests.support import ROOT


def test_the_real_config_renders_to_what_is_committed() -> None:
    platforms = load_platforms(ROOT / "config")
    plan = build_plan(RenderContext(platforms))
    stale = [c.path for c in compare(ROOT, plan).changes if c.action is not Action.IDENTICAL]
    assert stale == [], "run `inv render` and commit the result"
    per_service = Counter(p.split("/")[1] for p in plan.files if p.startswith("services/"))
    assert set(per_service) == set(platforms["local"].services)


def test_generated_lines_per_service_from_the_manifest() -> None:
    """The files the manifest lists under services/<name>/, counted on disk: at most 150."""
    manifest = json.loads((ROOT / ".render-manifest.json").read_text())["files"]
    lines: Counter[str] = Counter()
    for path in manifest:
        if path.startswith("services/"):
            lines[path.split("/")[1]] += (ROOT / path).read_text().count("\n")
    print(f"generated lines per service: {dict(lines)}")
    services = load_platforms(ROOT / "config")["local"].services
    assert set(lines) == set(services)
    # 150 lines of scaffolding; a team's own requirements (config `requirements`) add one each.
    over = {
        name: count
        for name, count in lines.items()
        if count > 150 + len(services[name].requirements)
    }
    assert over == {}
