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
from collections.abc import Mapping
from typing import Any, NamedTuple

from queries._search import EdgeFilter, walkable
from riskgraph.confidence import CONFIDENCE_ORDER


class Settled(NamedTuple):
    """The labels of a reverse search: per label its vertex, the label of the next vertex
    toward a target (-1 at a target), cost, hops and weakest confidence (an index into
    :data:`~riskgraph.confidence.CONFIDENCE_ORDER`); ``first`` maps each vertex to its
    cheapest label."""

    vertex: list[str]
    toward: list[int]
    cost: list[float]
    hops: list[int]
    confidence: list[int]
    first: dict[str, int]

    def route(self, vertex: str) -> list[str]:
        """The vertices of ``vertex``'s cheapest route, from it to its target."""
        label = self.first[vertex]
        route = []
        while label >= 0:
            route.append(self.vertex[label])
            label = self.toward[label]
        return route


def _cheapest_in(vertex: str, predecessors: Mapping[str, Mapping[Any, Mapping[str, Any]]],
                 avoid: frozenset[str], blocked: EdgeFilter) -> list[tuple[str, float, int]]:
    """Each predecessor once, with the cost and confidence of its cheapest walkable edge
    into ``vertex`` (ties go to the smaller key, as the forward search's steps do)."""
    steps = []
    for neighbour, parallel in predecessors.items():
        if neighbour in avoid:
            continue
        best: tuple[float, str, int] | None = None
        for key, attrs in parallel.items():
            if walkable(neighbour, vertex, key, attrs, blocked):
                candidate = (round(attrs.get("cost", 1.0), 9), str(key),
                             CONFIDENCE_ORDER.index(attrs.get("confidence", "certain")))
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
        if best is not None:
            steps.append((neighbour, best[0], best[2]))
    return steps


def reverse_search(pred: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
                   targets: set[str], max_hops: int, max_cost: float | None,
                   avoid: frozenset[str], blocked: EdgeFilter) -> Settled:
    """Every vertex that reaches a target within ``max_hops`` (and ``max_cost``), with its
    cheapest such route; ties go to fewer hops, then to smaller ids."""
    settled = Settled([], [], [], [], [], {})
    fewest: dict[str, int] = {}
    waiting: list[tuple[float, int, str, int, int]] = [
        (0.0, 0, target, -1, 0) for target in sorted(targets - avoid)]
    heapq.heapify(waiting)
    adjacency: dict[str, list[tuple[str, float, int]]] = {}
    limit = float("inf") if max_cost is None else max_cost
    while waiting:
        cost, hops, vertex, toward, confidence = heapq.heappop(waiting)
        if fewest.get(vertex, max_hops + 1) <= hops:
            continue
        fewest[vertex] = hops
        label = len(settled.vertex)
        settled.vertex.append(vertex)
        settled.toward.append(toward)
        settled.cost.append(cost)
        settled.hops.append(hops)
        settled.confidence.append(confidence)
        settled.first.setdefault(vertex, label)
        if hops >= max_hops:
            continue
        steps = adjacency.get(vertex)
        if steps is None:
            steps = adjacency[vertex] = _cheapest_in(vertex, pred[vertex], avoid, blocked)
        for neighbour, step, step_confidence in steps:
            if fewest.get(neighbour, max_hops + 1) <= hops + 1:
                continue
            # Rounding keeps 0.1 + 0.2 and 0.2 + 0.1 equal, so equal costs tie.
            total = round(cost + step, 9)
            if total <= limit:
                heapq.heappush(waiting, (total, hops + 1, neighbour, label,
                                         max(confidence, step_confidence)))
    return settled
