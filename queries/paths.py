"""Bounded, ranked attack-path search: the cheapest route to each reachable target.

The search is a multi-source Dijkstra whose labels carry (cost, hops). A vertex keeps a
label only while it beats every label settled there before on hops, so a cheap but long
route cannot hide a slightly costlier one that fits within ``max_hops``. Each target gets
the first label settled at it, which is its cheapest route within the bound.

When some sources are also targets, labels additionally remember their origin and a vertex
keeps the best labels of two distinct origins: the cheapest route *into* such a target must
start somewhere else, and with two origins at every vertex one of them always does.

Before searching, a budgeted backward walk from the targets measures how many hops each
nearby vertex still needs; labels that cannot reach a target within the bound are never
created, so an unreachable target does not cost a sweep of the whole graph.

With few targets that too many vertices lead to for the hop walk to finish, a second
budgeted backward walk (Dijkstra on cost) gives each vertex a lower bound on what reaching
a target still costs, and labels are settled in order of cost so far plus that bound
(A*). The bound is exact near the targets and the walk's radius elsewhere, which keeps it
consistent, so labels still settle at each vertex in cost order and the first label
settled at a target is still its cheapest route.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

import networkx as nx

from queries._bounds import FEW_TARGETS, NO_BOUND, cost_to_targets, hops_to_targets
from queries._search import NO_FILTER, EdgeFilter, cheapest_edge, search
from queries.catalog import known_techniques, severity_of
from queries.pathset import AttackPath, PathSet, PathStep
from queries.selectors import resolve_sources, resolve_targets

_PLAIN_SCALARS = (str, int, float, bool, type(None))


def walked_step(graph: nx.MultiDiGraph, source: str, target: str,
                blocked: EdgeFilter) -> PathStep:
    """The step the search walked: the cheapest walkable parallel edge, then by key."""
    chosen = cheapest_edge(source, target, graph._succ[source][target], blocked)
    if chosen is None:
        raise ValueError(f"no walkable edge from {source} to {target}")
    key, attrs = chosen
    technique = attrs.get("technique", str(key))
    return PathStep(source=source, target=target, technique=technique,
                    reason=attrs.get("reason", ""), confidence=attrs.get("confidence", "certain"),
                    cost=float(attrs.get("cost", 1.0)), evidence=tuple(attrs.get("evidence", ())),
                    mitre=attrs.get("mitre"), severity=severity_of(technique))


def plain_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a vertex's attributes that a PathSet can own and serialise."""
    copied: dict[str, Any] = {}
    for name, value in attrs.items():
        if isinstance(value, _PLAIN_SCALARS):
            copied[name] = value
        elif isinstance(value, Mapping):
            copied[name] = dict(value)
        elif isinstance(value, list | tuple):
            copied[name] = list(value)
    return copied


def attack_paths(
    graph: nx.MultiDiGraph,
    sources: str | Iterable[str] = "internet",
    targets: str | Iterable[str] = "secret",
    *,
    max_hops: int = 8,
    top: int | None = 10,
    sensitive: Iterable[str] = (),
    avoid: str | Iterable[str] = (),
    avoid_techniques: Iterable[str] = (),
    skip_platform_defaults: bool = False,
    blocked_edges: Iterable[tuple[str, str, str]] = (),
) -> PathSet:
    """The cheapest attack path to each reachable target, ranked.

    Parameters
    ----------
    graph
        The attack graph from :func:`riskgraph.builder.build_graph`. Edge ``cost`` is
        positive (1.0 when missing); between two vertices the cheapest parallel edge counts.
    sources, targets
        Selectors (one string or several, taken as a union); see
        :func:`queries.selectors.resolve_sources` and
        :func:`queries.selectors.resolve_targets`.
    max_hops
        Longest path considered, in edges. A costlier path that fits is preferred to a
        cheaper one that does not.
    top
        Most paths returned; ``None`` returns one per reachable target.
    sensitive
        Extra target selectors that the ``sensitive`` target class also stands for.
    avoid
        Selectors (target forms) of vertices no path may enter: "what if this binding or
        workload were fixed?".
    avoid_techniques
        Technique ids whose edges no path may walk: "what if we enforced IMDSv2, or
        dropped exec rights?". An id the catalog does not know is an error.
    skip_platform_defaults
        Also avoid vertices marked ``platform_default`` (the built-in ``system:`` and EKS
        bindings a cluster owner cannot change).
    blocked_edges
        Single edges, as ``(source, target, technique)``, no path may walk: a fix applied
        as a what-if (see :func:`queries.fixes`).

    Returns
    -------
    queries.pathset.PathSet
        One path per reachable target (its cheapest within ``max_hops``; ties go to fewer
        hops, then to smaller ids), ranked by cost, hops and target id. Edges marked
        ``traversable=False`` are never walked. A source is never its own path: a target
        that is also a source is reported with its cheapest route from another source.
        ``truncated`` says more targets were reachable than ``top`` allowed.

    Raises
    ------
    riskgraph.errors.SelectorError
        A selector is malformed or names no vertex, or ``avoid_techniques`` names a
        technique the catalog lacks.
    ValueError
        ``max_hops`` or ``top`` is below 1.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("internet", kind="Internet", entry=True)
    >>> g.add_node("k8s:Secret:shop/db", kind="Secret", crown_jewel="secret")
    >>> _ = g.add_edge("internet", "k8s:Pod:shop/web", key="net.exposed", cost=1.0,
    ...                technique="net.exposed", reason="web is public", confidence="certain")
    >>> _ = g.add_edge("k8s:Pod:shop/web", "k8s:Secret:shop/db", key="secret.mount",
    ...                cost=0.5, technique="secret.mount", reason="web mounts db",
    ...                confidence="certain", evidence=["k8s:Pod:shop/web: volumes[0]=db"])
    >>> found = attack_paths(g)
    >>> [(path.vertices, path.cost) for path in found]
    [(('internet', 'k8s:Pod:shop/web', 'k8s:Secret:shop/db'), 1.5)]
    >>> found[0].steps[1].evidence
    ('k8s:Pod:shop/web: volumes[0]=db',)
    >>> len(attack_paths(g, max_hops=1))
    0
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1 (or None for all), got {top}")
    question = ask(graph, sources, targets, max_hops=max_hops, sensitive=sensitive, avoid=avoid,
                   avoid_techniques=avoid_techniques,
                   skip_platform_defaults=skip_platform_defaults, blocked_edges=blocked_edges)
    return answer(graph, question, top)


@dataclass(frozen=True)
class Question:
    """A path question with its selectors resolved: what :func:`answer` searches, and what
    the fixes and blast-radius queries ask again with some edges taken away."""

    sources: frozenset[str]
    targets: frozenset[str]
    max_hops: int
    avoided: frozenset[str] = frozenset()
    blocked: EdgeFilter = NO_FILTER

    def without(self, edges: Iterable[tuple[str, str, str]]) -> Question:
        """The same question with these ``(source, target, technique)`` edges taken away."""
        return replace(self, blocked=EdgeFilter(self.blocked.techniques,
                                                self.blocked.edges | frozenset(edges)))


def ask(graph: nx.MultiDiGraph, sources: str | Iterable[str] | None,
        targets: str | Iterable[str] | None,
        *, max_hops: int = 8, sensitive: Iterable[str] = (), avoid: str | Iterable[str] = (),
        avoid_techniques: Iterable[str] = (), skip_platform_defaults: bool = False,
        blocked_edges: Iterable[tuple[str, str, str]] = ()) -> Question:
    """Resolve the selectors of a path question (see :func:`attack_paths`); ``sources`` or
    ``targets`` None leaves them to the caller (an empty set).

    Raises
    ------
    riskgraph.errors.SelectorError
        A selector is malformed or names no vertex, or an unknown technique id.
    ValueError
        ``max_hops`` is below 1.
    """
    if max_hops < 1:
        raise ValueError(f"max_hops must be at least 1, got {max_hops}")
    blocked = EdgeFilter(known_techniques(avoid_techniques), frozenset(blocked_edges))
    avoided = set(resolve_targets(graph, avoid)) if avoid else set()
    if skip_platform_defaults:
        avoided.update(v for v, platform in graph.nodes(data="platform_default") if platform)
    return Question(frozenset(() if sources is None else resolve_sources(graph, sources)),
                    frozenset(() if targets is None
                              else resolve_targets(graph, targets, sensitive)), max_hops,
                    frozenset(avoided), blocked)


def answer(graph: nx.MultiDiGraph, question: Question, top: int | None = None) -> PathSet:
    """The cheapest path to each target of a resolved question, ranked (``top`` at most)."""
    source_ids, target_ids, max_hops = set(question.sources), set(question.targets), \
        question.max_hops
    if not source_ids or not target_ids:
        return PathSet((), len(source_ids), len(target_ids))
    # One more target than shown is enough to know the answer was truncated.
    wanted = len(target_ids) if top is None else min(top + 1, len(target_ids))
    hops_left = hops_to_targets(graph._pred, target_ids, max_hops)
    # When the hop walk finished, its pruning already confines the search to the targets'
    # neighbourhood; the cost walk pays only where that pruning was given up.
    bound = cost_to_targets(graph._pred, target_ids) \
        if hops_left is None and len(target_ids) <= FEW_TARGETS else NO_BOUND
    label_vertex, label_parent, reached = search(graph._succ, source_ids, target_ids,
                                                 max_hops, wanted, hops_left, bound,
                                                 question.avoided, question.blocked)
    paths = []
    for label in reached[:top]:
        route = []
        while label >= 0:
            route.append(label_vertex[label])
            label = label_parent[label]
        route.reverse()
        paths.append(AttackPath(tuple(walked_step(graph, a, b, question.blocked)
                                      for a, b in pairwise(route))))
    vertices = {vertex: plain_attrs(graph.nodes[vertex])
                for path in paths for vertex in path.vertices}
    return PathSet(tuple(paths), len(source_ids), len(target_ids),
                   truncated=top is not None and len(reached) > top, vertices=vertices)
