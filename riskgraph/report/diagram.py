"""Attack paths as Graphviz diagrams, for design reviews and notebooks.

The DOT source is built with the ``graphviz`` package and laid out by the real ``dot``
binary. Vertex ids contain colons and slashes, so nodes get safe names (``v0``, ``v1``, ...
in sorted id order, which also makes the output deterministic) and the real id goes in the
tooltip. Labels are Graphviz HTML-like labels built from ``html.escape``d text, so a name
holding quotes, backslashes or ``<>`` cannot break the DOT. Past
:data:`~riskgraph.report.diagram_parts.GROUPED_ABOVE` paths, a diagram given the route groups
(plain lists of path indices) draws one example route per group with a count badge.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Mapping

import graphviz

from riskgraph import ids
from riskgraph.errors import RenderError
from riskgraph.report.diagram_parts import (
    Drawn,
    Groups,
    drawn,
    edge_attrs,
    merged_edges,
    node_attrs,
    summary,
)
from riskgraph.report.diagram_style import (
    CLUSTER_BORDER,
    CLUSTER_FILL,
    EDGE_COLOR,
    MUTED,
    KindStyle,
    esc,
    legend_label,
    vertex_look,
)
from riskgraph.report.routes import Routes

FORMATS = ("dot", "svg", "png", "pdf")

_NO_DOT = (
    "cannot render {fmt}: Graphviz `dot` is not installed (or not on PATH). Install it with "
    "`apt-get install -y graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS). "
    "`--format dot` still works without it and prints the DOT source."
)


def dot_available() -> bool:
    """Whether Graphviz ``dot`` can be run, i.e. whether svg/png/pdf rendering will work."""
    try:
        graphviz.version()
    except (RuntimeError, subprocess.CalledProcessError):
        return False
    return True


Marks = Mapping[tuple[str, str, str], str]
#: Layout directions: left to right (wide screens), top to bottom (fits slides).
LAYOUTS = ("LR", "TB")


def to_dot(paths: Routes, title: str | None = None, *, marked: Marks | None = None,
           layout: str = "LR", groups: Groups | None = None) -> str:
    """The DOT source of a diagram of ``paths``.

    Parameters
    ----------
    paths : Routes
        Ranked attack paths; ``paths.vertices`` supplies kinds, names and namespaces.
    title : str, optional
        Heading of the diagram; defaults to "Attack paths".
    marked : mapping, optional
        Edges ``(source, target, technique)`` to draw as cut, with their label
        (``fix 1``): what ``riskgraph fixes`` takes away.
    layout : {"LR", "TB"}
        Left to right, or top to bottom (for slides).
    groups : sequence of sequences of int, optional
        The route groups, as indices into ``paths.paths`` (cheapest first in each): with
        more than ten paths, one example route per group is drawn, with a count badge.

    Returns
    -------
    str
        DOT source, identical for identical input.

    Raises
    ------
    RenderError
        On an unknown layout.
    """
    return str(_digraph(paths, title, marked or {}, layout, groups).source)


def render(paths: Routes, fmt: str, title: str | None = None, *,
           marked: Marks | None = None, layout: str = "LR",
           groups: Groups | None = None) -> bytes:
    """Render ``paths`` as ``dot``, ``svg``, ``png`` or ``pdf`` bytes.

    Parameters
    ----------
    paths : Routes
        Ranked attack paths.
    fmt : str
        One of :data:`FORMATS`; every format but ``dot`` runs the Graphviz ``dot`` binary.
    title : str, optional
        Heading of the diagram.
    marked, layout, groups
        As for :func:`to_dot`.

    Returns
    -------
    bytes
        The DOT source (UTF-8) or the rendered document.

    Raises
    ------
    RenderError
        On an unknown format or layout, when ``dot`` is not installed, or when ``dot`` fails.
    """
    if fmt not in FORMATS:
        raise RenderError(f"unknown diagram format {fmt!r}; choose one of {', '.join(FORMATS)}")
    digraph = _digraph(paths, title, marked or {}, layout, groups)
    if fmt == "dot":
        return str(digraph.source).encode()
    try:
        return bytes(digraph.pipe(format=fmt))
    except graphviz.ExecutableNotFound as exc:
        raise RenderError(_NO_DOT.format(fmt=fmt)) from exc
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        raise RenderError(f"dot failed to render {fmt}: {stderr.strip()}") from exc


def _new_digraph(paths: Routes, title: str | None, layout: str, routes: Drawn | None,
                 legend: str = "") -> graphviz.Digraph:
    if layout not in LAYOUTS:
        raise RenderError(f"unknown diagram layout {layout!r}; choose one of "
                          f"{', '.join(LAYOUTS)}")
    heading = (f'<FONT POINT-SIZE="16"><B>{esc(title or "Attack paths")}</B></FONT><BR/>'
               f'<FONT POINT-SIZE="10" COLOR="{MUTED}">{esc(summary(paths, routes))}</FONT>')
    if legend:
        # A label holding a table must be all table: heading and legend are its two rows.
        heading = (f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2"><TR><TD>{heading}</TD>'
                   f"</TR><TR><TD>{legend}</TD></TR></TABLE>")
    return graphviz.Digraph(
        "attack_paths",
        graph_attr={"rankdir": layout, "labelloc": "t", "fontname": "Helvetica",
                    "nodesep": "0.25", "ranksep": "0.45", "pad": "0.25",
                    "label": f"<{heading}>"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "margin": "0.1,0.04"},
        edge_attr={"fontname": "Helvetica", "fontsize": "8", "color": EDGE_COLOR,
                   "arrowsize": "0.7"},
    )


def _digraph(paths: Routes, title: str | None, marked: Marks, layout: str,
             groups: Groups | None) -> graphviz.Digraph:
    if not paths.paths:
        digraph = _new_digraph(paths, title, layout, None)
        digraph.node("empty", label="no attack paths found", shape="note", style="filled",
                     fillcolor="#f1f8e9", color="#558b2f", fontsize="12")
        return digraph
    routes = drawn(paths, groups)
    edges = merged_edges(routes)
    reaches: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in edges:
        reaches[source].add(_kind(paths, target))
    vertex_ids = sorted({v for _, route in routes.routes for v in route.vertices})
    node_names = {vertex_id: f"v{index}" for index, vertex_id in enumerate(vertex_ids)}
    entries = {route.source for _, route in routes.routes}
    targets = {route.target for _, route in routes.routes}
    by_namespace: dict[str | None, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    used: dict[KindStyle, set[str]] = defaultdict(set)
    for vertex_id in vertex_ids:
        attrs = paths.vertices.get(vertex_id, {})
        look = vertex_look(vertex_id, attrs, frozenset(reaches[vertex_id]))
        used[look.style].add(look.legend_name)
        namespace = attrs.get("namespace", ids.parse(vertex_id).namespace)
        by_namespace[namespace].append((node_names[vertex_id], node_attrs(
            vertex_id, attrs, look, vertex_id in entries, vertex_id in targets)))
    legend = legend_label(used, bool(entries), {e.step.confidence for e in edges.values()})
    digraph = _new_digraph(paths, title, layout, routes, legend)
    namespaces = sorted(ns for ns in by_namespace if ns is not None)
    for index, namespace in enumerate(namespaces):
        with digraph.subgraph(name=f"cluster_ns_{index}") as cluster:
            cluster.attr(label=f"<namespace <B>{esc(namespace)}</B>>", style="rounded,filled",
                         fillcolor=CLUSTER_FILL, color=CLUSTER_BORDER, fontsize="10",
                         fontcolor=MUTED, labeljust="l")
            for name, node in by_namespace[namespace]:
                cluster.node(name, **node)
    for name, node in by_namespace.get(None, []):
        digraph.node(name, **node)
    numbered = len(routes.routes) > 1
    for key, edge in edges.items():
        digraph.edge(node_names[key[0]], node_names[key[1]],
                     **edge_attrs(edge, routes.prefix, numbered, marked.get(key)))
    return digraph


def _kind(paths: Routes, vertex_id: str) -> str:
    return str(paths.vertices.get(vertex_id, {}).get("kind") or ids.parse(vertex_id).kind)
