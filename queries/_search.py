"""The label-setting search behind :func:`queries.attack_paths`, and which edges it may
walk (see :mod:`queries.paths` for how labels, hop pruning and cost bounds work)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from queries._bounds import CostBound
from riskgraph.edges import EdgeAttrs, EdgeKeys

_NO_LIMIT = 1 << 30
_NOTHING_SETTLED: dict[str, tuple[int, str, int]] = {}


class EdgeFilter(NamedTuple):
    """Edges a what-if question takes away: every edge of some techniques, and single
    edges as ``(source, target, technique)``."""

    techniques: frozenset[str] = frozenset()
    edges: frozenset[tuple[str, str, str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.techniques or self.edges)


NO_FILTER = EdgeFilter()


class Rounded(dict[float, float]):
    """``round(value, 9)``, remembered: a search adds the same few technique costs again
    and again, and looking one up costs a fraction of rounding it. One per search."""

    def __missing__(self, value: float) -> float:
        rounded = self[value] = round(float(value), 9)
        return rounded


def walkable(source: str, target: str, key: Any, attrs: Mapping[str, Any],
             blocked: EdgeFilter = NO_FILTER) -> bool:
    """Whether a search may walk an edge: traversable and not taken away by ``blocked``."""
    if not attrs.get("traversable", True):
        return False
    if not blocked:
        return True
    technique = attrs.get("technique", str(key))
    return technique not in blocked.techniques and \
        (source, target, technique) not in blocked.edges


def walked_techniques(source: str, target: str, parallel: Mapping[Any, Mapping[str, Any]],
                      blocked: EdgeFilter = NO_FILTER) -> tuple[str, ...]:
    """The techniques of the walkable edges among ``parallel`` (one pair's edges); a lone
    edge with nothing blocked, the usual case, is read without walkable()'s call."""
    lone = parallel.lone if type(parallel) is EdgeKeys else None
    if type(lone) is EdgeAttrs and not blocked and "technique" in lone.shared:
        shared = lone.shared
        return (str(shared["technique"]),) if shared.get("traversable", True) else ()
    if len(parallel) == 1 and not blocked:
        [(key, attrs)] = parallel.items()
        return (str(attrs.get("technique", key)),) if attrs.get("traversable", True) else ()
    return tuple(str(attrs.get("technique", key)) for key, attrs in parallel.items()
                 if walkable(source, target, key, attrs, blocked))


def walked_edges(parallel: Mapping[Any, Mapping[str, Any]], techniques: tuple[str, ...]
                 ) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """The techniques and attributes of one pair's walkable edges (``techniques``, as
    :func:`walked_techniques` gives them): a lone builder edge straight from its shared
    part."""
    lone = parallel.lone if type(parallel) is EdgeKeys else None
    if type(lone) is EdgeAttrs and "technique" in lone.shared:
        return ((lone.shared["technique"], lone),)
    return [(technique, attrs) for attrs in parallel.values()
            if (technique := str(attrs.get("technique", ""))) in techniques
            and attrs.get("traversable", True)]


def cheapest_edge(source: str, target: str, parallel: Mapping[Any, Mapping[str, Any]],
                  blocked: EdgeFilter) -> tuple[Any, Mapping[str, Any]] | None:
    """The key and attributes of the cheapest walkable edge among ``parallel`` (the edges
    from ``source`` to ``target``), ties to the smaller key as the forward search's steps
    go; None when none is walkable."""
    best: tuple[float, str, Any, Mapping[str, Any]] | None = None
    for key, attrs in parallel.items():
        if not walkable(source, target, key, attrs, blocked):
            continue
        cost = attrs.get("cost", 1.0)
        if best is None or cost < best[0] or (cost == best[0] and str(key) < best[1]):
            best = (cost, str(key), key, attrs)
    return None if best is None else (best[2], best[3])


def _cheapest_steps(vertex: str, neighbours: Mapping[str, Mapping[Any, Mapping[str, Any]]],
                    hops_left: Mapping[str, int] | None, bound: CostBound,
                    avoid: frozenset[str], blocked: EdgeFilter, rounded: Rounded,
                    settled: Mapping[str, tuple[int, str, int]] = _NOTHING_SETTLED,
                    hops: int = 0) -> list[tuple[str, float, int, float]]:
    """Each successor once: the cost of the cheapest walkable edge to it, the fewest
    hops from it to a target (0 when unknown) and its cost bound; successors that lead to
    no target, those to avoid, and those ``settled`` with at most ``hops`` hops from
    every origin (a label there would be dropped) are left out."""
    exact, radius = bound
    steps = []
    # Every edge out of the searched region passes here: a lone edge with nothing blocked
    # (the usual case) is read without walkable()'s call.
    filtered = bool(blocked)
    for neighbour, parallel in neighbours.items():
        if neighbour in avoid:
            continue
        seen = settled.get(neighbour)
        if seen is not None and seen[2] <= hops:
            continue
        cheapest = None
        lone = parallel.lone if type(parallel) is EdgeKeys else \
            next(iter(parallel.values())) if len(parallel) == 1 else None
        if lone is not None and not filtered:
            # The builder's attributes keep cost and traversable in their shared part.
            attrs = lone.shared if type(lone) is EdgeAttrs else lone
            if attrs.get("traversable", True):
                cheapest = attrs.get("cost", 1.0)
        else:
            for key, attrs in parallel.items():
                if walkable(vertex, neighbour, key, attrs, blocked):
                    cost = attrs.get("cost", 1.0)
                    if cheapest is None or cost < cheapest:
                        cheapest = cost
        if cheapest is None:
            continue
        still_costs = exact.get(neighbour, radius) if exact else radius
        if still_costs == math.inf:
            continue
        # Costs count to 9 decimals, as in the cost bound's walk: both add the same
        # numbers, so the bound never exceeds what a route really costs.
        cheapest = rounded[cheapest]
        if hops_left is None:
            steps.append((neighbour, cheapest, 0, still_costs))
        elif neighbour in hops_left:
            steps.append((neighbour, cheapest, hops_left[neighbour], still_costs))
    return steps


def search(succ: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
            sources: set[str], targets: set[str], max_hops: int, wanted: int,
            hops_left: Mapping[str, int] | None, bound: CostBound,
            avoid: frozenset[str], blocked: EdgeFilter = NO_FILTER
            ) -> tuple[list[str], list[int], list[int]]:
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
    # Unguided by hops or costs (a blast radius: every vertex a target), most successors
    # have settled by the time a vertex is expanded: they are left out before their edges
    # are read, so the steps depend on what has settled and are not kept.
    adjacency: dict[str, list[tuple[str, float, int, float]]] = {}
    unguided = hops_left is None and not bound.exact and not bound.radius
    rounded = Rounded()
    # Without a cost bound labels settle in order of (cost, hops, parent id, label), and with
    # one origin a label is dropped once one with no more hops has settled: a label queued
    # behind one waiting at the same vertex with no more hops would be dropped, so it is
    # never queued (blast radius: the hubs every container leads to). Per vertex, the
    # earliest such label queued.
    first: dict[str, tuple[float, int, str, int]] | None = \
        {} if not two_origins and not bound.exact and not bound.radius else None
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
                kept = None if unguided else adjacency.get(vertex)
                if kept is not None:
                    steps = kept
                elif unguided:
                    steps = _cheapest_steps(vertex, succ[vertex], None, bound, avoid, blocked,
                                            rounded, best, next_hops)
                else:
                    steps = adjacency[vertex] = _cheapest_steps(
                        vertex, succ[vertex], hops_left, bound, avoid, blocked, rounded)
                for neighbour, step, still_needed, still_costs in steps:
                    if next_hops + still_needed > max_hops:
                        continue
                    seen = best.get(neighbour)
                    if seen is not None and (seen[2] <= next_hops
                                             or (origin == seen[1] and seen[0] <= next_hops)):
                        continue
                    # Rounding keeps 0.1 + 0.2 and 0.2 + 0.1 in one bucket, so equal costs tie.
                    total = rounded[cost + step]
                    entry = (neighbour, vertex, label, origin, total)
                    queued = rounded[total + still_costs] if still_costs else total
                    if first is not None:
                        order = (queued, next_hops, vertex, label)
                        ahead = first.get(neighbour)
                        if ahead is not None and ahead[1] <= next_hops and ahead < order:
                            continue
                        if ahead is None or (ahead[1] >= next_hops and order < ahead):
                            first[neighbour] = order
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
