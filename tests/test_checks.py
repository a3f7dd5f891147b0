"""Every posture check's own positive and negative examples, run through the real parser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest import inventory_from_text
from riskgraph.checks import Check, Example, all_checks
from riskgraph.techniques import all_techniques

CASES = [pytest.param(c, ex, id=f"{c.id}:{ex.name}") for c in all_checks() for ex in c.examples]


@pytest.mark.parametrize(("check", "example"), CASES)
def test_check_example(check: Check, example: Example) -> None:
    inv = inventory_from_text(example.manifests, f"{check.id} example")
    assert not inv.problems, [str(p) for p in inv.problems]
    findings = list(check.find(inv))
    assert {f.object for f in findings} == example.objects
    assert len(findings) == len(example.objects), "one finding per object"
    for finding in findings:
        assert finding.reason and finding.evidence
        assert finding.confidence in ("certain", "likely", "possible")


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.id)
def test_check_has_positive_and_negative_examples(check: Check) -> None:
    assert any(ex.objects for ex in check.examples), "no positive example"
    assert any(not ex.objects for ex in check.examples), "no negative example"
    assert check.title and check.remediation


def test_check_ids_never_shadow_technique_ids() -> None:
    assert not {c.id for c in all_checks()} & {t.id for t in all_techniques()}


def test_readme_check_table_matches_the_catalog() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9.-]+)` \| ([a-z]+) \| ([^|]+) \|$", readme, re.MULTILINE)
    assert {(i, s, t.strip()) for i, s, t in rows} == \
        {(c.id, c.severity, c.title) for c in all_checks()}
