"""Every fix on the pruned part of a graph, with the edges it takes away.

At 150k pods the part holds about 800,000 fixable edges, nearly all fixed where their
evidence points, and about 220,000 distinct evidence tuples (the builder shares one tuple
among the edges that cite the same facts). So each pair's edges are read once, from the
walker's rows, and each evidence tuple is parsed once.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from queries._prune import Walker
from queries.fixpoints import Fix, can_fix_from, evidence_fix, fix_point
from riskgraph.edges import EdgeAttrs, EdgeKeys

Edge = tuple[str, str, str]
FixKey = tuple[str, str | None]
#: A fix's key -> the fix (the first edge's, in the part's order) and every edge it removes.
Candidates = dict[FixKey, tuple[Fix, set[Edge]]]
#: An evidence tuple's fix when none of its items names an object: the edge's source then.
_NAMES_NONE = Fix("", None, None)


def candidates(graph: nx.MultiDiGraph, walker: Walker
               ) -> tuple[Candidates, dict[Edge, FixKey]]:
    """Every fix on the walker's edges with the edges it takes away, and each of those
    edges' fix: the fix :func:`queries.fixpoints.fix_of` gives each walkable edge."""
    nodes, names = graph._node, walker.names
    kinds = {vertex: str(nodes[vertex]["kind"]) for vertex in names if nodes[vertex].get("kind")}
    owners = {vertex: str(nodes[vertex]["owner"]) for vertex in names
              if nodes[vertex].get("owner")}
    points = {t: fix_point(t) for t in {t for row in walker.succ for techniques in row.values()
                                        for t in techniques}}
    fixable = {t for t, point in points.items() if point}
    found: Candidates = {}
    owner: dict[Edge, FixKey] = {}
    by_evidence: dict[Any, Fix] = {}
    for source, row in zip(names, walker.succ, strict=True):
        # Most edges are structural (a pod holds its containers, a hub fans out): they are
        # told apart by their source or technique before any evidence is read.
        if not can_fix_from(source, kinds):
            continue
        neighbours, at_source = graph._succ[source], Fix(source, None, None)
        for to, techniques in row.items():
            if fixable.isdisjoint(techniques):
                continue
            target = names[to]
            for technique, attrs in _walked(neighbours[target], techniques):
                point = points.get(technique)
                if point is None:
                    continue
                if point == "target":
                    fix = Fix(target, None, None)
                elif point == "evidence":
                    evidence = attrs.get("evidence", ())
                    named = by_evidence.get(evidence) if type(evidence) is tuple else None
                    if named is None:
                        named = _by_evidence(evidence, owners, by_evidence)
                    fix = at_source if named is _NAMES_NONE else named
                else:
                    fix = at_source
                key = (fix.object, fix.field)
                held = found.get(key)
                if held is None:
                    held = found[key] = (fix, set())
                edge = (source, target, technique)
                held[1].add(edge)
                owner[edge] = key
    return found, owner


def _walked(parallel: Any, techniques: tuple[str, ...]) -> Any:
    """The techniques and attributes of one pair's walkable edges (``techniques``, the
    walker's row): a lone builder edge straight from its shared part, others read as
    :func:`queries.fixpoints.fix_of` reads them."""
    lone = parallel.lone if type(parallel) is EdgeKeys else None
    if type(lone) is EdgeAttrs and "technique" in lone.shared:
        return ((lone.shared["technique"], lone),)
    return [(technique, attrs) for attrs in parallel.values()
            if (technique := str(attrs.get("technique", ""))) in techniques
            and attrs.get("traversable", True)]


def _by_evidence(evidence: Any, owners: dict[str, str], known: dict[Any, Fix]) -> Fix:
    """:func:`~queries.fixpoints.evidence_fix` (``_NAMES_NONE`` for None), remembered per
    evidence tuple."""
    fix = evidence_fix(evidence, owners) or _NAMES_NONE
    if type(evidence) is tuple:
        known[evidence] = fix
    return fix
