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

import heapq
import math
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

import networkx as nx

from queries._bounds import FEW_TARGETS, NO_BOUND, CostBound, cost_to_targets, hops_to_targets
from queries.pathset import AttackPath, PathSet, PathStep
from queries.selectors import resolve_sources, resolve_targets

_NO_LIMIT = 1 << 30
_PLAIN_SCALARS = (str, int, float, bool, type(None))


def _cheapest_steps(neighbours: Mapping[str, Mapping[Any, Mapping[str, Any]]],
                    hops_left: Mapping[str, int] | None, bound: CostBound,
                    avoid: frozenset[str]) -> list[tuple[str, float, int, float]]:
    """Each successor once: the cost of the cheapest traversable edge to it, the fewest
    hops from it to a target (0 when unknown) and its cost bound; successors that lead to
    no target, and those to avoid, are left out."""
    exact, radius = bound
    steps = []
    for neighbour, parallel in neighbours.items():
        if neighbour in avoid:
            continue
        cheapest = None
        for attrs in parallel.values():
            if attrs.get("traversable", True):
                cost = attrs.get("cost", 1.0)
                if cheapest is None or cost < cheapest:
                    cheapest = cost
        if cheapest is None:
            continue
        still_costs = exact.get(neighbour, radius)
        if still_costs == math.inf:
            continue
        # Costs count to 9 decimals, as in the cost bound's walk: both add the same
        # numbers, so the bound never exceeds what a route really costs.
        cheapest = round(cheapest, 9)
        if hops_left is None:
            steps.append((neighbour, cheapest, 0, still_costs))
        elif neighbour in hops_left:
            steps.append((neighbour, cheapest, hops_left[neighbour], still_costs))
    return steps


def _search(succ: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
            sources: set[str], targets: set[str], max_hops: int, wanted: int,
            hops_left: Mapping[str, int] | None, bound: CostBound,
            avoid: frozenset[str]) -> tuple[list[str], list[int], list[int]]:
    """Label-setting search; returns the label vertices and parents and the target labels,
    in rank order, stopping once ``wanted`` targets are settled.

    Labels are settled in order of their cost plus the vertex's cost bound, then hops.
    They wait in one bucket per total and hops, and a heap orders only the distinct totals:
    technique costs are few, so many labels share a bucket and a bucket is sorted once (by
    ids) instead of paying a heap operation per label. A label the bound puts into the
    total being settled has one hop more than its parent, so it joins a later bucket of
    that total, and ties still go to fewer hops.
    """
    two_origins = not sources.isdisjoint(targets)
    buckets: dict[float, dict[int, list[tuple[str, str, int, str, float]]]] = {}
    for source in sorted(sources):
        if (hops_left is None or source in hops_left) and source not in avoid \
                and bound.at(source) != math.inf:
            buckets.setdefault(round(bound.at(source), 9), {}).setdefault(0, []).append(
                (source, "", -1, source, 0.0))
    totals = list(buckets)
    heapq.heapify(totals)
    pop_total, push_total = heapq.heappop, heapq.heappush
    # Per vertex: (fewest hops settled, its origin, fewest hops settled from another origin).
    # With one origin per vertex the third entry equals the first, so one test prunes both.
    best: dict[str, tuple[int, str, int]] = {}
    label_vertex: list[str] = []
    label_parent: list[int] = []
    reached: list[int] = []
    reached_set: set[str] = set()
    # A vertex is expanded once per label kept there; reduce its parallel edges only once.
    adjacency: dict[str, list[tuple[str, float, int, float]]] = {}
    while totals:
        settling = pop_total(totals)
        by_hops = buckets[settling]
        while by_hops:
            hops = min(by_hops)
            bucket = by_hops.pop(hops)
            bucket.sort()
            for vertex, _, parent, origin, cost in bucket:
                seen = best.get(vertex)
                if seen is None:
                    best[vertex] = (hops, origin, _NO_LIMIT if two_origins else hops)
                else:
                    fewest, fewest_origin, other = seen
                    if other <= hops or (origin == fewest_origin and fewest <= hops):
                        continue
                    if hops >= fewest:
                        best[vertex] = (fewest, fewest_origin, hops)
                    elif not two_origins:
                        best[vertex] = (hops, origin, hops)
                    else:
                        best[vertex] = (hops, origin,
                                        other if origin == fewest_origin else fewest)
                label = len(label_vertex)
                label_vertex.append(vertex)
                label_parent.append(parent)
                if vertex in targets and origin != vertex and vertex not in reached_set:
                    reached.append(label)
                    reached_set.add(vertex)
                    if len(reached) >= wanted:
                        return label_vertex, label_parent, reached
                if hops >= max_hops:
                    continue
                next_hops = hops + 1
                steps = adjacency.get(vertex)
                if steps is None:
                    steps = adjacency[vertex] = _cheapest_steps(succ[vertex], hops_left, bound,
                                                                avoid)
                for neighbour, step, still_needed, still_costs in steps:
                    if next_hops + still_needed > max_hops:
                        continue
                    seen = best.get(neighbour)
                    if seen is not None and (seen[2] <= next_hops
                                             or (origin == seen[1] and seen[0] <= next_hops)):
                        continue
                    # Rounding keeps 0.1 + 0.2 and 0.2 + 0.1 in one bucket, so equal costs tie.
                    total = round(cost + step, 9)
                    entry = (neighbour, vertex, label, origin, total)
                    queued = round(total + still_costs, 9) if still_costs else total
                    waiting = buckets.get(queued)
                    if waiting is None:
                        buckets[queued] = {next_hops: [entry]}
                        push_total(totals, queued)
                    elif next_hops in waiting:
                        waiting[next_hops].append(entry)
                    else:
                        waiting[next_hops] = [entry]
        del buckets[settling]
    return label_vertex, label_parent, reached


def _step(graph: nx.MultiDiGraph, source: str, target: str) -> PathStep:
    """The step the search walked: the cheapest traversable parallel edge, then by key."""
    key, attrs = min(
        ((key, attrs) for key, attrs in graph._succ[source][target].items()
         if attrs.get("traversable", True)),
        key=lambda item: (item[1].get("cost", 1.0), str(item[0])))
    return PathStep(source=source, target=target, technique=attrs.get("technique", str(key)),
                    reason=attrs.get("reason", ""), confidence=attrs.get("confidence", "certain"),
                    cost=float(attrs.get("cost", 1.0)), evidence=tuple(attrs.get("evidence", ())))


def _plain(attrs: Mapping[str, Any]) -> dict[str, Any]:
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
    skip_platform_defaults: bool = False,
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
    skip_platform_defaults
        Also avoid vertices marked ``platform_default`` (the built-in ``system:`` and EKS
        bindings a cluster owner cannot change).

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
        A selector is malformed or names no vertex.
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
    if max_hops < 1:
        raise ValueError(f"max_hops must be at least 1, got {max_hops}")
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1 (or None for all), got {top}")
    source_ids = resolve_sources(graph, sources)
    target_ids = resolve_targets(graph, targets, sensitive)
    avoided = set(resolve_targets(graph, avoid)) if avoid else set()
    if skip_platform_defaults:
        avoided.update(v for v, platform in graph.nodes(data="platform_default") if platform)
    if not source_ids or not target_ids:
        return PathSet((), len(source_ids), len(target_ids))
    # One more target than shown is enough to know the answer was truncated.
    wanted = len(target_ids) if top is None else min(top + 1, len(target_ids))
    hops_left = hops_to_targets(graph._pred, target_ids, max_hops)
    # When the hop walk finished, its pruning already confines the search to the targets'
    # neighbourhood; the cost walk pays only where that pruning was given up.
    bound = cost_to_targets(graph._pred, target_ids) \
        if hops_left is None and len(target_ids) <= FEW_TARGETS else NO_BOUND
    label_vertex, label_parent, reached = _search(graph._succ, source_ids, target_ids,
                                                  max_hops, wanted, hops_left, bound,
                                                  frozenset(avoided))
    paths = []
    for label in reached[:top]:
        route = []
        while label >= 0:
            route.append(label_vertex[label])
            label = label_parent[label]
        route.reverse()
        paths.append(AttackPath(tuple(_step(graph, a, b) for a, b in pairwise(route))))
    vertices = {vertex: _plain(graph.nodes[vertex]) for path in paths for vertex in path.vertices}
    return PathSet(tuple(paths), len(source_ids), len(target_ids),
                   truncated=top is not None and len(reached) > top, vertices=vertices)
