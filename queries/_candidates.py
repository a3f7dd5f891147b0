"""Every fix on the pruned part of a graph, with the edges it takes away.

At 150k pods the part holds about 800,000 fixable edges, nearly all fixed where their
evidence points, and about 220,000 distinct evidence tuples (the builder shares one tuple
among the edges that cite the same facts). So each edge is read once: the walk that finds
the part (:func:`~queries._part.walk_part`) marks the edges of techniques with a fix point,
a :class:`FixReader` reads them, and each evidence tuple is parsed once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import networkx as nx

from queries._part import Part, Step
from queries.catalog import fix_points
from queries.fixpoints import Fix, can_fix_from, evidence_fix

Edge = tuple[str, str, str]
FixKey = tuple[str, str | None]
#: A fix's key -> the fix (the first edge's, in the part's order) and every edge it removes.
Candidates = dict[FixKey, tuple[Fix, set[Edge]]]
#: An evidence tuple's fix when none of its items names an object: the edge's source then.
_NAMES_NONE: tuple[Fix, FixKey] = (Fix("", None, None), ("", None))


class FixReader:
    """Reads the fix of each walkable edge of a part whose technique has a fix point (the
    edges :func:`~queries._part.walk_part` marked, given :meth:`marks`): ``found``, every
    fix with the edges it takes away (the fix :func:`queries.fixpoints.fix_of` gives each;
    :class:`Owners` tells an edge's)."""

    def __init__(self, graph: nx.MultiDiGraph, part: Part) -> None:
        nodes = graph._node
        self.kinds = {vertex: str(nodes[vertex]["kind"]) for vertex in part.vertices
                      if nodes[vertex].get("kind")}
        self.owners = {vertex: str(nodes[vertex]["owner"]) for vertex in part.vertices
                       if nodes[vertex].get("owner")}
        #: Technique id -> where its step is fixed, for the techniques that have a fix point.
        self.points: Mapping[str, str] = self.marks()
        self.found: Candidates = {}
        self._by_evidence: dict[Any, tuple[Fix, FixKey]] = {}
        for at in sorted(part.marked):
            vertex = part.names[at]
            if self.wants(vertex):
                self.read(vertex, part.marked[at], part.names)

    @staticmethod
    def marks() -> dict[str, str]:
        """The techniques whose edges the reader reads: those with a fix point."""
        return fix_points()

    def wants(self, source: str) -> bool:
        """Whether an edge out of ``source`` can be a fix (not out of a hub or a power)."""
        return can_fix_from(source, self.kinds)

    def read(self, source: str, edges: list[Step], names: Sequence[str]) -> None:
        """Take the walkable edges (target's number in ``names``, technique, attributes)
        out of ``source`` whose technique has a fix point."""
        points, found, by_evidence = self.points, self.found, self._by_evidence
        # Nearly every fix is where an edge's evidence points: the source's own is made once
        # needed.
        at_source: tuple[Fix, FixKey] | None = None
        named: tuple[Fix, FixKey] | None
        for to, technique, attrs in edges:
            target, point, named = names[to], points[technique], None
            if point == "evidence":
                evidence = attrs.get("evidence", ())
                named = by_evidence.get(evidence) if type(evidence) is tuple else None
                if named is None:
                    named = self._evidence_fix(evidence)
            elif point == "target":
                named = (Fix(target, None, None), (target, None))
            if named is None or named is _NAMES_NONE:
                if at_source is None:
                    at_source = (Fix(source, None, None), (source, None))
                named = at_source
            fix, key = named
            held = found.get(key)
            if held is None:
                held = found[key] = (fix, set())
            held[1].add((source, target, technique))

    def _evidence_fix(self, evidence: Any) -> tuple[Fix, FixKey]:
        """:func:`~queries.fixpoints.evidence_fix` and its key (``_NAMES_NONE`` for None),
        remembered per evidence tuple."""
        fix = evidence_fix(evidence, self.owners)
        named = _NAMES_NONE if fix is None else (fix, fix.key)
        if type(evidence) is tuple:
            self._by_evidence[evidence] = named
        return named


class Owners(Mapping[Edge, FixKey]):
    """Each edge a :class:`FixReader` read -> its fix's key, told when asked: the key the
    reader gives the edge, when the edge is among that fix's edges. A dict of every edge
    would cost an entry per edge (800,000 at 150k pods), and routes ask about a tenth.
    It holds the reader, never the other way round: no cycle keeps either alive."""

    def __init__(self, reader: FixReader, graph: nx.MultiDiGraph) -> None:
        self._reader, self._succ = reader, graph._succ

    def get(self, edge: Edge, default: Any = None) -> Any:
        source, target, technique = edge
        reader = self._reader
        point = reader.points.get(technique)
        parallel = self._succ.get(source, {}).get(target)
        if point is None or parallel is None or not reader.wants(source):
            return default
        owner = default
        # As the reader reads them: each edge of the technique (the last one whose fix
        # holds it, as a dict written edge by edge would).
        for attrs in parallel.values():
            if str(attrs.get("technique", "")) != technique:
                continue
            named = None
            if point == "evidence":
                evidence = attrs.get("evidence", ())
                named = reader._by_evidence.get(evidence) if type(evidence) is tuple else None
                if named is None:
                    named = reader._evidence_fix(evidence)
            key = (target, None) if point == "target" else (source, None) \
                if named is None or named is _NAMES_NONE else named[1]
            held = reader.found.get(key)
            if held is not None and edge in held[1]:
                owner = key
        return owner

    def __getitem__(self, edge: Edge) -> FixKey:
        key: FixKey | None = self.get(edge)
        if key is None:
            raise KeyError(edge)
        return key

    def __contains__(self, edge: object) -> bool:
        return type(edge) is tuple and len(edge) == 3 and self.get(edge) is not None

    def __iter__(self) -> Iterator[Edge]:
        for _, edges in self._reader.found.values():
            yield from edges

    def __len__(self) -> int:
        return sum(len(edges) for _, edges in self._reader.found.values())
