"""Build the attack graph: run every technique over the Inventory and add its edges.

The graph is a ``networkx.MultiDiGraph`` (an :class:`~riskgraph.edges.AttackGraph`); an
edge's key is its technique id and its attributes are those of DESIGN.md (``technique``,
``reason``, ``evidence``, ``cost``, ``confidence``, ``mitre``), held compactly as an
:class:`~riskgraph.edges.EdgeAttrs`: metadata shared per technique, evidence shared per
build, the reason rendered when read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from riskgraph._gc import gc_paused
from riskgraph.confidence import CONFIDENCE_ORDER
from riskgraph.edges import AttackGraph, EdgeAttrs, Shared
from riskgraph.errors import Problem
from riskgraph.estate.inventory import Inventory
from riskgraph.graph import (
    add_aws_vertices,
    add_inventory_vertices,
    complete_vertices,
    mark_capability_targets,
)
from riskgraph.iam import access_for
from riskgraph.iam.validate import all_documents, version_problems
from riskgraph.parallel.edge_batch import EdgeBatch
from riskgraph.parallel.workers import run_in_order, worker_count
from riskgraph.techniques import Edge, Technique, all_techniques


class _Interned:
    """One copy of each evidence line and evidence tuple per build: the same lines recur on
    every edge a pod, binding or policy gives rise to."""

    def __init__(self) -> None:
        self._lines: dict[str, str] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}

    def __call__(self, evidence: Iterable[str]) -> tuple[str, ...]:
        found = tuple(evidence)
        known = self._tuples.get(found)
        if known is None:
            lines = self._lines
            known = self._tuples[found] = tuple(lines.setdefault(e, e) for e in found)
        return known


class _Metadata:
    """The attributes edges of one technique share: its id, MITRE id and traversability,
    with each (cost, confidence) it gives (a handful per technique)."""

    def __init__(self, technique: Technique) -> None:
        self._technique = technique
        self._by_weight: dict[tuple[float, str], Shared] = {}

    def __call__(self, cost: float, confidence: str) -> Shared:
        found = self._by_weight.get((cost, confidence))
        if found is None:
            technique = self._technique
            values: dict[str, Any] = {"technique": technique.id, "cost": cost,
                                      "confidence": confidence, "mitre": technique.mitre}
            if not technique.traversable:
                values["traversable"] = False
            found = self._by_weight[cost, confidence] = Shared(values)
        return found


def _edge_attrs(technique: Technique, edges: Iterable[Edge], intern: _Interned) -> EdgeBatch:
    """One attribute mapping per (source, target); a pair found twice keeps the easier
    cost (and its reason), the stronger confidence and both pieces of evidence."""
    merged = EdgeBatch()
    metadata, default_cost = _Metadata(technique), technique.cost
    attrs_of, seen_before = EdgeAttrs.of, merged.get  # millions of calls: no lookups
    for source, target, reason, evidence, confidence, cost in edges:
        if cost is None:
            cost = default_cost
        pair = (source, target)
        seen = seen_before(pair)
        if seen is None:
            merged[pair] = attrs_of(metadata(cost, confidence), reason, intern(evidence))
            continue
        known = seen["evidence"]
        both = intern((*known, *(e for e in dict.fromkeys(evidence) if e not in known)))
        reason = reason if cost < seen["cost"] else seen["reason"]
        confidence = min(seen["confidence"], confidence, key=CONFIDENCE_ORDER.index)
        merged[pair] = attrs_of(metadata(min(cost, seen["cost"]), confidence), reason, both)
    return merged


def build_graph(
    inv: Inventory, techniques: Sequence[Technique] | None = None, *,
    workers: int | None = None) -> nx.MultiDiGraph:
    """The attack graph of an inventory.

    Parameters
    ----------
    inv
        The estate, as ingest produced it.
    techniques
        Which techniques to run; all of the catalog by default.
    workers
        How many processes run them (:mod:`riskgraph.parallel.workers`); by default every
        core, up to four, for a big estate, and one for a small one.

    Returns
    -------
    networkx.MultiDiGraph
        Vertices keyed by the ids of DESIGN.md, edges keyed by technique id.
        ``graph.graph["problems"]`` lists what the input could not provide: the problems
        of ``inv`` (those found reading it, and those techniques add to
        ``inv.problems`` while the graph is built) and those of the IAM evaluator
        (policies that do not parse, unknown actions or versions, boundaries missing from
        the input),
        each once, as text.
    """
    graph = AttackGraph()
    counts: dict[str, int] = {}
    intern = _Interned()
    chosen = list(techniques if techniques is not None else all_techniques())
    if workers is None:
        live_pods = sum(len(pod.replicas) or 1 for pod in inv.pods)
        workers = worker_count(live_pods + len(inv.aws.roles) + len(inv.aws.users))
    def run(technique: Technique) -> EdgeBatch:
        known = len(inv.problems)
        merged = _edge_attrs(technique, technique.find(inv), intern)
        merged.problems = inv.problems[known:]
        del inv.problems[known:]
        return merged

    def add_vertices() -> None:
        add_inventory_vertices(graph, inv)
        add_aws_vertices(graph, inv.aws)

    with gc_paused():
        if not inv.aws.empty:
            # Every policy compiled once, before any worker forks, rather than in each of
            # them (and its problems in the same order whatever the number of workers).
            access_for(inv.aws).problems  # noqa: B018
        for technique, merged in run_in_order(chosen, run, workers, meanwhile=add_vertices):
            graph.add_attack_edges(technique.id, merged.items())
            counts[technique.id] = len(merged)
            inv.problems.extend(merged.problems)
        complete_vertices(graph)
        mark_capability_targets(graph)
    graph.graph["edges_by_technique"] = counts
    graph.graph["problems"] = list(dict.fromkeys(str(p) for p in build_problems(inv)))
    return graph


def build_problems(inv: Inventory) -> list[Problem]:
    """Every problem known once the graph is built: the inventory's, then the IAM
    evaluator's (compiling any policy no technique asked about, so none goes unchecked)."""
    found = list(inv.problems)
    if not inv.aws.empty:
        found += access_for(inv.aws).problems
        found += version_problems(all_documents(inv.aws))
    return found
