"""The reverse label-setting search behind :func:`queries.who_can`: one multi-source
Dijkstra from the targets over reversed edges, under the forward search's edge rules
(:func:`queries._search.walkable`, avoided vertices, the :class:`~queries._search.EdgeFilter`).

Labels carry (cost, hops). A vertex keeps a label only while it has fewer hops than every
label settled there before, so a cheap route too long for ``max_hops`` cannot hide a
slightly costlier one that fits; the first label settled at a vertex is its cheapest route
to a target within the bound, as in the forward search.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from queries._search import EdgeFilter, Rounded, walkable
from riskgraph.confidence import CONFIDENCE_ORDER
from riskgraph.edges import EdgeAttrs, EdgeKeys

_RANK = {level: rank for rank, level in enumerate(CONFIDENCE_ORDER)}


class Settled(NamedTuple):
    """The labels of a reverse search: per label its vertex, the label of the next vertex
    toward a target (-1 at a target), cost, hops and weakest confidence (an index into
    :data:`~riskgraph.confidence.CONFIDENCE_ORDER`); ``first`` maps each vertex to its
    cheapest label; ``complete`` is False when the search stopped early."""

    vertex: list[str]
    toward: list[int]
    cost: list[float]
    hops: list[int]
    confidence: list[int]
    first: dict[str, int]
    complete: bool = True

    def route(self, vertex: str) -> list[str]:
        """The vertices of ``vertex``'s cheapest route, from it to its target."""
        label = self.first[vertex]
        route = []
        while label >= 0:
            route.append(self.vertex[label])
            label = self.toward[label]
        return route


def _cheapest_in(vertex: str, predecessors: Mapping[str, Mapping[Any, Mapping[str, Any]]],
                 avoid: frozenset[str], blocked: EdgeFilter, rounded: Rounded
                 ) -> list[tuple[str, float, int]]:
    """Each predecessor once, with the cost and confidence of its cheapest walkable edge
    into ``vertex`` (ties go to the smaller key, as the forward search's steps do)."""
    steps = []
    # This loop visits every edge into the settled region: walkable() in full only when
    # something is blocked, and a lone edge (the usual case) skips the comparisons.
    filtered = bool(blocked)
    for neighbour, parallel in predecessors.items():
        if neighbour in avoid:
            continue
        lone = parallel.lone if type(parallel) is EdgeKeys else \
            next(iter(parallel.values())) if len(parallel) == 1 else None
        if lone is not None and not filtered:
            # The builder's attributes keep cost, confidence and traversable shared.
            attrs = lone.shared if type(lone) is EdgeAttrs else lone
            if attrs.get("traversable", True):
                steps.append((neighbour, rounded[attrs.get("cost", 1.0)],
                              _RANK[attrs.get("confidence", "certain")]))
            continue
        best: tuple[float, str, Mapping[str, Any]] | None = None
        for key, attrs in parallel.items():
            if not walkable(neighbour, vertex, key, attrs, blocked):
                continue
            cost = attrs.get("cost", 1.0)
            if best is None or cost < best[0] or (cost == best[0] and str(key) < best[1]):
                best = (cost, str(key), attrs)
        if best is not None:
            steps.append((neighbour, rounded[best[0]],
                          _RANK[best[2].get("confidence", "certain")]))
    return steps


def reverse_search(pred: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
                   targets: set[str], max_hops: int, max_cost: float | None,
                   avoid: frozenset[str], blocked: EdgeFilter,
                   enough: Callable[[str], bool] | None = None) -> Settled:
    """Every vertex that reaches a target within ``max_hops`` (and ``max_cost``), with its
    cheapest such route; ties go to fewer hops, then to smaller ids. ``enough`` is told
    each vertex as its cheapest route settles and stops the search when it says so: the
    first label settled at a vertex is final, so the answer so far is exact.

    Labels wait in one bucket per cost and hops, and a heap orders only the distinct
    costs: technique costs are few, so a bucket is sorted once (by ids) instead of paying
    a heap operation per label, as in the forward search.
    """
    settled = Settled([], [], [], [], [], {})
    fewest: dict[str, int] = {}
    out_of_reach = max_hops + 1
    limit = math.inf if max_cost is None else max_cost
    buckets: dict[float, dict[int, list[tuple[str, int, int]]]] = {
        0.0: {0: [(target, -1, 0) for target in targets - avoid]}}
    costs = [0.0]
    adjacency: dict[str, list[tuple[str, float, int]]] = {}
    rounded = Rounded()
    known = fewest.get
    # The label lists, bound once: this loop runs once per label.
    label_vertex, label_toward, label_cost, label_hops, label_confidence, first = \
        settled[:6]
    queue_best: dict[str, tuple[float, int]] = {}
    queued = queue_best.get
    while costs:
        cost = heapq.heappop(costs)
        by_hops = buckets[cost]
        while by_hops:
            hops = min(by_hops)
            bucket = by_hops.pop(hops)
            bucket.sort()
            following = hops + 1
            for vertex, toward, confidence in bucket:
                if known(vertex, out_of_reach) <= hops:
                    continue
                fewest[vertex] = hops
                label = len(label_vertex)
                label_vertex.append(vertex)
                label_toward.append(toward)
                label_cost.append(cost)
                label_hops.append(hops)
                label_confidence.append(confidence)
                if vertex not in first:
                    first[vertex] = label
                    if enough is not None and enough(vertex):
                        return settled._replace(complete=False)
                if hops >= max_hops:
                    continue
                steps = adjacency.get(vertex)
                if steps is None:
                    steps = adjacency[vertex] = _cheapest_in(vertex, pred[vertex], avoid,
                                                             blocked, rounded)
                for neighbour, step, step_confidence in steps:
                    if known(neighbour, out_of_reach) <= following:
                        continue
                    # Rounding keeps 0.1 + 0.2 and 0.2 + 0.1 in one bucket, so equal costs tie.
                    total = rounded[cost + step]
                    if total > limit:
                        continue
                    # A label no cheaper and no shorter than one already waiting there would
                    # only be skipped when popped (the waiting one, pushed from an earlier
                    # label, also wins ties): a hub every container leads to is queued once.
                    waiting_there = queued(neighbour)
                    if waiting_there is not None and waiting_there[0] <= total \
                            and waiting_there[1] <= following:
                        continue
                    queue_best[neighbour] = (total, following)
                    entry = (neighbour, label, step_confidence if step_confidence > confidence
                             else confidence)
                    waiting = buckets.get(total)
                    if waiting is None:
                        buckets[total] = {following: [entry]}
                        heapq.heappush(costs, total)
                    elif following in waiting:
                        waiting[following].append(entry)
                    else:
                        waiting[following] = [entry]
        del buckets[cost]
    return settled
