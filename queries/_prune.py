"""The part of a graph that matters to one question: the vertices on some route from a
source to a target within the hop bound. Heavy work (ranking fixes, minimum cuts) runs on
this copy, never on the whole estate. :class:`Walker` tells which targets stay reachable at
all, by hops alone, which is all that measuring a fix needs."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from queries._search import walkable
from queries.paths import Question


def _hops(start: Iterable[str], step: Mapping[str, Mapping[str, Mapping[Any, Any]]],
          forward: bool, question: Question) -> dict[str, int]:
    """Fewest walkable hops from ``start`` (forward) or to it (backward), up to the bound."""
    hops = {vertex: 0 for vertex in start if vertex not in question.avoided}
    queue = deque(hops)
    while queue:
        vertex = queue.popleft()
        if hops[vertex] >= question.max_hops:
            continue
        for other, parallel in step[vertex].items():
            if other in hops or other in question.avoided:
                continue
            source, target = (vertex, other) if forward else (other, vertex)
            if any(walkable(source, target, key, attrs, question.blocked)
                   for key, attrs in parallel.items()):
                hops[other] = hops[vertex] + 1
                queue.append(other)
    return hops


def pruned(graph: nx.MultiDiGraph, question: Question) -> nx.MultiDiGraph:
    """A copy of the vertices and walkable edges on some source-to-target route of at most
    ``question.max_hops`` hops, with their attributes."""
    ahead = _hops(question.sources, graph._succ, True, question)
    behind = _hops(question.targets, graph._pred, False, question)
    keep = {v for v, h in ahead.items() if v in behind and h + behind[v] <= question.max_hops}
    part = nx.MultiDiGraph()
    part.add_nodes_from((v, graph.nodes[v]) for v in keep)
    part.add_edges_from(
        (u, v, key, attrs) for u in keep for v, parallel in graph._succ[u].items() if v in keep
        for key, attrs in parallel.items() if walkable(u, v, key, attrs, question.blocked))
    return part


class Walker:
    """Hop-bounded breadth-first walks over a pruned part, on an adjacency built once, with
    single edges taken away per walk: what measuring many candidate fixes needs."""

    def __init__(self, part: nx.MultiDiGraph, question: Question) -> None:
        self.question = question
        self.adjacency: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for vertex, neighbours in part._succ.items():
            row = []
            for other, parallel in neighbours.items():
                techniques = tuple(str(attrs.get("technique", key))
                                   for key, attrs in parallel.items()
                                   if walkable(vertex, other, key, attrs, question.blocked))
                if techniques and other not in question.avoided:
                    row.append((other, techniques))
            self.adjacency[vertex] = row

    def parents(self, sources: Iterable[str], wanted: frozenset[str],
                blocked: frozenset[tuple[str, str, str]]) -> dict[str, str | None]:
        """The walk's tree (vertex -> the vertex it was reached from), stopping once every
        vertex of ``wanted`` is in it; edges in ``blocked`` are not walked."""
        pairs = {(source, target) for source, target, _ in blocked}
        tree: dict[str, str | None] = {v: None for v in sources if v in self.adjacency}
        missing = set(wanted) - tree.keys()
        frontier = list(tree)
        for _ in range(self.question.max_hops):
            if not missing or not frontier:
                break
            ahead = []
            for vertex in frontier:
                for other, techniques in self.adjacency[vertex]:
                    if other in tree or ((vertex, other) in pairs and all(
                            (vertex, other, t) in blocked for t in techniques)):
                        continue
                    tree[other] = vertex
                    missing.discard(other)
                    ahead.append(other)
            frontier = ahead
        return tree

    def reached(self, targets: Iterable[str],
                blocked: frozenset[tuple[str, str, str]] = frozenset()) -> frozenset[str]:
        """Which ``targets`` a walk from the question's sources reaches: those
        :func:`queries.paths.answer` finds a path to, since reachability within a hop bound
        needs only the fewest hops (a target that is also a source only from another
        source)."""
        sources, wanted = self.question.sources, frozenset(targets)
        tree = self.parents(sources, wanted - sources, blocked)
        reached = {t for t in wanted - sources if t in tree}
        for both in wanted & sources:
            if both in self.parents(sources - {both}, frozenset({both}), blocked):
                reached.add(both)
        return frozenset(reached)

    def routes(self, targets: Iterable[str], blocked: frozenset[tuple[str, str, str]]
               ) -> dict[str, list[tuple[str, str]]]:
        """One fewest-hop route (its vertex pairs) to each reachable target of ``targets``."""
        wanted = frozenset(targets) - self.question.sources
        tree = self.parents(self.question.sources, wanted, blocked)
        found = {}
        for target in wanted & tree.keys():
            pairs, vertex = [], target
            while (parent := tree[vertex]) is not None:
                pairs.append((parent, vertex))
                vertex = parent
            found[target] = pairs
        return found
