"""A drawing of part of the attack graph itself (not of paths), for architecture reviews.

Same look as the path diagrams (:mod:`riskgraph.report.diagram_style`): namespaces as
clusters, shapes by kind, edges labelled with their technique and dashed or dotted by
confidence; entry points and crown jewels marked, the focus drawn bold. A drawing is
scaled down to fit :data:`MAX_INCHES` on its longer side (1,536 px at 96 dpi), so a review
page never needs scrolling; the SVG stays zoomable.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Iterable

import graphviz
import networkx as nx

from riskgraph import ids
from riskgraph.errors import RenderError
from riskgraph.report.diagram_style import (
    CLUSTER_BORDER,
    CLUSTER_FILL,
    CONFIDENCE_STYLE,
    EDGE_COLOR,
    ENTRY_COLOR,
    MUTED,
    TARGET_BORDER,
    KindStyle,
    esc,
    legend_label,
    style_attrs,
    vertex_look,
)

MAX_INCHES = 16

_NO_DOT = ("cannot render {fmt}: Graphviz `dot` is not installed (or not on PATH); "
           "`--format dot` prints the DOT source without it")


def _node(vertex_id: str, graph: nx.MultiDiGraph, focus: bool) -> tuple[dict[str, str],
                                                                       KindStyle, str]:
    attrs = graph.nodes[vertex_id]
    reaches = frozenset(str(graph.nodes[t].get("kind", "")) for t in graph.succ[vertex_id])
    look = vertex_look(vertex_id, attrs, reaches)
    node = style_attrs(look.style)
    marks = [m for m, on in (("ENTRY", attrs.get("entry")), ("TARGET", attrs.get("crown_jewel")))
             if on]
    rows = [f'<FONT POINT-SIZE="8" COLOR="{ENTRY_COLOR}"><B>{" · ".join(marks)}</B></FONT>'
            ] if marks else []
    if look.heading:
        rows.append(f'<FONT POINT-SIZE="8" COLOR="{MUTED}">{esc(look.heading)}</FONT>')
    rows.append(f"<B>{esc(look.name)}</B>")
    node["label"] = "<" + "<BR/>".join(rows) + ">"
    node["tooltip"] = graphviz.nohtml(vertex_id.replace("\\", "\\\\"))
    if attrs.get("entry"):
        node.update(peripheries="2", color=ENTRY_COLOR)
    if attrs.get("crown_jewel"):
        node.update(color=TARGET_BORDER, penwidth="2")
    if focus:
        node.update(penwidth="3")
    return node, look.style, look.legend_name


def _digraph(graph: nx.MultiDiGraph, title: str, focus: Iterable[str]) -> graphviz.Digraph:
    digraph = graphviz.Digraph(
        "attack_graph",
        graph_attr={"rankdir": "LR", "labelloc": "t", "fontname": "Helvetica",
                    "nodesep": "0.15", "ranksep": "0.35", "pad": "0.2",
                    "size": f"{MAX_INCHES},{MAX_INCHES}", "newrank": "true",
                    "label": f'<<FONT POINT-SIZE="14"><B>{esc(title)}</B></FONT><BR/>'
                             f'<FONT POINT-SIZE="9" COLOR="{MUTED}">'
                             f"{graph.number_of_nodes()} vertices · "
                             f"{graph.number_of_edges()} edges</FONT>>"},
        node_attr={"fontname": "Helvetica", "fontsize": "9", "margin": "0.08,0.03"},
        edge_attr={"fontname": "Helvetica", "fontsize": "7", "color": EDGE_COLOR,
                   "arrowsize": "0.6"})
    focused = set(focus)
    names = {v: f"v{i}" for i, v in enumerate(sorted(graph))}
    used: dict[KindStyle, set[str]] = defaultdict(set)
    by_namespace: dict[str | None, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for vertex_id in sorted(graph):
        node, style, legend = _node(vertex_id, graph, vertex_id in focused)
        used[style].add(legend)
        namespace = graph.nodes[vertex_id].get("namespace", ids.parse(vertex_id).namespace)
        by_namespace[namespace].append((names[vertex_id], node))
    legend = legend_label(used, any(graph.nodes[v].get("entry") for v in graph),
                          {str(c) for _, _, c in graph.edges(data="confidence",
                                                             default="certain")})
    # A label holding a table must be all table: heading and legend are its two rows.
    digraph.attr(label=f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2"><TR><TD>'
                       f'<FONT POINT-SIZE="14"><B>{esc(title)}</B></FONT><BR/>'
                       f'<FONT POINT-SIZE="9" COLOR="{MUTED}">{graph.number_of_nodes()} '
                       f"vertices · {graph.number_of_edges()} edges</FONT></TD></TR>"
                       f"<TR><TD>{legend}</TD></TR></TABLE>>")
    for index, namespace in enumerate(sorted(ns for ns in by_namespace if ns is not None)):
        with digraph.subgraph(name=f"cluster_ns_{index}") as cluster:
            cluster.attr(label=f"<namespace <B>{esc(namespace)}</B>>", style="rounded,filled",
                         fillcolor=CLUSTER_FILL, color=CLUSTER_BORDER, fontsize="9",
                         fontcolor=MUTED, labeljust="l")
            for name, node in by_namespace[namespace]:
                cluster.node(name, **node)
    for name, node in by_namespace.get(None, []):
        digraph.node(name, **node)
    for source, target, technique, attrs in sorted(graph.edges(keys=True, data=True),
                                                   key=lambda e: (e[0], e[1], e[2])):
        line, _ = CONFIDENCE_STYLE.get(str(attrs.get("confidence")), ("solid", ""))
        digraph.edge(names[source], names[target], label=esc(technique), style=line,
                     tooltip=graphviz.nohtml(str(attrs.get("reason", "")).replace("\\", "\\\\")))
    return digraph


def graph_to_dot(graph: nx.MultiDiGraph, title: str, focus: Iterable[str] = ()) -> str:
    """The DOT source of a drawing of ``graph`` (a scope, see :mod:`riskgraph.report.scope`).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The vertices and edges to draw.
    title : str
        Heading of the drawing.
    focus : iterable of str
        Vertices drawn with a bold border.

    Returns
    -------
    str
        DOT source, identical for identical input.
    """
    return str(_digraph(graph, title, focus).source)


def render_graph(graph: nx.MultiDiGraph, fmt: str, title: str, focus: Iterable[str] = ()
                 ) -> bytes:
    """Render a drawing of ``graph`` as ``svg``, ``png`` or ``pdf`` with Graphviz ``dot``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The vertices and edges to draw.
    fmt : str
        Output format understood by ``dot``.
    title : str
        Heading of the drawing.
    focus : iterable of str
        Vertices drawn with a bold border.

    Returns
    -------
    bytes
        The rendered document.

    Raises
    ------
    RenderError
        When ``dot`` is missing or fails.
    """
    try:
        return bytes(_digraph(graph, title, focus).pipe(format=fmt))
    except graphviz.ExecutableNotFound as exc:
        raise RenderError(_NO_DOT.format(fmt=fmt)) from exc
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        raise RenderError(f"dot failed to render {fmt}: {stderr.strip()}") from exc
