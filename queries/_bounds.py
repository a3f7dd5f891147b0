"""Lower bounds from backward walks: how many hops and how much cost still separate a
vertex from the nearest target. :mod:`queries.paths` prunes and orders its search with
them; both walks have a budget, so a widely reachable target costs a bounded walk."""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

#: Backward edge visits allowed before hop pruning is given up. With few targets the
#: forward search cannot stop early (it must settle every one, or exhaust the graph when
#: one is unreachable), so pruning pays for a much longer backward walk. With many targets
#: the forward search stops after the first ``top`` and a long backward walk only costs.
_BACKWARD_BUDGET = 200_000
#: At most this many targets counts as few: the forward search must settle each.
FEW_TARGETS = 64
_FEW_TARGETS_BUDGET = 2_000_000
#: Backward edge visits of the cost walk. At 150k pods on a flat network, internet ->
#: aws-admin takes 10 s without the cost bound; this budget brings it under 1 s (the walk
#: 0.1 s, the search it guides 0.1 s), and a ten times longer walk costs more than it saves.
_COST_BUDGET = 200_000


class CostBound(NamedTuple):
    """What reaching a target still costs at least, from each vertex: ``exact`` for the
    vertices the backward walk settled, ``radius`` for every other (infinite when the walk
    settled everything that leads to a target, so any other vertex leads nowhere)."""

    exact: dict[str, float]
    radius: float

    def at(self, vertex: str) -> float:
        return self.exact.get(vertex, self.radius)


NO_BOUND = CostBound({}, 0.0)


def hops_to_targets(pred: Mapping[str, Mapping[str, Any]], targets: set[str],
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
    budget = _FEW_TARGETS_BUDGET if len(targets) <= FEW_TARGETS else _BACKWARD_BUDGET
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


def cost_to_targets(pred: Mapping[str, Mapping[str, Mapping[Any, Mapping[str, Any]]]],
                    targets: set[str]) -> CostBound:
    """A lower bound on the cost from each vertex to the nearest target.

    A Dijkstra walk backwards from the targets, over every edge (traversable or not, so
    the costs can only be lower than the forward search's), until it has visited
    ``_COST_BUDGET`` edges. Vertices it settled get their exact cost; every other
    vertex costs at least what the walk had reached when it stopped.
    """
    exact: dict[str, float] = {}
    waiting = [(0.0, target) for target in sorted(targets)]
    heapq.heapify(waiting)
    pop, push = heapq.heappop, heapq.heappush
    visits = 0
    while waiting:
        cost, vertex = pop(waiting)
        if vertex in exact:
            continue
        exact[vertex] = cost
        predecessors = pred[vertex]
        visits += len(predecessors)
        if visits > _COST_BUDGET:
            return CostBound(exact, cost)
        for predecessor, parallel in predecessors.items():
            if predecessor not in exact:
                step = math.inf
                for attrs in parallel.values():
                    step = min(step, attrs.get("cost", 1.0))
                # Rounded as the forward search rounds, so the bound stays a lower bound.
                push(waiting, (round(cost + round(step, 9), 9), predecessor))
    return CostBound(exact, math.inf)
