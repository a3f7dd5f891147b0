"""Attack paths as Graphviz diagrams (for design reviews) and as HTML (for notebooks).

The DOT source is built with the ``graphviz`` package and laid out by the real ``dot``
binary. Vertex ids contain colons and slashes, so nodes get safe names (``v0``, ``v1``, ...
in sorted id order, which also makes the output deterministic) and the real id goes in the
tooltip. Labels are Graphviz HTML-like labels built from ``html.escape``d text, so a name
holding quotes, backslashes or ``<>`` cannot break the DOT.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import graphviz

from riskgraph import ids
from riskgraph.errors import RenderError
from riskgraph.report.diagram_style import (
    CLUSTER_BORDER,
    CLUSTER_FILL,
    CONFIDENCE_STYLE,
    CUT_COLOR,
    EDGE_COLOR,
    ENTRY_COLOR,
    MUTED,
    TARGET_BORDER,
    TARGET_FILL,
    KindStyle,
    VertexLook,
    add_legend,
    esc,
    style_attrs,
    vertex_look,
)
from riskgraph.report.routes import Routes, RouteStep

FORMATS = ("dot", "svg", "png", "pdf")

_NO_DOT = (
    "cannot render {fmt}: Graphviz `dot` is not installed (or not on PATH). Install it with "
    "`apt-get install -y graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS). "
    "`--format dot` still works without it and prints the DOT source."
)


@dataclass
class _Edge:
    """One drawn edge: every path step with the same source, target and technique."""

    step: RouteStep
    path_numbers: list[int] = field(default_factory=list)


def dot_available() -> bool:
    """Whether Graphviz ``dot`` can be run, i.e. whether svg/png/pdf rendering will work."""
    try:
        graphviz.version()
    except (RuntimeError, subprocess.CalledProcessError):
        return False
    return True


Marks = Mapping[tuple[str, str, str], str]


def to_dot(paths: Routes, title: str | None = None, *, marked: Marks | None = None) -> str:
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

    Returns
    -------
    str
        DOT source, identical for identical input.
    """
    return str(_digraph(paths, title, marked or {}).source)


def render(paths: Routes, fmt: str, title: str | None = None, *,
           marked: Marks | None = None) -> bytes:
    """Render ``paths`` as ``dot``, ``svg``, ``png`` or ``pdf`` bytes.

    Parameters
    ----------
    paths : Routes
        Ranked attack paths.
    fmt : str
        One of :data:`FORMATS`; every format but ``dot`` runs the Graphviz ``dot`` binary.
    title : str, optional
        Heading of the diagram.
    marked : mapping, optional
        Edges to draw as cut, as for :func:`to_dot`.

    Returns
    -------
    bytes
        The DOT source (UTF-8) or the rendered document.

    Raises
    ------
    RenderError
        On an unknown format, when ``dot`` is not installed, or when ``dot`` fails.
    """
    if fmt not in FORMATS:
        raise RenderError(f"unknown diagram format {fmt!r}; choose one of {', '.join(FORMATS)}")
    digraph = _digraph(paths, title, marked or {})
    if fmt == "dot":
        return str(digraph.source).encode()
    try:
        return bytes(digraph.pipe(format=fmt))
    except graphviz.ExecutableNotFound as exc:
        raise RenderError(_NO_DOT.format(fmt=fmt)) from exc
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        raise RenderError(f"dot failed to render {fmt}: {stderr.strip()}") from exc


def _tooltip(*lines: str) -> str:
    """A tooltip (a DOT escString): backslashes doubled, lines joined with DOT's ``\\n``."""
    text = "\\n".join(line.replace("\\", "\\\\") for line in lines)
    return cast(str, graphviz.nohtml(text))  # nohtml: a tooltip like "<x>" is not HTML


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(paths: Routes) -> str:
    if not paths.paths:
        return (f"searched {_counted(paths.sources, 'entry point')} and "
                f"{_counted(paths.targets, 'target')}")
    cheapest = min(path.cost for path in paths.paths)
    text = f"{_counted(len(paths.paths), 'attack path')} · cheapest cost {cheapest:g}"
    return text + (" · truncated: more paths exist" if paths.truncated else "")


def _merged_edges(paths: Routes) -> dict[tuple[str, str, str], _Edge]:
    edges: dict[tuple[str, str, str], _Edge] = {}
    for number, path in enumerate(paths.paths, start=1):
        for step in path.steps:
            edge = edges.setdefault((step.source, step.target, step.technique), _Edge(step))
            if number not in edge.path_numbers:
                edge.path_numbers.append(number)
    return dict(sorted(edges.items()))


def _node_label(look: VertexLook, entry: bool, target: bool) -> str:
    muted = "#ffe4e4" if target else MUTED
    marks = [mark for mark, on in (("ENTRY", entry), ("TARGET", target)) if on]
    rows = []
    if marks:
        color = "#ffffff" if target else ENTRY_COLOR
        rows.append(f'<FONT POINT-SIZE="8" COLOR="{color}"><B>{" · ".join(marks)}</B></FONT>')
    if look.style.group == "hub":
        rows.append(f'<FONT POINT-SIZE="8">{esc(look.heading)}</FONT>')
        rows.append(f'<FONT POINT-SIZE="7" COLOR="{muted}">{esc(look.name)}</FONT>')
    else:
        if look.heading:
            rows.append(f'<FONT POINT-SIZE="8" COLOR="{muted}">{esc(look.heading)}</FONT>')
        rows.append(f"<B>{esc(look.name)}</B>")
    return "<" + "<BR/>".join(rows) + ">"


def _node_attrs(vertex_id: str, attrs: Mapping[str, Any], look: VertexLook,
                entry: bool, target: bool) -> dict[str, str]:
    node = style_attrs(look.style)
    node["label"] = _node_label(look, entry, target)
    tooltip = [vertex_id]
    if attrs.get("template_of"):
        tooltip.append(f"from {attrs['template_of']}")
    if attrs.get("crown_jewel"):
        tooltip.append(f"crown jewel: {attrs['crown_jewel']}")
    node["tooltip"] = _tooltip(*tooltip)
    if entry:
        node.update(peripheries="2", color=ENTRY_COLOR, penwidth="2")
    if target:
        node.update(fillcolor=TARGET_FILL, fontcolor="#ffffff", penwidth="2")
        node["color"] = ENTRY_COLOR if entry else TARGET_BORDER
    return node


def _edge_attrs(edge: _Edge, numbered: bool, mark: str | None) -> dict[str, str]:
    step = edge.step
    line, _ = CONFIDENCE_STYLE.get(step.confidence, ("solid", ""))
    numbers = " ".join(f"#{n}" for n in edge.path_numbers)
    label = esc(step.technique)
    if numbered:
        label += f'<BR/><FONT POINT-SIZE="7" COLOR="{MUTED}">{numbers}</FONT>'
    tooltip = _tooltip(f"{step.technique} ({step.confidence}): {step.reason}", f"paths {numbers}")
    attrs = {"label": f"<{label}>", "style": line,
             "penwidth": f"{min(1.0 + 0.5 * (len(edge.path_numbers) - 1), 3.0):g}",
             "tooltip": tooltip}
    if mark is not None:
        attrs.update(color=CUT_COLOR, fontcolor=CUT_COLOR, penwidth="3",
                     label=f'<<B>&#x2702; {esc(mark)}</B><BR/>{label}>')
    return attrs


def _new_digraph(paths: Routes, title: str | None) -> graphviz.Digraph:
    heading = esc(title or "Attack paths")
    return graphviz.Digraph(
        "attack_paths",
        graph_attr={"rankdir": "LR", "labelloc": "t", "fontname": "Helvetica",
                    "nodesep": "0.25", "ranksep": "0.45", "pad": "0.25",
                    "label": f'<<FONT POINT-SIZE="16"><B>{heading}</B></FONT><BR/>'
                             f'<FONT POINT-SIZE="10" COLOR="{MUTED}">{esc(_summary(paths))}'
                             "</FONT>>"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "margin": "0.1,0.04"},
        edge_attr={"fontname": "Helvetica", "fontsize": "8", "color": EDGE_COLOR,
                   "arrowsize": "0.7"},
    )


def _digraph(paths: Routes, title: str | None, marked: Marks) -> graphviz.Digraph:
    digraph = _new_digraph(paths, title)
    if not paths.paths:
        digraph.node("empty", label="no attack paths found", shape="note", style="filled",
                     fillcolor="#f1f8e9", color="#558b2f", fontsize="12")
        return digraph
    edges = _merged_edges(paths)
    reaches: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in edges:
        reaches[source].add(_kind(paths, target))
    vertex_ids = sorted({v for path in paths.paths for v in path.vertices})
    node_names = {vertex_id: f"v{index}" for index, vertex_id in enumerate(vertex_ids)}
    entries = {path.source for path in paths.paths}
    targets = {path.target for path in paths.paths}
    by_namespace: dict[str | None, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    used: dict[KindStyle, set[str]] = defaultdict(set)
    for vertex_id in vertex_ids:
        attrs = paths.vertices.get(vertex_id, {})
        look = vertex_look(vertex_id, attrs, frozenset(reaches[vertex_id]))
        used[look.style].add(look.legend_name)
        namespace = attrs.get("namespace", ids.parse(vertex_id).namespace)
        by_namespace[namespace].append((node_names[vertex_id], _node_attrs(
            vertex_id, attrs, look, vertex_id in entries, vertex_id in targets)))
    # Defined first, the legend is laid out below the paths (dot stacks components in order).
    add_legend(digraph, used, bool(entries), {e.step.confidence for e in edges.values()})
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
    numbered = len(paths.paths) > 1
    for key, edge in edges.items():
        digraph.edge(node_names[key[0]], node_names[key[1]],
                     **_edge_attrs(edge, numbered, marked.get(key)))
    return digraph


def _kind(paths: Routes, vertex_id: str) -> str:
    return str(paths.vertices.get(vertex_id, {}).get("kind") or ids.parse(vertex_id).kind)


def to_html(paths: Routes, title: str | None = None) -> str:
    """An HTML view of ``paths``: the SVG diagram (when ``dot`` is installed) and a table.

    Parameters
    ----------
    paths : Routes
        Ranked attack paths.
    title : str, optional
        Heading of the diagram and the table.

    Returns
    -------
    str
        An HTML fragment; every piece of text from the paths is HTML-escaped.
    """
    parts = ['<div class="riskgraph-paths">']
    if paths.paths:
        try:
            svg = render(paths, "svg", title).decode()
        except RenderError:
            svg = ""
        if svg:
            parts.append(f'<div style="overflow:auto">{svg[svg.find("<svg"):]}</div>')
    found = "" if paths.paths else "no attack paths found; "
    parts.append(f"<p><b>{esc(title or 'Attack paths')}</b>: {found}{esc(_summary(paths))}</p>")
    if paths.paths:
        parts.append("<table><thead><tr><th>rank</th><th>cost</th><th>confidence</th>"
                     "<th>steps</th></tr></thead><tbody>")
        for rank, path in enumerate(paths.paths, start=1):
            steps = "".join(
                f'<li title="{esc(step.reason)}"><code>{esc(step.source)}</code> &rarr; '
                f"<code>{esc(step.target)}</code> ({esc(step.technique)}, "
                f"{esc(step.confidence)})</li>" for step in path.steps)
            parts.append(f"<tr><td>{rank}</td><td>{path.cost:g}</td>"
                         f"<td>{esc(path.confidence)}</td><td><ol>{steps}</ol></td></tr>")
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "\n".join(parts)
