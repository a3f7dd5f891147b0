"""A minimum cut between a question's sources and targets, in fixes.

Fixable edges carry capacity 1 (parallel edges add up), structural ones cannot be cut, so
the cut is the smallest set of changes that separates every source from every target; a
fix at a choke point many routes share counts once where the routes it serves would each
need their own change further out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

from queries.paths import Question

_SOURCE, _SINK = "\0source", "\0sink"


def cut_fixes(part: nx.MultiDiGraph, question: Question,
              owner: Mapping[tuple[str, str, str], Any]) -> set[Any]:
    """The fix keys (values of ``owner``, keyed by ``(source, target, technique)``) on a
    minimum cut of ``part`` without the edges ``question`` already takes away; empty when
    only structural steps separate them or nothing connects them."""
    flow = nx.DiGraph()
    blocked = question.blocked.edges
    for source, target, key, attrs in part.edges(keys=True, data=True):
        edge = (source, target, str(attrs.get("technique", key)))
        if edge in blocked:
            continue
        capacity = 1.0 if edge in owner else math.inf
        held = flow.get_edge_data(source, target)
        flow.add_edge(source, target,
                      capacity=capacity if held is None else held["capacity"] + capacity)
    sources = [v for v in question.sources if v in flow]
    targets = [v for v in question.targets if v in flow and v not in question.sources]
    if not sources or not targets:
        return set()
    flow.add_edges_from((_SOURCE, v) for v in sources)
    flow.add_edges_from((v, _SINK) for v in targets)
    try:
        value, (reached, _) = nx.minimum_cut(flow, _SOURCE, _SINK)
    except nx.NetworkXUnbounded:
        return set()
    if value == 0 or math.isinf(value):
        return set()
    crossing = ((u, v, str(attrs.get("technique", key)))
                for u in reached if u in part
                for v, parallel in part._succ[u].items() if v not in reached
                for key, attrs in parallel.items())
    return {owner[edge] for edge in crossing if edge in owner and edge not in blocked}
