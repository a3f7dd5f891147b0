"""The part of a graph that matters to one question: the vertices on some route from a
source to a target within the hop bound, and the walkable edges between them. Heavy work
(ranking fixes, minimum cuts) runs on this part, never on the whole estate.

For a question with few targets the part is found by a forward walk from the sources
and a backward walk from the targets over the graph, and then the part's rows are read.
With many targets (every secret) the part is most of what the sources reach, and those
three passes read the same million edges three times: then one walk forward reads each
vertex's walkable out-edges into integer rows as it goes, and the backward walk runs over
those rows (at 150k pods, about 3 s where the three passes took 3.5-4 s). A narrow part found
that way would cost a read of everything the sources reach, hence the two ways.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import networkx as nx

from queries._search import walkable, walked_edges, walked_techniques
from queries.paths import Question
from riskgraph.edges import EdgeAttrs, EdgeKeys

#: One walkable edge out of a vertex, as (its target's number, technique, attributes).
Step = tuple[int, str, Mapping[str, Any]]
#: The hops of a vertex no walk from the sources reaches within the bound.
_UNSEEN = 1 << 30
#: Questions with at most this many targets find their part by walks over the graph.
FEW_TARGETS = 64
#: The row and the in-edges of a vertex outside the part (read, never changed), and the
#: row of a vertex not read yet (compared by identity).
_NO_ROW: dict[int, tuple[str, ...]] = {}
_NO_PRED: list[int] = []
_UNREAD: dict[int, tuple[str, ...]] = {}


class Part(NamedTuple):
    """The part, its vertices numbered as the graph orders them: ``vertices`` the part's,
    ``names`` the numbered ones by number (every vertex of the graph, or the part's alone;
    see :func:`walk_part`), ``succ`` each vertex's walkable edges into the part
    (techniques by target, in the graph's order; none out of a vertex outside the part),
    ``pred`` the vertices with such an edge into each (in the graph's order), ``edges``
    how many, ``marked`` the part's vertices' walkable edges into the part whose technique
    was asked for (see :func:`walk_part`), by vertex number."""

    vertices: list[str]
    names: list[str]
    index_of: dict[str, int]
    succ: list[dict[int, tuple[str, ...]]]
    pred: list[list[int]]
    edges: int
    marked: dict[int, list[Step]]


class _Walk:
    """Walkable out-edges read from the graph into integer rows, between the vertices
    ``names`` (in the graph's order). Either every vertex of the graph, read by a walk
    forward (the rows of the vertices nearer to a source than the bound), then marked
    backward and settled (the part's vertices at the bound read, the rows and in-edges of
    every vertex outside the part dropped); or the part's vertices alone, all read."""

    def __init__(self, graph: nx.MultiDiGraph, question: Question, marks: Container[str],
                 names: Sequence[str]) -> None:
        self.graph_succ, self.question, self.marks = graph._succ, question, marks
        self.names = list(names)
        self.index = {vertex: at for at, vertex in enumerate(self.names)}
        self.hops = [_UNSEEN] * len(self.names)
        self.on = [False] * len(self.names)
        self.rows: list[dict[int, tuple[str, ...]]] = [_UNREAD] * len(self.names)
        self.pred: list[list[int]] = [[] for _ in self.names]
        self.marked: dict[int, list[Step]] = {}
        # A lone builder edge's techniques, one tuple per technique shared by its pairs.
        self._alone: dict[Any, tuple[str, ...]] = {}

    def forward(self) -> None:
        """Reach every vertex within the hop bound of a source, reading the rows of those
        nearer than the bound."""
        index, avoided, hops = self.index, self.question.avoided, self.hops
        frontier = sorted(index[v] for v in self.question.sources
                          if v in index and v not in avoided)
        for source in frontier:
            hops[source] = 0
        for level in range(1, self.question.max_hops + 1):
            ahead: list[int] = []
            for at in frontier:
                self.read(at, level, ahead)
            if not ahead:
                break
            frontier = ahead

    def read(self, at: int, level: int, ahead: list[int] | None) -> None:
        """Read one vertex's row; with ``ahead``, the vertices it first reaches get hops
        ``level`` and join it, else only edges into the part are read."""
        vertex, question, index, hops, on = self.names[at], self.question, self.index, \
            self.hops, self.on
        avoided, blocked, marks, pred = question.avoided, question.blocked, self.marks, \
            self.pred
        filtered, alone = bool(blocked), self._alone
        row: dict[int, tuple[str, ...]] = {}
        marked: list[Step] = []
        for other, parallel in self.graph_succ[vertex].items():
            to = index.get(other)
            if to is None or (ahead is None and not on[to]) or (avoided and other in avoided):
                continue
            lone = None if filtered or type(parallel) is not EdgeKeys else parallel.lone
            if type(lone) is EdgeAttrs and "technique" in lone.shared:
                if not lone.shared.get("traversable", True):
                    continue
                technique = lone.shared["technique"]
                techniques = alone.get(technique) or alone.setdefault(
                    technique, (str(technique),))
                if technique in marks:
                    marked.append((to, technique, lone))
            else:
                techniques = walked_techniques(vertex, other, parallel, blocked)
                if not techniques:
                    continue
                marked.extend((to, technique, attrs) for technique, attrs
                              in walked_edges(parallel, techniques) if technique in marks)
            if ahead is not None and hops[to] == _UNSEEN:
                hops[to] = level
                ahead.append(to)
            row[to] = techniques
            pred[to].append(at)
        self.rows[at] = row
        if marked:
            self.marked[at] = marked

    def backward(self) -> None:
        """Mark the part: a walk backward from the targets through vertices whose hops from
        a source and to a target fit the bound together."""
        bound, pred, hops, on, index = self.question.max_hops, self.pred, self.hops, self.on, \
            self.index
        frontier = [index[t] for t in self.question.targets
                    if t in index and hops[index[t]] != _UNSEEN]
        for at in frontier:
            on[at] = True
        for level in range(1, bound + 1):
            ahead = []
            for vertex in frontier:
                for other in pred[vertex]:
                    if not on[other] and hops[other] + level <= bound:
                        on[other] = True
                        ahead.append(other)
            frontier = ahead

    def settle(self) -> list[int]:
        """Read the rows of the part's vertices at the bound, drop every edge with an end
        outside the part and put each vertex's in-edges in the graph's order; returns the
        part's vertices by number."""
        on, rows, pred, marked = self.on, self.rows, self.pred, self.marked
        part = [at for at, is_on in enumerate(on) if is_on]
        for at in part:
            if rows[at] is _UNREAD:
                # A target exactly at the bound: its edges lead nowhere new, yet they are
                # the part's when both ends are in it.
                self.read(at, self.question.max_hops, None)
        # Only the rows and in-edges touching a vertex outside the part change (at 150k
        # pods, to secrets: 89,000 rows of the part's 173,000, and 12,000 in-edge lists).
        rows_out: set[int] = set()
        preds_out: set[int] = set()
        for at, is_on in enumerate(on):
            if is_on:
                continue
            rows_out.update(other for other in pred[at] if on[other])
            preds_out.update(other for other in rows[at] if on[other])
            rows[at], pred[at] = _NO_ROW, _NO_PRED
            marked.pop(at, None)
        for at in rows_out:
            rows[at] = {to: t for to, t in rows[at].items() if on[to]}
            if at in marked:
                marked[at] = [step for step in marked[at] if on[step[0]]]
        for at in preds_out:
            pred[at] = [other for other in pred[at] if on[other]]
        for at in part:
            pred[at].sort()
        return part


def _hops(start: Iterable[str], step: Mapping[str, Mapping[str, Mapping[Any, Any]]],
          forward: bool, question: Question, ahead: Mapping[str, int] | None = None
          ) -> dict[str, int]:
    """Fewest walkable hops from ``start`` (forward) or to it (backward), up to the bound;
    with ``ahead`` (the forward walk's hops), only through vertices whose hops both ways
    fit the bound, which are all a route's vertices need."""
    bound, avoided, blocked = question.max_hops, question.avoided, question.blocked
    filtered = bool(blocked)
    hops = {vertex: 0 for vertex in start if vertex in step and vertex not in avoided
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


def walk_part(graph: nx.MultiDiGraph, question: Question, marks: Container[str] = ()
              ) -> Part:
    """The part of ``graph`` on some source-to-target route of ``question``, with the
    walkable edges between its vertices; ``marks``: the techniques whose edges
    :attr:`Part.marked` lists (the fixes' reader wants them, read in the same walk)."""
    if len(question.targets) <= FEW_TARGETS:
        ahead = _hops(question.sources, graph._succ, True, question)
        behind = _hops(question.targets, graph._pred, False, question, ahead)
        # The backward walk only passes through vertices whose hops both ways fit the
        # bound, and starts from targets the forward walk reached: it holds the route's
        # vertices.
        walk = _Walk(graph, question, marks, [v for v in graph._succ if v in behind])
        part = list(range(len(walk.names)))
        walk.on = [True] * len(part)
        for at in part:
            walk.read(at, 0, None)
    else:
        walk = _Walk(graph, question, marks, list(graph._succ))
        walk.forward()
        walk.backward()
        part = walk.settle()
    # Settled, every row is read: the part's, or none outside it.
    rows = walk.rows
    edges = sum(sum(map(len, rows[at].values())) for at in part)
    return Part([walk.names[at] for at in part], walk.names, walk.index, rows, walk.pred,
                edges, walk.marked)


def on_route(graph: nx.MultiDiGraph, question: Question) -> list[str]:
    """The vertices on some source-to-target route of at most ``question.max_hops`` hops,
    in the graph's order."""
    return walk_part(graph, question).vertices


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
