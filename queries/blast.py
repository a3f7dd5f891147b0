"""Blast radius: everything an attacker holding a vertex could reach next, and how easily.

One bounded search from the source settles each reachable vertex's cheapest route within
the hop bound (the path queries' label-setting search, with every vertex a target), then
``max_cost`` trims what is too dear. Aggregation hubs are bookkeeping and
are not listed; the routes to the crown jewels are kept, so the diagram can draw the
shortest-path tree pruned to them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any, NamedTuple

import networkx as nx

from queries._bounds import NO_BOUND
from queries._search import EdgeFilter, search
from queries.paths import Question, ask, plain_attrs, walked_step
from queries.pathset import AttackPath, PathSet
from riskgraph._gc import gc_paused
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence
from riskgraph.edges import EdgeAttrs, EdgeKeys

_BOOKKEEPING_KINDS = frozenset({"Hub"})
_RANK = {level: rank for rank, level in enumerate(CONFIDENCE_ORDER)}


@dataclass(frozen=True, slots=True)
class Reached:
    """One vertex within reach: its cheapest cost, the confidence of that route, its hops."""

    id: str
    kind: str
    crown_jewel: str | None
    cost: float
    confidence: Confidence
    hops: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "crown_jewel": self.crown_jewel,
                "cost": self.cost, "confidence": self.confidence, "hops": self.hops}


class _Tree(NamedTuple):
    """The search's shortest-path tree: label vertices and parents, the labels of the
    crown jewels, the edges it could not walk and how many sources it started from."""

    graph: nx.MultiDiGraph
    labels: list[str]
    parents: list[int]
    jewels: list[int]
    blocked: EdgeFilter
    sources: int


@dataclass(frozen=True)
class BlastRadius:
    """What falls with ``source``: reachable vertices cheapest first, and the routes to the
    crown jewels among them (``routes``, one per jewel, for the diagram; told from the
    search's tree when first asked for)."""

    source: str
    reachable: tuple[Reached, ...]
    tree: _Tree = field(repr=False, compare=False)

    @cached_property
    def routes(self) -> PathSet:
        graph, labels, parents, jewels, blocked, sources = self.tree
        paths = tuple(_route(graph, labels, parents, label, blocked) for label in jewels)
        vertices = {v: plain_attrs(graph.nodes[v]) for path in paths for v in path.vertices}
        return PathSet(paths, sources, len(paths), vertices=vertices)

    @property
    def by_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(r.kind for r in self.reachable).items()))

    @property
    def crown_jewels(self) -> dict[str, int]:
        return dict(sorted(Counter(r.crown_jewel for r in self.reachable
                                   if r.crown_jewel).items()))

    def to_dict(self) -> dict[str, Any]:
        """``{"source", "reachable": [...], "summary": {"by_kind", "crown_jewels"}}``."""
        return {"source": self.source, "reachable": [r.to_dict() for r in self.reachable],
                "summary": {"by_kind": self.by_kind, "crown_jewels": self.crown_jewels}}


def blast_radius(graph: nx.MultiDiGraph, source: str | Iterable[str], *, max_hops: int = 8,
                 max_cost: float | None = None, avoid: str | Iterable[str] = (),
                 avoid_techniques: Iterable[str] = (),
                 skip_platform_defaults: bool = False) -> BlastRadius:
    """Everything reachable from ``source`` (a source selector) within the bounds.

    Parameters are those of :func:`queries.attack_paths`; ``max_cost`` (None: unbounded)
    drops what costs more to reach.

    Examples
    --------
    >>> from riskgraph.demo import demo_dir
    >>> from ingest import load_k8s
    >>> from riskgraph import build_graph
    >>> blast = blast_radius(build_graph(load_k8s([demo_dir()])), "pod:web/storefront")
    >>> blast.crown_jewels["aws-admin"], blast.crown_jewels["secret"] > 0
    (1, True)
    """
    asked = ask(graph, source, None, max_hops=max_hops, avoid=avoid,
                avoid_techniques=avoid_techniques, skip_platform_defaults=skip_platform_defaults)
    with gc_paused(freeze=False):
        return _radius(graph, asked, max_cost)


def _radius(graph: nx.MultiDiGraph, asked: Question, max_cost: float | None) -> BlastRadius:
    """:func:`blast_radius` once the question is asked."""
    targets = {v for v, attrs in graph._node.items()
               if attrs.get("kind") not in _BOOKKEEPING_KINDS and v not in asked.sources}
    labels, parents, reached = search(graph._succ, set(asked.sources), targets, asked.max_hops,
                                      len(targets), None, NO_BOUND, asked.avoided, asked.blocked)
    cost, hops, confidence = _along(graph, labels, parents, asked.blocked)
    found, jewels, nodes = [], [], graph._node
    rounded = {label: round(cost[label], 3) for label in reached}
    for _, _, vertex, label in sorted((rounded[i], hops[i], labels[i], i) for i in reached):
        if max_cost is not None and rounded[label] > max_cost:
            continue
        attrs = nodes[vertex]
        jewel = attrs.get("crown_jewel")
        found.append(Reached(vertex, str(attrs.get("kind", "")), jewel, rounded[label],
                             confidence[label], hops[label]))
        if jewel:
            jewels.append(label)
    return BlastRadius(", ".join(sorted(asked.sources)), tuple(found),
                       _Tree(graph, labels, parents, jewels, asked.blocked, len(asked.sources)))


def _along(graph: nx.MultiDiGraph, labels: list[str], parents: list[int], blocked: EdgeFilter
           ) -> tuple[list[float], list[int], list[Confidence]]:
    """Each label's cost, hops and weakest confidence, walked from its parent's over the
    cheapest walkable edge (parents come before their children), as
    :func:`~queries.paths.walked_step` picks it."""
    cost, hops = [0.0] * len(labels), [0] * len(labels)
    confidence: list[Confidence] = ["certain"] * len(labels)
    succ, filtered = graph._succ, bool(blocked)
    for label, parent in enumerate(parents):
        if parent < 0:
            continue
        parallel = succ[labels[parent]][labels[label]]
        # A lone builder edge keeps cost and confidence in its shared part.
        lone = None if filtered else parallel.lone if type(parallel) is EdgeKeys else \
            next(iter(parallel.values())) if len(parallel) == 1 else None
        if lone is not None:
            attrs = lone.shared if type(lone) is EdgeAttrs else lone
            step_cost, step_confidence = float(attrs.get("cost", 1.0)), \
                attrs.get("confidence", "certain")
        else:
            step = walked_step(graph, labels[parent], labels[label], blocked)
            step_cost, step_confidence = step.cost, step.confidence
        cost[label] = cost[parent] + step_cost
        hops[label] = hops[parent] + 1
        confidence[label] = step_confidence if _RANK[step_confidence] > _RANK[confidence[parent]] \
            else confidence[parent]
    return cost, hops, confidence


def _route(graph: nx.MultiDiGraph, labels: list[str], parents: list[int], label: int,
           blocked: EdgeFilter) -> AttackPath:
    chain = []
    while label >= 0:
        chain.append(labels[label])
        label = parents[label]
    chain.reverse()
    return AttackPath(tuple(walked_step(graph, a, b, blocked) for a, b in pairwise(chain)))


def rank_by_blast(graph: nx.MultiDiGraph, sources: str | Iterable[str] = "any-pod", *,
                  max_hops: int = 8, max_cost: float | None = None,
                  avoid: str | Iterable[str] = (), avoid_techniques: Iterable[str] = (),
                  skip_platform_defaults: bool = False) -> list[BlastRadius]:
    """Each source's blast radius, the riskiest first: most crown jewels, then most
    reachable vertices, then by id. One bounded search per source."""
    resolved = ask(graph, sources, None, max_hops=max_hops).sources
    radii = [blast_radius(graph, source, max_hops=max_hops, max_cost=max_cost, avoid=avoid,
                          avoid_techniques=avoid_techniques,
                          skip_platform_defaults=skip_platform_defaults)
             for source in sorted(resolved)]
    return sorted(radii, key=lambda b: (-sum(b.crown_jewels.values()), -len(b.reachable),
                                        b.source))
