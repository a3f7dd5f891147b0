"""who_can on a generated estate: its reverse search against a plain Dijkstra on the
reversed graph, and an early stop (``top``) against the full answer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from bench.synth import main as synth
from ingest import load_k8s
from queries import who_can
from queries.paths import ask
from riskgraph.builder import build_graph

OPTIONS: list[dict[str, Any]] = [{}, {"avoid_techniques": ["pod.contains"]},
                                 {"skip_platform_defaults": True}]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    directory: Path = tmp_path_factory.mktemp("estate")
    k8s, aws = directory / "estate.json", directory / "aws.json"
    synth(["--pods", "400", "-o", str(k8s), "--aws-output", str(aws)])
    return build_graph(load_k8s([k8s, aws]))


def plain_dijkstra(graph: nx.MultiDiGraph, targets: str,
                   options: Mapping[str, Any]) -> dict[str, float]:
    """Cheapest cost from every vertex to a target, by networkx on the reversed graph."""
    question = ask(graph, None, targets, **options)
    blocked = question.blocked.techniques

    def weight(_: str, __: str, parallel: Mapping[Any, Mapping[str, Any]]) -> float | None:
        costs = [attrs.get("cost", 1.0) for key, attrs in parallel.items()
                 if attrs.get("traversable", True) and attrs.get("technique", key) not in blocked]
        return min(costs) if costs else None

    walked = graph.subgraph(set(graph) - question.avoided).reverse(copy=False)
    costs: dict[str, float] = nx.multi_source_dijkstra_path_length(
        walked, set(question.targets) - question.avoided, weight=weight)
    return costs


@pytest.mark.parametrize("targets", ["secret", "cluster-admin", "aws-admin"])
@pytest.mark.parametrize("options", OPTIONS)
def test_every_vertex_settles_at_its_plain_dijkstra_cost(graph: nx.MultiDiGraph, targets: str,
                                                         options: dict[str, Any]) -> None:
    # A hop bound past any route's length leaves cost alone to decide.
    settled = who_can(graph, targets, max_hops=60, **options).settled
    expected = plain_dijkstra(graph, targets, options)
    assert settled.complete and len(expected) > 5
    assert set(settled.first) == set(expected)
    for vertex, label in settled.first.items():
        assert settled.cost[label] == pytest.approx(expected[vertex], abs=1e-6), vertex
        route = settled.route(vertex)
        assert (route[0], len(route) - 1) == (vertex, settled.hops[label])


@pytest.mark.parametrize("targets", ["secret", "cluster-admin"])
@pytest.mark.parametrize("options", OPTIONS)
def test_top_lists_the_first_sources_of_the_full_answer(graph: nx.MultiDiGraph, targets: str,
                                                        options: dict[str, Any]) -> None:
    everything = who_can(graph, targets, **options)
    assert len(everything.sources) > 15 and not everything.truncated
    for top in (1, 7, 15):
        first = who_can(graph, targets, top=top, **options)
        # It stopped early: fewer vertices settled than the whole search settles.
        assert not first.settled.complete and first.truncated
        assert len(first.settled.first) < len(everything.settled.first)
        assert [(s.id, s.kind, s.cost, s.confidence, s.hops, s.via, s.target, s.example)
                for s in first.sources] == [
            (s.id, s.kind, s.cost, s.confidence, s.hops, s.via, s.target, s.example)
            for s in everything.sources[:top]]
        # A workload counts the pods settled before the stop, never more than in full.
        assert all(a.members <= b.members
                   for a, b in zip(first.sources, everything.sources, strict=False))
        assert first.explain(first.sources[-1].id).paths[0].cost == pytest.approx(
            first.sources[-1].cost)
