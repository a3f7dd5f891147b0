"""Every technique's own positive and negative examples, run through the real parser."""

from __future__ import annotations

import pytest

from ingest import inventory_from_text
from riskgraph.techniques import Example, Technique, all_techniques

CASES = [
    pytest.param(t, ex, id=f"{t.id}:{ex.name}") for t in all_techniques() for ex in t.examples
]


@pytest.mark.parametrize(("technique", "example"), CASES)
def test_technique_example(technique: Technique, example: Example) -> None:
    inv = inventory_from_text(example.manifests, f"{technique.id} example")
    assert not inv.problems, [str(p) for p in inv.problems]
    edges = list(technique.find(inv))
    assert {(e.source, e.target) for e in edges} == example.edges
    for edge in edges:
        assert str(edge.reason) and edge.confidence in ("certain", "likely", "possible")
    by_pair = {(e.source, e.target): e.confidence for e in edges}
    for pair, confidence in example.confidences.items():
        assert by_pair[pair] == confidence, pair


@pytest.mark.parametrize("technique", all_techniques(), ids=lambda t: t.id)
def test_technique_has_positive_and_negative_examples(technique: Technique) -> None:
    assert any(ex.edges for ex in technique.examples), "no positive example"
    assert any(not ex.edges for ex in technique.examples), "no negative example"
    assert technique.remediation and technique.title and technique.cost > 0
