"""The demo's machine-readable output stays byte-identical unless a change means to alter it.

The files in ``tests/golden/`` were written before the package re-layout. A change that is
meant to alter the output (a new technique, a new edge, a changed reason) regenerates them
with ``RISKGRAPH_UPDATE_GOLDEN=1 make test`` and the diff is reviewed like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from riskgraph.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = {
    "demo-graph.json": ["graph", "--demo", "--format", "json"],
    "demo-paths-secret.json": ["paths", "--demo", "--to", "secret", "--format", "json"],
    "demo-paths-aws-admin.json": ["paths", "--demo", "--to", "aws-admin", "--format", "json"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_demo_output_matches_its_golden_file(name: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CASES[name], "--quiet"]) == 0
    produced = capsys.readouterr().out
    golden = GOLDEN / name
    if os.environ.get("RISKGRAPH_UPDATE_GOLDEN"):
        golden.write_text(produced)
    assert produced == golden.read_text(), (
        f"{name} changed; if that is intended, regenerate with RISKGRAPH_UPDATE_GOLDEN=1")
