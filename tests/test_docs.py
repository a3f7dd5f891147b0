"""The README's technique table and commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

from riskgraph.techniques import all_techniques

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_technique_table_matches_the_catalog() -> None:
    rows = dict(re.findall(r"^\| `([a-z0-9.-]+)` \| [a-z]+ \| [^|]+ \| (.+?) \|$", README,
                           re.MULTILINE))
    assert rows == {t.id: t.title for t in all_techniques()}


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_architecture_names_only_modules_that_exist() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for name in set(re.findall(r"`((?:riskgraph|ingest|queries|bench)/[\w/.]+)`", text)):
        assert (ROOT / name).exists(), name
