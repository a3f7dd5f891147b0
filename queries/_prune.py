"""Walks over the part of a graph that matters to one question (:mod:`queries._part`):
:class:`Walker` tells which targets stay reachable at all, by hops alone, which is all
that measuring a fix needs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import NamedTuple

from queries._part import Part
from queries.paths import Question

Edge = tuple[str, str, str]


#: The hops of a vertex no walk reaches within the bound.
_UNSEEN = 1 << 30


class Walk(NamedTuple):
    """One hop-bounded walk from the sources with some edges taken away, by vertex index:
    the fewest hops (``_UNSEEN`` past the bound), the vertex first reached from, and how
    many walkable in-edges come from one hop nearer (``support``; -1 at a source), which
    tells what taking more edges away changes. ``dead``: the pairs with no edge left."""

    dead: frozenset[tuple[int, int]]
    hops: list[int]
    parent: list[int]
    support: list[int]
    #: For a walk updated from another: that walk's parents, and the vertices whose parent
    #: may differ from them (the others' are the same).
    since: tuple[list[int], set[int]] | None = None


class Walker:
    """Hop-bounded breadth-first walks over the part of a graph that matters to one
    question (:func:`queries._part.walk_part`; ``edges`` walkable edges). The walk with
    some edges taken away is kept (the last two), and a candidate fix is measured against
    it incrementally: only the vertices whose every nearest in-edge the fix removes, and
    those that hang on them, are walked again."""

    def __init__(self, question: Question, part: Part) -> None:
        self.question = question
        self.names, self.index, self.edges = part.names, part.index_of, part.edges
        self.succ, self.pred = part.succ, part.pred
        self._walks: dict[frozenset[Edge], Walk] = {}

    def _dead(self, edges: Iterable[Edge], blocked: frozenset[Edge]) -> set[tuple[int, int]]:
        """The vertex pairs of ``edges`` left with no walkable edge once ``blocked`` is
        taken away."""
        dead = set()
        for source, target, _ in edges:
            at, to = self.index.get(source), self.index.get(target)
            if at is None or to is None:
                continue
            techniques = self.succ[at].get(to)
            if techniques is not None and all((source, target, t) in blocked
                                              for t in techniques):
                dead.add((at, to))
        return dead

    def _levels(self, sources: Iterable[str], dead: frozenset[tuple[int, int]]) -> Walk:
        """A breadth-first walk from ``sources`` within the hop bound, ``dead`` not walked."""
        size = len(self.names)
        hops = [_UNSEEN] * size
        frontier = sorted(self.index[v] for v in sources if v in self.index)
        for source in frontier:
            hops[source] = 0
        succ = self.succ
        for level in range(1, self.question.max_hops + 1):
            ahead = []
            for vertex in frontier:
                for other in succ[vertex]:
                    if hops[other] == _UNSEEN and not (dead and (vertex, other) in dead):
                        hops[other] = level
                        ahead.append(other)
            if not ahead:
                break
            frontier = ahead
        walk = Walk(dead, hops, [-1] * size, [0] * size)
        self._tie(walk, range(size))
        return walk

    def _tie(self, walk: Walk, vertices: Iterable[int]) -> None:
        """Each vertex's support and parent (its first walkable in-edge from one hop
        nearer, in the adjacency's order, so that a walk updated in place picks the parent
        a fresh walk would)."""
        hops, dead, pred = walk.hops, walk.dead, self.pred
        for vertex in vertices:
            level = hops[vertex]
            if level == 0 or level == _UNSEEN:
                walk.support[vertex], walk.parent[vertex] = -1 if level == 0 else 0, -1
                continue
            count, first = 0, -1
            for other in pred[vertex]:
                if hops[other] == level - 1 and not (dead and (other, vertex) in dead):
                    count += 1
                    if first < 0:
                        first = other
            walk.support[vertex], walk.parent[vertex] = count, first

    def walk(self, blocked: frozenset[Edge] = frozenset()) -> Walk:
        """The walk from the question's sources with ``blocked`` taken away."""
        found = self._walks.get(blocked)
        if found is None:
            found = self._keep(blocked, self._levels(
                self.question.sources, frozenset(self._dead(blocked, blocked))))
        return found

    def _keep(self, blocked: frozenset[Edge], walk: Walk) -> Walk:
        if len(self._walks) >= 2:
            dropped = next(iter(self._walks))
            del self._walks[dropped]
        self._walks[blocked] = walk
        return walk

    def _unreached(self, targets: frozenset[str], blocked: frozenset[Edge]) -> frozenset[str]:
        """Which ``targets`` the walk with ``blocked`` taken away misses (outside the part
        too): looked up one by one, since the targets are fewer than the vertices (a
        question with many numbers every vertex of the graph)."""
        hops, index = self.walk(blocked).hops, self.index
        return frozenset(target for target in targets
                         if (at := index.get(target)) is None or hops[at] == _UNSEEN)

    def advance(self, blocked: frozenset[Edge], edges: Iterable[Edge]) -> frozenset[Edge]:
        """Take ``edges`` away as well as ``blocked``: the walk for the union is the walk for
        ``blocked`` updated where the edges change it (the same walk a fresh one would
        be). Returns the union."""
        union = blocked | frozenset(edges)
        if union in self._walks:
            return union
        walk = self.walk(blocked)
        newly = self._dead(union - blocked, union) - walk.dead
        shaken = self._shaken(walk, newly)
        rewalked = self._rewalked(walk, newly, shaken)
        hops = list(walk.hops)
        for vertex in shaken:
            hops[vertex] = rewalked.get(vertex, _UNSEEN)
        touched = set(shaken) | {to for _, to in newly}
        for vertex in shaken:
            touched.update(self.succ[vertex])
        moved = Walk(walk.dead | newly, hops, list(walk.parent), list(walk.support),
                     (walk.parent, touched))
        self._tie(moved, touched)
        self._keep(union, moved)
        return union

    def reached(self, targets: Iterable[str],
                blocked: frozenset[Edge] = frozenset()) -> frozenset[str]:
        """Which ``targets`` a walk from the question's sources reaches: those
        :func:`queries.paths.answer` finds a path to, since reachability within a hop bound
        needs only the fewest hops (a target that is also a source only from another
        source)."""
        sources, wanted = self.question.sources, frozenset(targets)
        others = wanted - sources
        return (others - self._unreached(others, blocked)) | \
            self._sources_reached(wanted & sources, blocked)

    def _sources_reached(self, both: Iterable[str], blocked: frozenset[Edge]) -> set[str]:
        """Which of ``both`` (targets that are sources) another source reaches."""
        dead = frozenset(self._dead(blocked, blocked))
        return {vertex for vertex in both if vertex in self.index and self._levels(
            self.question.sources - {vertex}, dead).hops[self.index[vertex]] != _UNSEEN}

    def lost(self, targets: Iterable[str], edges: Iterable[Edge],
             blocked: frozenset[Edge] = frozenset()) -> frozenset[str]:
        """Which ``targets`` no walk reaches once ``edges`` are taken away as well as
        ``blocked`` (those it misses already included): the same answer as
        ``targets - reached(targets, blocked | edges)``, measured against the walk with
        ``blocked`` alone."""
        wanted, sources = frozenset(targets), self.question.sources
        union = blocked | frozenset(edges)
        walk, others = self.walk(blocked), wanted - sources
        gone = set(self._unreached(others, blocked))
        left = others - gone
        gone |= (wanted & sources) - self._sources_reached(wanted & sources, union)
        newly = self._dead(union - blocked, union) - walk.dead
        shaken = self._shaken(walk, newly)
        hit = self.among(shaken, left)
        if hit:
            gone.update(self.names[v] for v in hit - self._rewalked(walk, newly, shaken).keys())
        return frozenset(gone)

    def among(self, numbers: Collection[int], vertices: Collection[str]) -> set[int]:
        """The ``numbers`` whose vertex is one of ``vertices``: whichever side is smaller is
        read one by one."""
        names, index = self.names, self.index
        if len(numbers) < len(vertices):
            return {at for at in numbers if names[at] in vertices}
        return {at for vertex in vertices if (at := index.get(vertex)) is not None
                and at in numbers}

    def _shaken(self, walk: Walk, newly: set[tuple[int, int]]) -> set[int]:
        """The vertices whose fewest hops grow once the ``newly`` dead pairs go: those
        whose every in-edge from one hop nearer is newly dead or comes from such a vertex."""
        hops, support, dead, bound = walk.hops, walk.support, walk.dead, self.question.max_hops
        lost: dict[int, int] = {}
        levels: list[list[int]] = [[] for _ in range(bound + 1)]
        for at, to in newly:
            if hops[at] != _UNSEEN and hops[to] == hops[at] + 1:
                lost[to] = lost.get(to, 0) + 1
                if lost[to] == support[to]:
                    levels[hops[to]].append(to)
        shaken: set[int] = set()
        for level in range(1, bound):
            for vertex in levels[level]:
                shaken.add(vertex)
                for other in self.succ[vertex]:
                    if hops[other] == level + 1 and (vertex, other) not in dead \
                            and (vertex, other) not in newly:
                        lost[other] = lost.get(other, 0) + 1
                        if lost[other] == support[other]:
                            levels[level + 1].append(other)
        shaken.update(levels[bound])
        return shaken

    def _rewalked(self, walk: Walk, newly: set[tuple[int, int]], shaken: set[int]
                  ) -> dict[int, int]:
        """The new hops of the shaken vertices still within the bound: walked again from
        the unshaken vertices next to them (whose hops stay as they were)."""
        hops, dead, bound = walk.hops, walk.dead, self.question.max_hops
        levels: list[list[int]] = [[] for _ in range(bound + 1)]
        for vertex in shaken:
            nearest = min((hops[other] for other in self.pred[vertex]
                           if other not in shaken and hops[other] < bound
                           and (other, vertex) not in dead and (other, vertex) not in newly),
                          default=_UNSEEN)
            if nearest != _UNSEEN:
                levels[nearest + 1].append(vertex)
        settled: dict[int, int] = {}
        for level in range(1, bound + 1):
            for vertex in levels[level]:
                if vertex in settled:
                    continue
                settled[vertex] = level
                if level < bound:
                    levels[level + 1].extend(
                        other for other in self.succ[vertex]
                        if other in shaken and other not in settled
                        and (vertex, other) not in dead and (vertex, other) not in newly)
        return settled

    def routes(self, targets: Iterable[str], blocked: frozenset[Edge]
               ) -> dict[str, list[tuple[str, str]]]:
        """One fewest-hop route (its vertex pairs) to each reachable target of ``targets``."""
        walk, names = self.walk(blocked), self.names
        parent = walk.parent
        found = {}
        for target in frozenset(targets) - self.question.sources:
            at = self.index.get(target)
            if at is None or walk.hops[at] == _UNSEEN:
                continue
            pairs = []
            while parent[at] >= 0:
                pairs.append((names[parent[at]], names[at]))
                at = parent[at]
            found[target] = pairs
        return found
