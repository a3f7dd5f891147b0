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
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from queries._search import EdgeFilter, Rounded, cheapest_edge
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


#: Where the labels one edge makes from the level being settled go: their cost, the
#: edge's confidence rank and the bucket list for that cost and the next hop count.
_Plan = tuple[float, int, list[tuple[str, int, int]]]
#: A plan not yet worked out (compared by identity).
_UNSEEN: _Plan = (-1.0, -1, [])


def _plan(shared: Mapping[str, Any], cost: float, following: int, limit: float,
          rounded: Rounded, buckets: dict[float, dict[int, list[tuple[str, int, int]]]],
          costs: list[float]) -> _Plan | None:
    """Where an edge with these attributes sends the labels of the bucket of ``cost``
    (their next hop count ``following``); None when it is not walked or costs too much."""
    if not shared.get("traversable", True):
        return None
    # Rounding keeps 0.1 + 0.2 and 0.2 + 0.1 in one bucket, so equal costs tie.
    total = rounded[cost + rounded[shared.get("cost", 1.0)]]
    if total > limit:
        return None
    waiting = buckets.get(total)
    if waiting is None:
        waiting = buckets[total] = {}
        heapq.heappush(costs, total)
    return total, _RANK[shared.get("confidence", "certain")], waiting.setdefault(following, [])


def reverse_search(pred: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
                   targets: Iterable[str], max_hops: int, max_cost: float | None,
                   avoid: frozenset[str], blocked: EdgeFilter,
                   enough: Callable[[str], bool] | None = None) -> Settled:
    """Every vertex that reaches a target within ``max_hops`` (and ``max_cost``), with its
    cheapest such route; ties go to fewer hops, then to smaller ids. ``enough`` is told
    each vertex but the targets as its cheapest route settles and stops the search when it
    says so: the first label settled at a vertex is final, so the answer so far is exact.
    Targets given in sorted order cost the first bucket's sort one pass.

    Labels wait in one bucket per cost and hops, and a heap orders only the distinct
    costs: technique costs are few, so a bucket is sorted once (by ids) instead of paying
    a heap operation per label, as in the forward search. The labels of one bucket all
    cost the same, so what an edge adds (its cost, confidence and the bucket it leads to)
    depends only on the attributes the builder shares among a technique's edges: it is
    worked out once per shared part and bucket, and each edge into the settled region
    (millions on a large estate) costs a few lookups.
    """
    settled = Settled([], [], [], [], [], {})
    fewest: dict[str, int] = {}
    out_of_reach = max_hops + 1
    limit = math.inf if max_cost is None else max_cost
    buckets: dict[float, dict[int, list[tuple[str, int, int]]]] = {
        0.0: {0: [(target, -1, 0) for target in targets if target not in avoid]}}
    costs = [0.0]
    rounded = Rounded()
    known = fewest.get
    filtered = bool(blocked)
    # The label lists, bound once: this loop runs once per label.
    label_vertex, label_toward, label_cost, label_hops, label_confidence, first = \
        settled[:6]
    # Per vertex the (cost, hops) of its best label, waiting or settled: an edge's label no
    # cheaper and no shorter than it would only be skipped when popped (the one there, from
    # an earlier label, also wins ties), so a hub every container leads to is queued once.
    # Avoided vertices hold a label better than any, so none is queued.
    best: dict[str, tuple[float, int]] = dict.fromkeys(avoid, (-math.inf, -1))
    marked = best.get
    while costs:
        cost = heapq.heappop(costs)
        by_hops = buckets[cost]
        while by_hops:
            hops = min(by_hops)
            bucket = by_hops.pop(hops)
            bucket.sort()
            following = hops + 1
            plans: dict[int, _Plan | None] = {}
            for vertex, toward, confidence in bucket:
                if known(vertex, out_of_reach) <= hops:
                    continue
                fewest[vertex] = hops
                best[vertex] = (cost, hops)
                label = len(label_vertex)
                label_vertex.append(vertex)
                label_toward.append(toward)
                label_cost.append(cost)
                label_hops.append(hops)
                label_confidence.append(confidence)
                if vertex not in first:
                    first[vertex] = label
                    if hops and enough is not None and enough(vertex):
                        return settled._replace(complete=False)
                if following > max_hops:
                    continue
                for neighbour, parallel in pred[vertex].items():
                    there = marked(neighbour)
                    # Settled, or waiting at this cost: no edge of this bucket improves it.
                    if there is not None and there[0] <= cost and there[1] <= following:
                        continue
                    lone = parallel.lone if type(parallel) is EdgeKeys else None
                    shared: Mapping[str, Any]
                    if type(lone) is EdgeAttrs and not filtered:
                        shared = lone.shared
                    else:
                        chosen = cheapest_edge(neighbour, vertex, parallel, blocked)
                        if chosen is None:
                            continue
                        shared = chosen[1].shared if type(chosen[1]) is EdgeAttrs \
                            else chosen[1]
                    how = plans.get(id(shared), _UNSEEN)
                    if how is _UNSEEN:
                        how = plans[id(shared)] = _plan(shared, cost, following, limit,
                                                        rounded, buckets, costs)
                    if how is None:
                        continue
                    total, rank, into = how
                    if there is not None and there[0] <= total and there[1] <= following:
                        continue
                    best[neighbour] = (total, following)
                    into.append((neighbour, label, rank if rank > confidence else confidence))
        del buckets[cost]
    return settled
