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
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

import networkx as nx

from queries.selectors import resolve_sources, resolve_targets
from riskgraph.paths import AttackPath, PathSet, PathStep

_NO_LIMIT = 1 << 30
#: Backward edge visits allowed before target-distance pruning is given up. With few
#: targets the forward search cannot stop early (it must settle every one, or exhaust the
#: graph when one is unreachable), so pruning pays for a much longer backward walk: at 150k
#: pods, internet -> aws-admin takes 0.5 s with it and 11 s without. With many targets the
#: forward search stops after the first ``top`` and a long backward walk only costs.
_BACKWARD_BUDGET = 200_000
_FEW_TARGETS = 64
_FEW_TARGETS_BUDGET = 2_000_000
_PLAIN_SCALARS = (str, int, float, bool, type(None))


def _hops_to_targets(pred: Mapping[str, Mapping[str, Any]], targets: set[str],
                     max_hops: int) -> dict[str, int] | None:
    """Fewest hops from each vertex within ``max_hops`` of a target to the nearest one.

    Walking edges backwards from the targets is cheap when few vertices lead to them (an
    unreachable ``cluster-admin`` would otherwise mean exploring everything within
    ``max_hops`` of the sources). When the backward walk grows past a budget the targets
    are too widely reachable for it to pay off, and the answer is None: no pruning.
    Traversability is ignored here, which only makes the distances lower bounds.
    """
    distance = dict.fromkeys(targets, 0)
    frontier = list(targets)
    visits = 0
    budget = _FEW_TARGETS_BUDGET if len(targets) <= _FEW_TARGETS else _BACKWARD_BUDGET
    for hops in range(1, max_hops + 1):
        following = []
        for vertex in frontier:
            predecessors = pred[vertex]
            visits += len(predecessors)
            if visits > budget:
                return None
            for predecessor in predecessors:
                if predecessor not in distance:
                    distance[predecessor] = hops
                    following.append(predecessor)
        if not following:
            break
        frontier = following
    return distance


def _cheapest_steps(neighbours: Mapping[str, Mapping[Any, Mapping[str, Any]]],
                    hops_left: Mapping[str, int] | None,
                    avoid: frozenset[str]) -> list[tuple[str, float, int]]:
    """Each successor once: the cost of the cheapest traversable edge to it and the fewest
    hops from it to a target (0 when unknown); successors that lead to no target, and
    those to avoid, are left out."""
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
        if hops_left is None:
            steps.append((neighbour, cheapest, 0))
        elif neighbour in hops_left:
            steps.append((neighbour, cheapest, hops_left[neighbour]))
    return steps


def _search(succ: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
            sources: set[str], targets: set[str], max_hops: int, wanted: int,
            hops_left: Mapping[str, int] | None,
            avoid: frozenset[str]) -> tuple[list[str], list[int], list[int]]:
    """Label-setting search; returns the label vertices and parents and the target labels,
    in rank order, stopping once ``wanted`` targets are settled.

    Labels wait in one bucket per total cost, and a heap orders only the distinct costs:
    technique costs are few, so many labels share a total and a bucket is sorted once
    (by hops, then ids) instead of paying a heap operation per label.
    """
    two_origins = not sources.isdisjoint(targets)
    buckets: dict[float, list[tuple[int, str, str, int, str]]] = {
        0.0: [(0, source, "", -1, source) for source in sources
              if (hops_left is None or source in hops_left) and source not in avoid]}
    costs = [0.0]
    pop_cost, push_cost = heapq.heappop, heapq.heappush
    # Per vertex: (fewest hops settled, its origin, fewest hops settled from another origin).
    # With one origin per vertex the third entry equals the first, so one test prunes both.
    best: dict[str, tuple[int, str, int]] = {}
    label_vertex: list[str] = []
    label_parent: list[int] = []
    reached: list[int] = []
    reached_set: set[str] = set()
    # A vertex is expanded once per label kept there; reduce its parallel edges only once.
    adjacency: dict[str, list[tuple[str, float, int]]] = {}
    while costs:
        cost = pop_cost(costs)
        bucket = buckets.pop(cost)
        bucket.sort()
        for hops, vertex, _, parent, origin in bucket:
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
                    best[vertex] = (hops, origin, other if origin == fewest_origin else fewest)
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
                steps = adjacency[vertex] = _cheapest_steps(succ[vertex], hops_left, avoid)
            for neighbour, step, still_needed in steps:
                if next_hops + still_needed > max_hops:
                    continue
                seen = best.get(neighbour)
                if seen is not None and (seen[2] <= next_hops
                                         or (origin == seen[1] and seen[0] <= next_hops)):
                    continue
                entry = (next_hops, neighbour, vertex, label, origin)
                # Rounding keeps 0.1 + 0.2 and 0.2 + 0.1 in one bucket, so equal costs tie.
                total = round(cost + step, 9)
                waiting = buckets.get(total)
                if waiting is None:
                    buckets[total] = [entry]
                    push_cost(costs, total)
                else:
                    waiting.append(entry)
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
    riskgraph.paths.PathSet
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
    hops_left = _hops_to_targets(graph._pred, target_ids, max_hops)
    label_vertex, label_parent, reached = _search(graph._succ, source_ids, target_ids,
                                                  max_hops, wanted, hops_left,
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
