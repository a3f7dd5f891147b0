"""The part of a graph that matters to one question: the vertices on some route from a
source to a target within the hop bound. Heavy work (ranking fixes, minimum cuts) runs on
this part, never on the whole estate."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from queries._search import walkable, walked_techniques
from queries.paths import Question
from riskgraph.edges import EdgeAttrs, EdgeKeys


def _hops(start: Iterable[str], step: Mapping[str, Mapping[str, Mapping[Any, Any]]],
          forward: bool, question: Question, ahead: Mapping[str, int] | None = None
          ) -> dict[str, int]:
    """Fewest walkable hops from ``start`` (forward) or to it (backward), up to the bound;
    with ``ahead`` (the forward walk's hops), only through vertices whose hops both ways
    fit the bound, which are all a route's vertices need."""
    bound, avoided, blocked = question.max_hops, question.avoided, question.blocked
    filtered = bool(blocked)
    hops = {vertex: 0 for vertex in start if vertex not in avoided
            and (ahead is None or vertex in ahead)}
    queue = deque(hops)
    while queue:
        vertex = queue.popleft()
        level = hops[vertex]
        if level >= bound:
            continue
        for other, parallel in step[vertex].items():
            if other in hops or other in avoided or (
                    ahead is not None and ahead.get(other, bound) + level >= bound):
                continue
            # Most pairs hold one builder edge and nothing is blocked: it is walkable when
            # traversable, read without walked_techniques()'s call (millions at 150k pods).
            lone = None if filtered or type(parallel) is not EdgeKeys else parallel.lone
            if type(lone) is EdgeAttrs:
                if not lone.shared.get("traversable", True):
                    continue
            elif not walked_techniques(*((vertex, other) if forward else (other, vertex)),
                                       parallel, blocked):
                continue
            hops[other] = level + 1
            queue.append(other)
    return hops


def on_route(graph: nx.MultiDiGraph, question: Question) -> list[str]:
    """The vertices on some source-to-target route of at most ``question.max_hops`` hops,
    in the graph's order."""
    ahead = _hops(question.sources, graph._succ, True, question)
    behind = _hops(question.targets, graph._pred, False, question, ahead)
    # The backward walk only passes through vertices whose hops both ways fit the bound,
    # and starts from targets the forward walk reached: it holds the route's vertices.
    return [v for v in graph._succ if v in behind]


def pruned(graph: nx.MultiDiGraph, question: Question,
           keep: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The vertices (``keep``, else :func:`on_route`'s) and walkable edges on some
    source-to-target route of at most ``question.max_hops`` hops. Its attribute mappings
    are the graph's own, not copies: the part is read, never changed."""
    kept = {v: None for v in (on_route(graph, question) if keep is None else keep)}
    part = nx.MultiDiGraph()
    nodes, succ, pred, blocked = graph._node, part._succ, part._pred, question.blocked
    for vertex in kept:
        part._node[vertex] = nodes[vertex]
        succ[vertex], pred[vertex] = {}, {}
    for vertex in kept:
        row = succ[vertex]
        for other, parallel in graph._succ[vertex].items():
            if other in kept:
                walked = {key: attrs for key, attrs in parallel.items()
                          if walkable(vertex, other, key, attrs, blocked)}
                if walked:
                    row[other] = pred[other][vertex] = walked
    return part
