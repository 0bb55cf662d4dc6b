"""The rendered Alloy pipelines parse with Grafana Alloy's own parser.

Our serializer writes Alloy's syntax (render/observability.py); this builds a small checker
against the ``github.com/grafana/alloy/syntax`` module (pinned, from the Go module proxy) in a
temporary folder and parses every environment's pipeline with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from avion_workspace.config import load_platforms
from tests.support import ROOT, unavailable

pytestmark = pytest.mark.integration

SYNTAX_MODULE = "github.com/grafana/alloy/syntax@v0.1.0"
CHECKER = """package main

import (
\t"fmt"
\t"os"

\t"github.com/grafana/alloy/syntax/parser"
)

func main() {
\tfailed := false
\tfor _, path := range os.Args[1:] {
\t\tdata, err := os.ReadFile(path)
\t\tif err == nil {
\t\t\t_, err = parser.ParseFile(path, data)
\t\t}
\t\tif err != nil {
\t\t\tfmt.Println(err)
\t\t\tfailed = true
\t\t}
\t}
\tif failed {
\t\tos.Exit(1)
\t}
}
"""


@pytest.fixture(scope="module")
def alloy_parser(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        unavailable("go is not installed: the Alloy parser is built from its Go module")
    folder = tmp_path_factory.mktemp("alloy-syntax")
    (folder / "main.go").write_text(CHECKER, encoding="utf-8")
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    for argv in (
        [go, "mod", "init", "example.invalid/alloycheck"],
        [go, "get", SYNTAX_MODULE],
        [go, "build", "-o", "alloy-parse", "."],
    ):
        done = subprocess.run(
            argv, cwd=folder, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            unavailable(f"{' '.join(argv[1:])} failed: {done.stderr.strip()}")
    return folder / "alloy-parse"


def parse(checker: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(checker), str(path)], capture_output=True, text=True, check=False)


def test_every_rendered_pipeline_parses(alloy_parser: Path, tmp_path: Path) -> None:
    for env in load_platforms(ROOT / "config"):
        values = yaml.safe_load(
            (ROOT / f"infrastructure/kubernetes/values/{env}/alloy.yaml").read_text()
        )
        config = tmp_path / f"{env}.alloy"
        config.write_text(values["alloy"]["configMap"]["content"], encoding="utf-8")
        done = parse(alloy_parser, config)
        assert done.returncode == 0, done.stdout


def test_the_parser_rejects_broken_syntax(alloy_parser: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.alloy"
    broken.write_text('loki.write "default" {\n  endpoint {\n    url = [1,\n  }\n}\n')
    done = parse(alloy_parser, broken)
    assert done.returncode == 1
    assert "broken.alloy:" in done.stdout
