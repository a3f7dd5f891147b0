"""The single-file HTML report: a summary (counts, top findings, top fixes), the route groups
with their diagrams inline as SVG, findings by object and the catalog entries used.

Rendered from a Jinja2 template with autoescaping; nothing is fetched when it opens (no
scripts, fonts or stylesheets from elsewhere), so it works offline and as a CI artifact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from riskgraph.checks import Check, all_checks
from riskgraph.errors import RenderError
from riskgraph.report import diagram
from riskgraph.report.routes import Routes
from riskgraph.techniques import Technique, all_techniques

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _inline_svg(routes: Routes) -> str:
    """The diagram as an inline ``<svg>`` element, or a note when Graphviz is missing."""
    try:
        svg = diagram.render(routes, "svg").decode()
    except RenderError as error:
        return f"<p>(no diagram: {escape(str(error))})</p>"
    return _PROLOGUE.sub("", svg, count=1)


def html_report(findings: Mapping[str, Any], paths: Mapping[str, Any],
                group_routes: Sequence[Routes], fixes: Sequence[Mapping[str, Any]],
                question: Mapping[str, Any]) -> str:
    """The report of a ``findings`` document, the ``paths`` document of the same question
    (with its ``groups``), one Routes per group for its diagram, and the ranked fixes."""
    by_object: dict[str, list[Mapping[str, Any]]] = {}
    for row in findings["findings"]:
        by_object.setdefault(row["object"], []).append(row)
    used = {row["check"] for row in findings["findings"]} | {
        step["technique"] for path in paths["paths"] for step in path["steps"]}
    catalog: list[Check | Technique] = [c for c in all_checks() if c.id in used]
    catalog += [t for t in all_techniques() if t.id in used]
    groups = [{**group, "svg": _inline_svg(routes)}
              for group, routes in zip(paths["groups"], group_routes, strict=True)]
    environment = Environment(loader=PackageLoader("riskgraph.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("report.html.j2").render(
        findings=findings["findings"], by_severity=findings["summary"]["by_severity"],
        suppressed=findings["summary"]["suppressed"], paths=paths["paths"], groups=groups,
        fixes=fixes, by_object=by_object, catalog=sorted(catalog, key=lambda e: e.id),
        question=question)
