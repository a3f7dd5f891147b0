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
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

import networkx as nx

from queries._reverse import Settled, reverse_search
from queries._search import EdgeFilter
from queries.paths import _plain, _step, ask
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
    them (``routes(source)`` for one in full)."""

    targets: tuple[str, ...]
    sources: tuple[Source, ...]
    graph: nx.MultiDiGraph
    settled: Settled
    blocked: EdgeFilter

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
        path = AttackPath(tuple(_step(self.graph, a, b, self.blocked)
                                for a, b in pairwise(route)))
        return PathSet((path,), 1, len(self.targets),
                       vertices={v: _plain(self.graph.nodes[v]) for v in path.vertices})

    def to_dict(self) -> dict[str, Any]:
        """``{"targets", "sources": [{"id", "kind", "cost", "confidence", "hops", "via",
        ...}], "summary": {"by_kind", "sources"}}``."""
        return {"targets": list(self.targets),
                "sources": [source.to_dict() for source in self.sources],
                "summary": {"by_kind": self.by_kind, "sources": len(self.sources)}}


def _workload(graph: nx.MultiDiGraph, vertex: str) -> tuple[str, str] | None:
    """(id, kind) of the workload a pod belongs to; None for a bare pod."""
    attrs = graph.nodes[vertex]
    owner = attrs.get("template_of") or attrs.get("owner")
    if not owner or attrs.get("kind") != "Pod":
        return None
    kind, _, name = str(owner).partition("/")
    return f"k8s:{kind}:{attrs.get('namespace')}/{name}", kind


def _describe(graph: nx.MultiDiGraph, settled: Settled, blocked: EdgeFilter,
             vertex: str) -> Source:
    """A vertex's cheapest route told as a source: cost, confidence, hops and its first
    step that is an attacker's choice (a pod's step into its container is not)."""
    label = settled.first[vertex]
    route = settled.route(vertex)
    at = 1 if len(route) > 2 and _step(graph, route[0], route[1], blocked).technique \
        in _STRUCTURAL else 0
    step = _step(graph, route[at], route[at + 1], blocked)
    return Source(vertex, str(graph.nodes[vertex].get("kind", "")),
                  round(settled.cost[label], 3), CONFIDENCE_ORDER[settled.confidence[label]],
                  settled.hops[label], (step.technique, step.target), route[-1], vertex)


def _grouped(graph: nx.MultiDiGraph, found: list[Source]) -> list[Source]:
    """Pods told once per workload: the cheapest member stands for the rest."""
    listed: list[Source] = []
    workloads: dict[str, int] = {}
    for source in found:
        workload = _workload(graph, source.id)
        if workload is None:
            listed.append(source)
        elif workload[0] in workloads:
            at = workloads[workload[0]]
            listed[at] = replace(listed[at], members=listed[at].members + 1)
        else:
            workloads[workload[0]] = len(listed)
            listed.append(replace(source, id=workload[0], kind=workload[1]))
    return listed


def who_can(graph: nx.MultiDiGraph, targets: str | Iterable[str] = "secret", *,
            max_hops: int = 8, max_cost: float | None = None, sensitive: Iterable[str] = (),
            avoid: str | Iterable[str] = (), avoid_techniques: Iterable[str] = (),
            skip_platform_defaults: bool = False,
            blocked_edges: Iterable[tuple[str, str, str]] = (),
            group: bool = True) -> WhoCan:
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
    question = ask(graph, "internet", targets, max_hops=max_hops, sensitive=sensitive,
                   avoid=avoid, avoid_techniques=avoid_techniques,
                   skip_platform_defaults=skip_platform_defaults, blocked_edges=blocked_edges)
    settled = reverse_search(graph._pred, set(question.targets), max_hops, max_cost,
                             question.avoided, question.blocked)
    found = []
    for vertex, label in settled.first.items():
        attrs = graph.nodes[vertex]
        if settled.hops[label] and (attrs.get("entry") or attrs.get("kind") in SOURCE_KINDS):
            found.append(_describe(graph, settled, question.blocked, vertex))
    found.sort(key=lambda s: (s.cost, s.hops, s.id))
    return WhoCan(tuple(sorted(question.targets)),
                  tuple(_grouped(graph, found) if group else found), graph, settled,
                  question.blocked)
