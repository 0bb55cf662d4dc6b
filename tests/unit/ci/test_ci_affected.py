"""Changed paths to affected services: libraries to their users, config and engine to all."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avion_workspace.ci.affected import EVERYTHING, affected_services, base_is_unknown
from avion_workspace.config import load_platform
from avion_workspace.config.model import Service
from tests.support import fixture_config_dir


@pytest.fixture(scope="module")
def services(fixture_config: Path) -> Mapping[str, Service]:
    """The fixture's services, with narrower library lists so library mapping is visible.

    In reverse order (gamma, beta, alpha), so that config order and alphabetical order differ.
    """
    fixture = dict(reversed(load_platform(fixture_config).services.items()))
    narrowed = {"alpha": ("errors", "grpc"), "beta": ("errors", "ddd"), "gamma": ("ddd",)}
    assert set(fixture) == set(narrowed)
    return {n: dataclasses.replace(s, libraries=narrowed[n]) for n, s in fixture.items()}


def test_a_library_change_affects_the_services_that_use_it(services: Mapping[str, Service]) -> None:
    result = affected_services(["libs/ddd/src/avion_ddd/entity.py"], services)
    assert result.services == ("gamma", "beta")  # config order, not alphabetical
    assert result.reasons == {
        "gamma": ("libs/ddd/src/avion_ddd/entity.py",),
        "beta": ("libs/ddd/src/avion_ddd/entity.py",),
    }
    assert not result.everything


@pytest.mark.parametrize("lib", ["service", "migrate", "telemetry", "config"])
def test_the_kit_and_what_it_depends_on_reach_every_service(
    lib: str, services: Mapping[str, Service]
) -> None:
    """Every image holds the service kit and its closure, whatever the service lists."""
    result = affected_services([f"libs/{lib}/src/x.py"], services)
    assert result.services == tuple(services)
    assert not result.everything


def test_service_and_chart_changes_affect_that_service(services: Mapping[str, Service]) -> None:
    result = affected_services(
        ["services/beta/migrations/00001_init.sql", "charts/gamma/values.yaml"], services
    )
    assert result.services == ("gamma", "beta")


@pytest.mark.parametrize(
    "path",
    [
        "config/platform.yaml",
        "config/environments/staging.yaml",
        "src/avion_workspace/render/plan.py",
        "pyproject.toml",
        "noxfile.py",
        "tasks.py",
        "workflows/pipeline.yaml",
        ".github/workflows/ci.yml",
        "charts/avion-common/templates/_pod.tpl",  # a shared library chart
    ],
)
def test_config_engine_pipeline_and_shared_charts_affect_every_service(
    path: str, services: Mapping[str, Service]
) -> None:
    result = affected_services([path, "docs/ci-cd.md"], services)
    assert result.everything
    assert result.services == tuple(services)
    assert result.reasons[EVERYTHING] == (path,)
    assert result.unaffecting == ("docs/ci-cd.md",)


@pytest.mark.parametrize(
    "paths",
    [
        ["docs/ci-cd.md", "README.md"],
        ["tests/unit/ci/test_ci_affected.py", "benchmarks/render.py"],
        ["libs/unused/src/x.py"],  # a library no service declares
        ["services/unknown/main.py"],  # not a service of config
        ["pyproject.toml.orig", "config"],  # near misses of global paths
        [],
    ],
)
def test_paths_outside_services_affect_none(
    paths: list[str], services: Mapping[str, Service]
) -> None:
    result = affected_services(paths, services)
    assert result.services == ()
    assert not result.any
    assert result.unaffecting == tuple(sorted(set(paths)))


_PATHS = st.sampled_from(
    [
        "docs/x.md",
        "libs/errors/src/a.py",
        "libs/telemetry/src/b.py",
        "libs/grpc/c.py",
        "services/alpha/a.py",
        "services/beta/migrations/1.sql",
        "charts/gamma/values.yaml",
        "config/platform.yaml",
        "tests/unit/x.py",
    ]
)


@given(st.lists(_PATHS, max_size=6), st.lists(_PATHS, max_size=6))
def test_the_services_of_two_changes_are_the_union_of_each(
    first: list[str], second: list[str]
) -> None:
    svc = dict(load_platform(fixture_config_dir()).services)
    both = set(affected_services(first + second, svc).services)
    assert both == set(affected_services(first, svc).services) | set(
        affected_services(second, svc).services
    )


@pytest.mark.parametrize(
    ("base", "unknown"),
    [
        ("0000000000000000000000000000000000000000", True),
        ("", True),
        ("  ", True),
        ("abc123", False),
        ("main", False),
    ],
)
def test_a_new_branch_push_has_no_base(base: str, unknown: bool) -> None:
    assert base_is_unknown(base) is unknown
