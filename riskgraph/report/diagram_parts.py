"""The pieces of a diagram: which routes it draws (every path, or one per route group),
the edges they merge into, and each vertex's and edge's Graphviz attributes.

Kept apart from :mod:`riskgraph.report.diagram`, which assembles them into one digraph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import graphviz

from riskgraph.report.diagram_style import (
    CONFIDENCE_STYLE,
    CUT_COLOR,
    EDGE_COLOR,
    ENTRY_COLOR,
    MUTED,
    TARGET_BORDER,
    TARGET_FILL,
    VertexLook,
    esc,
    style_attrs,
)
from riskgraph.report.routes import Route, Routes, RouteStep

#: More paths than this, and a diagram given the route groups draws one route per group.
GROUPED_ABOVE = 10

Groups = Sequence[Sequence[int]]


@dataclass(frozen=True)
class Drawn:
    """The routes a diagram draws, numbered as their edges cite them (``#2``, or ``G2`` for
    a route group), with each group's badge (its paths and targets) when grouped."""

    routes: tuple[tuple[int, Route], ...]
    prefix: str = "#"
    badges: Mapping[int, str] = field(default_factory=dict)


def drawn(paths: Routes, groups: Groups | None) -> Drawn:
    """Every path; or, given ``groups`` (each a list of indices into ``paths.paths``, the
    first the group's cheapest) and more than :data:`GROUPED_ABOVE` paths, one worked
    example per group."""
    if groups is None or len(paths.paths) <= GROUPED_ABOVE:
        return Drawn(tuple(enumerate(paths.paths, start=1)))
    routes, badges = [], {}
    for number, members in enumerate((g for g in groups if g), start=1):
        routes.append((number, paths.paths[members[0]]))
        reached = len({paths.paths[i].target for i in members})
        badges[number] = (f"G{number}: {counted(len(members), 'path')}, "
                          f"{counted(reached, 'target')}")
    return Drawn(tuple(routes), "G", badges)


@dataclass
class Edge:
    """One drawn edge: every drawn step with the same source, target and technique; the
    numbers of the routes through it, and the badges of the groups it ends."""

    step: RouteStep
    numbers: list[int] = field(default_factory=list)
    badges: list[str] = field(default_factory=list)


def merged_edges(routes: Drawn) -> dict[tuple[str, str, str], Edge]:
    """The drawn steps merged per (source, target, technique), in sorted key order."""
    edges: dict[tuple[str, str, str], Edge] = {}
    for number, route in routes.routes:
        for step in route.steps:
            edge = edges.setdefault((step.source, step.target, step.technique), Edge(step))
            if number not in edge.numbers:
                edge.numbers.append(number)
        if number in routes.badges:
            last = route.steps[-1]
            edges[(last.source, last.target, last.technique)].badges.append(
                routes.badges[number])
    return dict(sorted(edges.items()))


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(paths: Routes, routes: Drawn | None = None) -> str:
    """The line under the heading: how many paths, the cheapest cost, what is drawn."""
    if not paths.paths:
        return (f"searched {counted(paths.sources, 'entry point')} and "
                f"{counted(paths.targets, 'target')}")
    cheapest = min(path.cost for path in paths.paths)
    text = f"{counted(len(paths.paths), 'attack path')} · cheapest cost {cheapest:g}"
    if routes is not None and routes.prefix == "G":
        text += (f" · {counted(len(routes.routes), 'route group')}, one example route "
                 "drawn per group")
    return text + (" · truncated: more paths exist" if paths.truncated else "")


def tooltip(*lines: str) -> str:
    """A tooltip (a DOT escString): backslashes doubled, lines joined with DOT's ``\\n``."""
    text = "\\n".join(line.replace("\\", "\\\\") for line in lines)
    return cast(str, graphviz.nohtml(text))  # nohtml: a tooltip like "<x>" is not HTML


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


def node_attrs(vertex_id: str, attrs: Mapping[str, Any], look: VertexLook,
               entry: bool, target: bool) -> dict[str, str]:
    """Graphviz attributes of one vertex: its style, label, marks and id as tooltip."""
    node = style_attrs(look.style)
    node["label"] = _node_label(look, entry, target)
    lines = [vertex_id]
    if attrs.get("template_of"):
        lines.append(f"from {attrs['template_of']}")
    if attrs.get("replicas"):
        lines.append(f"{len(attrs['replicas'])} replicas: "
                     + ", ".join(f"{pod} on {node}" for pod, node in
                                 list(attrs["replicas"].items())[:5]))
    if attrs.get("crown_jewel"):
        lines.append(f"crown jewel: {attrs['crown_jewel']}")
    node["tooltip"] = tooltip(*lines)
    if entry:
        node.update(peripheries="2", color=ENTRY_COLOR, penwidth="2")
    if target:
        node.update(fillcolor=TARGET_FILL, fontcolor="#ffffff", penwidth="2")
        node["color"] = ENTRY_COLOR if entry else TARGET_BORDER
    return node


def edge_attrs(edge: Edge, prefix: str, numbered: bool, mark: str | None) -> dict[str, str]:
    """Graphviz attributes of one edge: technique, route numbers, group badges, the cut."""
    step = edge.step
    line, _ = CONFIDENCE_STYLE.get(step.confidence, ("solid", ""))
    numbers = " ".join(f"{prefix}{n}" for n in edge.numbers)
    rows = [esc(step.technique)]
    if mark is not None:
        rows.insert(0, f'<FONT COLOR="{CUT_COLOR}"><B>&#x2702; {esc(mark)}</B></FONT>')
    if numbered:
        rows.append(f'<FONT POINT-SIZE="7" COLOR="{MUTED}">{numbers}</FONT>')
    label = "<BR/>".join(rows)
    if edge.badges:
        # A badge is a filled cell, and a label holding a table must be all table.
        cells = "".join(f'<TR><TD BGCOLOR="{EDGE_COLOR}"><FONT COLOR="#ffffff" POINT-SIZE="7">'
                        f"<B>{esc(badge)}</B></FONT></TD></TR>" for badge in edge.badges)
        label = (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="1">'
                 f"<TR><TD>{label}</TD></TR>{cells}</TABLE>")
    lines = [f"{step.technique} ({step.confidence}): {step.reason}",
             f"{'groups' if prefix == 'G' else 'paths'} {numbers}", *edge.badges]
    weight = len(edge.numbers) - 1
    attrs = {"label": f"<{label}>", "style": line,
             "penwidth": f"{min(1.0 + 0.5 * weight, 3.0):g}", "tooltip": tooltip(*lines)}
    if mark is not None:
        attrs.update(color=CUT_COLOR, fontcolor=CUT_COLOR, penwidth="3")
    return attrs
