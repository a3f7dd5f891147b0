"""Every fix on the pruned part of a graph, with the edges it takes away.

At 150k pods the part holds about 800,000 fixable edges, nearly all fixed where their
evidence points, and about 220,000 distinct evidence tuples (the builder shares one tuple
among the edges that cite the same facts). So each edge is read once, as the walker's
adjacency is built (:class:`~queries._prune.Walker` hands it to a :class:`FixReader`), and
each evidence tuple is parsed once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx

from queries.catalog import fix_points
from queries.fixpoints import Fix, can_fix_from, evidence_fix

Edge = tuple[str, str, str]
FixKey = tuple[str, str | None]
#: A fix's key -> the fix (the first edge's, in the part's order) and every edge it removes.
Candidates = dict[FixKey, tuple[Fix, set[Edge]]]
#: An evidence tuple's fix when none of its items names an object: the edge's source then.
_NAMES_NONE: tuple[Fix, FixKey] = (Fix("", None, None), ("", None))


class FixReader:
    """Reads the fix of each walkable edge a walker is built from: ``found``, every fix
    with the edges it takes away, and ``owner``, each of those edges' fix (the fix
    :func:`queries.fixpoints.fix_of` gives it). ``keep``: the part's vertices."""

    def __init__(self, graph: nx.MultiDiGraph, keep: Sequence[str]) -> None:
        nodes = graph._node
        self.kinds = {vertex: str(nodes[vertex]["kind"]) for vertex in keep
                      if nodes[vertex].get("kind")}
        self.owners = {vertex: str(nodes[vertex]["owner"]) for vertex in keep
                       if nodes[vertex].get("owner")}
        #: Technique id -> where its step is fixed, for the techniques that have a fix point.
        self.points: Mapping[str, str] = fix_points()
        self.found: Candidates = {}
        self.owner: dict[Edge, FixKey] = {}
        self._by_evidence: dict[Any, tuple[Fix, FixKey]] = {}
        self._source = ""
        self._at_source: tuple[Fix, FixKey] = _NAMES_NONE

    def start(self, source: str) -> bool:
        """Whether an edge out of ``source`` can be a fix (not out of a hub or a power)."""
        if not can_fix_from(source, self.kinds):
            return False
        self._source, self._at_source = source, (Fix(source, None, None), (source, None))
        return True

    def read(self, target: str, technique: str, attrs: Mapping[str, Any]) -> None:
        """Take one walkable edge from the started source, of a technique with a fix point."""
        point = self.points[technique]
        fix: Fix
        key: FixKey
        if point == "target":
            fix, key = Fix(target, None, None), (target, None)
        elif point == "evidence":
            evidence = attrs.get("evidence", ())
            named = self._by_evidence.get(evidence) if type(evidence) is tuple else None
            if named is None:
                named = self._evidence_fix(evidence)
            fix, key = self._at_source if named is _NAMES_NONE else named
        else:
            fix, key = self._at_source
        held = self.found.get(key)
        if held is None:
            held = self.found[key] = (fix, set())
        edge = (self._source, target, technique)
        held[1].add(edge)
        self.owner[edge] = key

    def _evidence_fix(self, evidence: Any) -> tuple[Fix, FixKey]:
        """:func:`~queries.fixpoints.evidence_fix` and its key (``_NAMES_NONE`` for None),
        remembered per evidence tuple."""
        fix = evidence_fix(evidence, self.owners)
        named = _NAMES_NONE if fix is None else (fix, fix.key)
        if type(evidence) is tuple:
            self._by_evidence[evidence] = named
        return named
