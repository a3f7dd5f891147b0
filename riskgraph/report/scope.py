"""The part of the attack graph a design review draws: the neighbourhood of a few vertices,
a namespace and what touches it, optionally with hubs and containers folded away.

The whole estate is a hairball past a few dozen vertices, so drawings are of a scope. The
selection walks the graph's adjacency without copying it; only the selected part (small by
construction, and checked against :data:`DRAWING_LIMIT`) becomes a graph of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from riskgraph import ids

#: The most vertices a drawing holds; past it dot's layout is unreadable (and slow).
DRAWING_LIMIT = 80


def _within(graph: nx.MultiDiGraph, seeds: Iterable[str], radius: int, *,
            forward: bool) -> set[str]:
    """Vertices at most ``radius`` steps from ``seeds`` along (or against) the edges."""
    seen = set(seeds)
    frontier = list(seen)
    adjacency = graph.succ if forward else graph.pred
    for _ in range(radius):
        following = []
        for vertex in frontier:
            for neighbour in adjacency[vertex]:
                if neighbour not in seen:
                    seen.add(neighbour)
                    following.append(neighbour)
        frontier = following
    return seen


def neighbourhood(graph: nx.MultiDiGraph, focus: Iterable[str] = (), radius: int = 2,
                  namespaces: Iterable[str] = ()) -> set[str]:
    """The vertices of a scope: ``radius`` steps out of and into each focus vertex, and
    every vertex of the namespaces with the vertices one step from them.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph.
    focus : iterable of str
        Vertex ids to centre on.
    radius : int, optional
        Steps walked from the focus, each way (default 2).
    namespaces : iterable of str
        Namespaces drawn whole, with what touches them.

    Returns
    -------
    set of str
        The selected vertex ids.
    """
    focus = [v for v in focus if v in graph]
    chosen = _within(graph, focus, radius, forward=True) | _within(graph, focus, radius,
                                                                   forward=False)
    wanted = set(namespaces)
    if wanted:
        inside = [v for v, ns in graph.nodes(data="namespace") if ns in wanted]
        chosen |= _within(graph, inside, 1, forward=True) | _within(graph, inside, 1,
                                                                    forward=False)
    return chosen


def _owner(vertex_id: str, attrs: dict[str, Any]) -> str:
    """The pod a container folds into; every other vertex stays itself."""
    if attrs.get("kind") == "Container" and attrs.get("pod") and attrs.get("namespace"):
        return ids.k8s_id("Pod", str(attrs["pod"]), str(attrs["namespace"]))
    return vertex_id


def _add(result: nx.MultiDiGraph, source: str, target: str, technique: str,
         attrs: dict[str, Any]) -> None:
    if source == target:
        return
    kept = result.get_edge_data(source, target, technique)
    if kept is None or attrs.get("cost", 1.0) < kept.get("cost", 1.0):
        result.add_edge(source, target, technique, **attrs)


def scoped(graph: nx.MultiDiGraph, vertices: set[str], collapse: bool = False
           ) -> nx.MultiDiGraph:
    """The selected vertices and the edges between them, as a graph of their own.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph.
    vertices : set of str
        The scope (see :func:`neighbourhood`).
    collapse : bool, optional
        Fold containers into their pods, and replace each hub that has edges both in and
        out of the scope by direct edges (carrying the technique of the edge into it).

    Returns
    -------
    networkx.MultiDiGraph
        A new, small graph; vertex and edge attributes are shared with ``graph``.
    """
    result = nx.MultiDiGraph()
    owner = {v: _owner(v, graph.nodes[v]) if collapse else v for v in vertices}
    for vertex in vertices:
        target = owner[vertex]
        result.add_node(target, **graph.nodes[target if target in graph else vertex])
    for source in vertices:
        for target, parallel in graph.succ[source].items():
            if target in vertices:
                for technique, attrs in parallel.items():
                    _add(result, owner[source], owner[target], str(technique), attrs)
    if collapse:
        _fold_hubs(result)
    return result


def _fold_hubs(result: nx.MultiDiGraph) -> None:
    hubs = [v for v, kind in result.nodes(data="kind") if kind == "Hub"]
    for hub in hubs:
        into = list(result.in_edges(hub, keys=True, data=True))
        out = list(result.out_edges(hub, keys=True))
        if not into or not out:
            continue
        for source, _, technique, attrs in into:
            folded = {**attrs, "reason": f"{attrs.get('reason', '')} (through {hub})"}
            for _, target, _ in out:
                _add(result, source, target, technique, folded)
        result.remove_node(hub)
