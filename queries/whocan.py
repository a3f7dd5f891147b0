"""Reverse questions: who can reach these targets, ranked by their cheapest route.

One reverse search from the targets (:mod:`queries._reverse`) settles every vertex that
reaches one within the bounds; the *sources* among them are the vertices an attacker or an
insider starts as: pods, service accounts, Kubernetes users and groups, IAM principals and
the entry points (the internet). Pods are told once per workload, as route groups tell
paths: a live pod by the controller that owns it, a workload's template pod by its
workload, the cheapest member standing for the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx

from queries._reverse import Settled, reverse_search
from queries._search import EdgeFilter, cheapest_edge, walked_techniques
from queries.paths import ask, plain_attrs, walked_step
from queries.pathset import AttackPath, PathSet
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence
from riskgraph.errors import SelectorError

#: Vertex kinds a who-can answer lists as sources (entry points count whatever their kind).
SOURCE_KINDS = frozenset({"Pod", "ServiceAccount", "User", "Group", "IAMRole", "IAMUser"})
#: Steps no attacker chooses; ``via`` names the step after them.
_STRUCTURAL = frozenset({"pod.contains"})


@dataclass(frozen=True, slots=True)
class Source:
    """One source that reaches a target: a vertex, or a workload standing for its pods
    (``members`` of them, ``example`` the cheapest). ``via`` is the first step of its
    cheapest route as (technique, vertex it leads to), after a pod's step into its
    container."""

    id: str
    kind: str
    cost: float
    confidence: Confidence
    hops: int
    via: tuple[str, str]
    target: str
    example: str
    members: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "cost": self.cost,
                "confidence": self.confidence, "hops": self.hops,
                "via": {"technique": self.via[0], "to": self.via[1]},
                "target": self.target, "members": self.members}


@dataclass(frozen=True)
class WhoCan:
    """The answer of :func:`who_can`: ``sources`` cheapest first, and the routes behind
    them (:meth:`explain` for one in full). ``truncated``: more sources reach the targets
    than ``top`` allowed."""

    targets: tuple[str, ...]
    sources: tuple[Source, ...]
    graph: nx.MultiDiGraph
    settled: Settled
    blocked: EdgeFilter
    truncated: bool = False

    @property
    def by_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(source.kind for source in self.sources).items()))

    def find(self, wanted: str) -> Source:
        """The source listed as ``wanted``, or standing for the vertex ``wanted``."""
        for source in self.sources:
            if wanted in (source.id, source.example):
                return source
        if wanted in self.settled.first and self.settled.hops[self.settled.first[wanted]]:
            return _describe(self.graph, self.settled, self.blocked, wanted)
        raise SelectorError(f"{wanted} reaches none of the targets within the bounds; "
                            "the sources that do are listed without --explain")

    def explain(self, wanted: str) -> PathSet:
        """The cheapest route of one source (an id as listed, or any vertex that reaches a
        target) as a one-path PathSet."""
        source = self.find(wanted)
        route = self.settled.route(source.example)
        path = AttackPath(tuple(walked_step(self.graph, a, b, self.blocked)
                                for a, b in pairwise(route)))
        return PathSet((path,), 1, len(self.targets),
                       vertices={v: plain_attrs(self.graph.nodes[v]) for v in path.vertices})

    def to_dict(self) -> dict[str, Any]:
        """``{"targets", "sources": [{"id", "kind", "cost", "confidence", "hops", "via",
        ...}], "summary": {"by_kind", "sources", "truncated"}}``."""
        return {"targets": list(self.targets),
                "sources": [source.to_dict() for source in self.sources],
                "summary": {"by_kind": self.by_kind, "sources": len(self.sources),
                            "truncated": self.truncated}}


def _workload(attrs: Mapping[str, Any]) -> tuple[str, str] | None:
    """(id, kind) of the workload a pod (its attributes) belongs to; None for a bare pod."""
    owner = attrs.get("template_of") or attrs.get("owner")
    if not owner or attrs.get("kind") != "Pod":
        return None
    kind, _, name = str(owner).partition("/")
    return f"k8s:{kind}:{attrs.get('namespace')}/{name}", kind


def _describe(graph: nx.MultiDiGraph, settled: Settled, blocked: EdgeFilter, vertex: str,
              workload: tuple[str, str] | None = None, members: int = 1) -> Source:
    """A vertex's cheapest route told as a source (as its ``workload`` of ``members`` pods,
    when given): cost, confidence, hops and its first step that is an attacker's choice (a
    pod's step into its container is not)."""
    label = settled.first[vertex]
    route = settled.route(vertex)
    succ = graph._succ
    at = 1 if len(route) > 2 and not _STRUCTURAL.isdisjoint(succ[route[0]][route[1]]) else 0
    source, target = route[at], route[at + 1]
    parallel = succ[source][target]
    # The step is told as walked_step tells it; a lone edge, the usual case, without a loop.
    techniques = walked_techniques(source, target, parallel, blocked)
    if len(techniques) == 1:
        technique = techniques[0]
    else:
        walked = cheapest_edge(source, target, parallel, blocked)
        assert walked is not None  # the search walked one of them
        technique = walked[1].get("technique", str(walked[0]))
    identity, kind = workload or (vertex, str(graph._node[vertex].get("kind", "")))
    return Source(identity, kind, round(settled.cost[label], 3),
                  CONFIDENCE_ORDER[settled.confidence[label]], settled.hops[label],
                  (technique, target), route[-1], vertex, members)


def _sources(graph: nx.MultiDiGraph, settled: Settled, blocked: EdgeFilter,
             group: bool, among: Iterable[str] | None = None) -> list[Source]:
    """The sources among the settled vertices (``among`` them, when the caller already
    knows which are), cheapest first; with ``group``, a workload's pods as one, its
    cheapest member standing for the rest (only that one is described)."""
    nodes, first, cost, hops = graph._node, settled.first, settled.cost, settled.hops
    candidates = sorted((cost[label], hops[label], vertex) for vertex, label in (
        first.items() if among is None else ((vertex, first[vertex]) for vertex in among))
        if hops[label] and ((attrs := nodes[vertex]).get("kind") in SOURCE_KINDS
                            or attrs.get("entry")))
    listed: list[tuple[str, tuple[str, str] | None]] = []
    members: Counter[str] = Counter()
    for _, _, vertex in candidates:
        workload = _workload(nodes[vertex]) if group else None
        if workload is not None:
            members[workload[0]] += 1
            if members[workload[0]] > 1:
                continue
        listed.append((vertex, workload))
    return [_describe(graph, settled, blocked, vertex, workload,
                      members[workload[0]] if workload else 1)
            for vertex, workload in listed]


def who_can(graph: nx.MultiDiGraph, targets: str | Iterable[str] = "secret", *,
            max_hops: int = 8, max_cost: float | None = None, sensitive: Iterable[str] = (),
            avoid: str | Iterable[str] = (), avoid_techniques: Iterable[str] = (),
            skip_platform_defaults: bool = False,
            blocked_edges: Iterable[tuple[str, str, str]] = (),
            group: bool = True, top: int | None = None) -> WhoCan:
    """Every source that reaches ``targets``, cheapest first, from one reverse search.

    Parameters
    ----------
    graph
        The attack graph.
    targets
        Target selectors, as :func:`queries.attack_paths` takes them.
    max_hops, max_cost
        Longest route considered, in edges, and dearest (None: unbounded).
    sensitive, avoid, avoid_techniques, skip_platform_defaults, blocked_edges
        As :func:`queries.attack_paths`: the reverse search walks exactly the edges the
        forward search would.
    group
        Tell pods once per workload (their controller, or the workload of a template pod).
    top
        Most sources listed (None: all). The search stops once one more has settled, so a
        short answer costs a walk of the targets' neighbourhood, not of the whole graph;
        a workload's ``members`` then counts the pods settled before it stopped.

    Returns
    -------
    WhoCan
        Sources ranked by cost, hops and id. A target is never its own source.

    Examples
    --------
    >>> from riskgraph.demo import demo_dir
    >>> from ingest import load_k8s
    >>> from riskgraph import build_graph
    >>> answer = who_can(build_graph(load_k8s([demo_dir()])), "k8s:Secret:payments/payments-db")
    >>> "internet" in [source.id for source in answer.sources]
    True
    """
    # The sources are whatever the search settles: only the targets are resolved.
    question = ask(graph, None, targets, max_hops=max_hops, sensitive=sensitive,
                   avoid=avoid, avoid_techniques=avoid_techniques,
                   skip_platform_defaults=skip_platform_defaults, blocked_edges=blocked_edges)
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    enough = None
    # The sources settled so far, in the order they settle (cheapest first).
    counted: list[str] = []
    if top is not None:
        nodes, seen = graph._node, set()

        def enough(vertex: str) -> bool:
            # Called once per vertex as its cheapest route settles: counts listed sources.
            attrs = nodes[vertex]
            if (attrs.get("kind") not in SOURCE_KINDS and not attrs.get("entry")) \
                    or vertex in question.targets:
                return False
            counted.append(vertex)
            workload = _workload(attrs) if group else None
            seen.add(vertex if workload is None else workload[0])
            return len(seen) > top

    # Sorted once: the search settles its targets in this order (ties go to smaller ids).
    ordered = tuple(sorted(question.targets))
    settled = reverse_search(graph._pred, ordered, max_hops, max_cost, question.avoided,
                             question.blocked, enough)
    found = _sources(graph, settled, question.blocked, group,
                     None if settled.complete else counted)
    return WhoCan(ordered, tuple(found[:top]), graph, settled, question.blocked,
                  truncated=top is not None and len(found) > top)
