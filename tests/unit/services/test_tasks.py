"""The per-service tasks: each one exists at the top level and takes --service NAME."""

from __future__ import annotations

from avion_workspace.tasks import build_namespace

PER_SERVICE = (
    "run",
    "build",
    "test",
    "test-coverage",
    "lint",
    "generate",
    "docker-build",
    "migrate-up",
    "clean",
)


def test_every_makefile_target_is_a_task_taking_service() -> None:
    ns = build_namespace()
    for name in PER_SERVICE:
        task = ns.tasks[name]
        args = {arg.name for arg in task.get_arguments()}
        assert "service" in args, name


def test_service_new_takes_the_name_as_its_argument() -> None:
    task = build_namespace().collections["service"].tasks["new"]
    assert task.positional == ["name"]
    assert {arg.name for arg in task.get_arguments()} >= {"name", "redis", "buckets", "search"}
