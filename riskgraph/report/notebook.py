"""Attack paths as HTML for Jupyter: the diagram above a table of every step.

JupyterLab and the classic Notebook both style rendered HTML: images and SVGs shrink to the
output's width (``max-width: 100%``), tables are centred, laid out with fixed column widths
(JupyterLab) and their cells right-aligned.
A diagram shrunk to fit is unreadable, so these views carry inline styles, which win over
those rules in both front ends: the SVG keeps its natural size inside a container that
scrolls sideways, and tables and cells sit left. Each step's reason is printed under it, not
only kept in a tooltip.
"""

from __future__ import annotations

import contextlib

from riskgraph.errors import RenderError
from riskgraph.report import diagram
from riskgraph.report.diagram_parts import GROUPED_ABOVE, Groups, drawn, summary
from riskgraph.report.diagram_style import MUTED, esc
from riskgraph.report.routes import Route, Routes

#: The container a diagram scrolls sideways in, and the SVG kept at its natural size.
SCROLL_STYLE = "overflow-x:auto;overflow-y:hidden;max-width:100%"
SVG_STYLE = "max-width:none;width:auto;height:auto;display:block"
TABLE_STYLE = "margin-left:0;margin-right:auto;border-collapse:collapse;table-layout:auto"
CELL_STYLE = "text-align:left;vertical-align:top;padding:2px 8px"


def inline_svg(svg: str) -> str:
    """The SVG element of a rendered document (no XML prolog), kept at its natural size in
    a container that scrolls sideways."""
    element = svg[svg.find("<svg"):]
    element = element.replace("<svg", f'<svg style="{SVG_STYLE}"', 1)
    return f'<div class="riskgraph-diagram" style="{SCROLL_STYLE}">{element}</div>'


def _cell(tag: str, content: object) -> str:
    return f'<{tag} style="{CELL_STYLE}">{content}</{tag}>'


def _steps(route: Route) -> str:
    items = "".join(
        f"<li><code>{esc(step.source)}</code> &rarr; <code>{esc(step.target)}</code> "
        f"({esc(step.technique)}, {esc(step.confidence)})<br/>"
        f'<span class="riskgraph-reason" style="color:{MUTED}">{esc(step.reason)}</span></li>'
        for step in route.steps)
    return f'<ol style="margin:0;padding-left:1.5em;text-align:left">{items}</ol>'


def _group_of(groups: Groups | None, count: int) -> dict[int, str]:
    if groups is None or count <= GROUPED_ABOVE:
        return {}
    return {index: f"G{number}" for number, members in enumerate((g for g in groups if g), 1)
            for index in members}


def to_html(paths: Routes, title: str | None = None, *, layout: str = "LR",
            groups: Groups | None = None) -> str:
    """An HTML view of ``paths``: the SVG diagram (when ``dot`` is installed) and a table.

    Parameters
    ----------
    paths : Routes
        Ranked attack paths.
    title : str, optional
        Heading of the diagram and the table.
    layout : {"LR", "TB"}
        Direction of the diagram.
    groups : sequence of sequences of int, optional
        Route groups as path indices: past ten paths the diagram draws one route per group,
        and the table says which group each path is in.

    Returns
    -------
    str
        An HTML fragment; every piece of text from the paths is HTML-escaped.
    """
    parts = ['<div class="riskgraph-paths" style="text-align:left">']
    if paths.paths:
        # Without Graphviz the table below still tells every step.
        with contextlib.suppress(RenderError):
            parts.append(inline_svg(diagram.render(paths, "svg", title, layout=layout,
                                                   groups=groups).decode()))
    found = "" if paths.paths else "no attack paths found; "
    told = summary(paths, drawn(paths, groups))
    parts.append(f"<p><b>{esc(title or 'Attack paths')}</b>: {found}{esc(told)}</p>")
    if paths.paths:
        group_of = _group_of(groups, len(paths.paths))
        headings = ["rank", *(["group"] if group_of else []), "cost", "confidence", "steps"]
        parts.append(f'<table class="riskgraph-table" style="{TABLE_STYLE}"><thead><tr>'
                     + "".join(_cell("th", h) for h in headings) + "</tr></thead><tbody>")
        for index, path in enumerate(paths.paths):
            cells = [index + 1, *([group_of.get(index, "")] if group_of else []),
                     f"{path.cost:g}", esc(path.confidence), _steps(path)]
            parts.append("<tr>" + "".join(_cell("td", c) for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "\n".join(parts)
