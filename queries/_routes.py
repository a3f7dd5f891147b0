"""Which targets' routes each fix sits on, round after round of applied fixes.

Routes are the paths of the walk's tree to the targets, so a vertex's fixes are its
parent's plus those of one step, worked out once per vertex and kept across rounds: a
round's applied fix moves a few vertices to other parents (or takes a step's edges away),
and only those and the vertices that hang on them are worked out again. At 150k pods that
is a few hundred of the 80,000 tree vertices on the routes each round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import compress
from operator import ne
from typing import Any

from queries._prune import Walk, Walker

Edge = tuple[str, str, str]


class RouteFixes:
    """The fixes on each target's route in the walker's tree; ``owner`` gives each edge's
    fix (``(source, target, technique)`` -> key)."""

    def __init__(self, walker: Walker, owner: Mapping[Edge, Any]) -> None:
        self.walker, self.owner = walker, owner
        self._owners: dict[tuple[int, int], Any] = {}
        self._along: dict[int, tuple[Any, ...]] = {}
        self._seen: tuple[list[int], frozenset[Edge]] | None = None
        self._targets: frozenset[str] = frozenset()
        self._keys_of: dict[str, tuple[Any, ...]] = {}
        self._found: dict[Any, set[str]] = {}

    def on_routes(self, targets: Iterable[str], blocked: frozenset[Edge]
                  ) -> dict[Any, set[str]]:
        """Each fix -> the ``targets`` whose route (one fewest-hop route each, with
        ``blocked`` taken away) it sits on; a fix sits on a step when it owns every edge
        left there. The answer is kept and updated by the next call: read it before."""
        walker, question = self.walker, self.walker.question
        walk = walker.walk(blocked)
        hops, index = walk.hops, walker.index
        wanted = frozenset(targets) - question.sources
        stale = self._forget(walk, blocked)
        todo: frozenset[str] | set[str]
        if stale is None or not wanted <= self._targets:
            self._found, self._keys_of, todo = {}, {}, wanted
        else:
            todo = {walker.names[at] for at in walker.among(stale, wanted)}
            for target in (self._targets - wanted) | todo:
                self._drop(target)
        self._targets = wanted
        found, keys_of = self._found, self._keys_of
        for target in todo:
            at = index.get(target)
            if at is None or hops[at] > question.max_hops:
                continue
            keys = keys_of[target] = self._keys(at, walk.parent, blocked)
            for key in keys:
                held = found.get(key)
                if held is None:
                    found[key] = {target}
                else:
                    held.add(target)
        return found

    def _keys(self, at: int, parent: list[int], blocked: frozenset[Edge]) -> tuple[Any, ...]:
        """The fixes on the route to one vertex: its parent's plus one step's, each vertex
        worked out once and kept (routes are paths of one tree)."""
        along, known = self._along, self._owners
        climb = []
        vertex = at
        while vertex not in along and parent[vertex] >= 0:
            climb.append(vertex)
            vertex = parent[vertex]
        keys = along.get(vertex, ())
        for vertex in reversed(climb):
            pair = (parent[vertex], vertex)
            key = known.get(pair, self)
            if key is self:
                key = self._owner(pair, blocked)
                # A pair's owner is kept while none of its edges is blocked.
                if not self._touched(pair, blocked):
                    known[pair] = key
            keys = keys if key is None else (*keys, key)
            along[vertex] = keys
        return keys

    def _drop(self, target: str) -> None:
        for key in self._keys_of.pop(target, ()):
            held = self._found[key]
            held.discard(target)
            if not held:
                del self._found[key]

    def _forget(self, walk: Walk, blocked: frozenset[Edge]) -> set[int] | None:
        """Forget the fixes along the routes that changed since the last call (a new
        parent, a step whose edges were taken away, or such a vertex above) and return
        those vertices; None when nothing is kept."""
        parent = walk.parent
        seen, self._seen = self._seen, (parent, blocked)
        if seen is None or not seen[1] <= blocked:
            self._along, self._owners = {}, {}
            return None
        before, was_blocked = seen
        index = self.walker.index
        if before is parent:
            stale = set()
        elif walk.since is not None and walk.since[0] is before:
            # Updated from the walk seen last: only the vertices it touched can differ.
            stale = {vertex for vertex in walk.since[1] if before[vertex] != parent[vertex]}
        else:
            stale = set(compress(range(len(parent)), map(ne, before, parent)))
        for source, target, _ in blocked - was_blocked:
            if source in index and target in index:
                stale.add(index[target])
                self._owners.pop((index[source], index[target]), None)
        # A vertex is stale when its parent is: the stale vertices' subtrees join them.
        succ, below = self.walker.succ, list(stale)
        for vertex in below:
            for child in succ[vertex]:
                if parent[child] == vertex and child not in stale:
                    stale.add(child)
                    below.append(child)
        for vertex in stale:
            self._along.pop(vertex, None)
        return stale

    def _touched(self, pair: tuple[int, int], blocked: frozenset[Edge]) -> bool:
        names = self.walker.names
        source, step = names[pair[0]], names[pair[1]]
        return any((source, step, technique) in blocked
                   for technique in self.walker.succ[pair[0]][pair[1]])

    def _owner(self, pair: tuple[int, int], blocked: frozenset[Edge]) -> Any:
        """The fix that owns every edge left from one vertex to another, or None."""
        names, succ = self.walker.names, self.walker.succ
        source, step = names[pair[0]], names[pair[1]]
        keys = {self.owner.get((source, step, technique)) for technique in succ[pair[0]][pair[1]]
                if (source, step, technique) not in blocked}
        return keys.pop() if len(keys) == 1 else None
