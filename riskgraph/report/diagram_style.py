"""How each kind of vertex looks in a diagram, and how its label reads.

Kept apart from :mod:`riskgraph.report.diagram` so the palette can be reviewed (and changed) without
touching the DOT assembly. Colours are a light fill with a darker border of the same hue,
which stays legible when a diagram is printed in greyscale for a design review.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from riskgraph import ids

ENTRY_COLOR = "#c62828"
TARGET_FILL = "#d32f2f"
TARGET_BORDER = "#7f0000"
CLUSTER_FILL = "#f7f9fc"
CLUSTER_BORDER = "#9aa5b1"
EDGE_COLOR = "#37474f"
#: Edges a fix takes away.
CUT_COLOR = "#c62828"
MUTED = "#5f6b7a"

#: Line style of an edge by its confidence, and what the legend says about it.
CONFIDENCE_STYLE: dict[str, tuple[str, str]] = {
    "certain": ("solid", "certain step"),
    "likely": ("dashed", "likely (depends on runtime defaults)"),
    "possible": ("dotted", "possible (e.g. may be co-scheduled)"),
}

_NAME_LIMIT = 34

# Services whose ARNs name data an attacker wants, drawn as stores rather than principals.
_AWS_DATA_SERVICES = frozenset(
    {"s3", "dynamodb", "rds", "secretsmanager", "ssm", "kms", "ecr", "elasticfilesystem",
     "elasticache", "es", "redshift"})
_AWS_SERVICE_NAMES = {
    "iam": "IAM", "sts": "STS", "s3": "S3", "dynamodb": "DynamoDB", "rds": "RDS",
    "secretsmanager": "Secrets Manager", "ssm": "SSM", "kms": "KMS", "ecr": "ECR",
    "ec2": "EC2", "eks": "EKS", "lambda": "Lambda", "elasticfilesystem": "EFS",
    "elasticache": "ElastiCache", "es": "OpenSearch", "redshift": "Redshift",
}


@dataclass(frozen=True, slots=True)
class KindStyle:
    """Shape and colours shared by one group of kinds; ``group`` keys the legend."""

    group: str
    shape: str
    fill: str
    border: str
    rounded: bool = False


_INTERNET = KindStyle("internet", "ellipse", "#eceff1", "#455a64")
_POD = KindStyle("pod", "box", "#dbeafe", "#1d4ed8", rounded=True)
_CONTAINER = KindStyle("container", "component", "#e0f2fe", "#0369a1")
_IDENTITY = KindStyle("identity", "ellipse", "#dcfce7", "#15803d")
_SECRET = KindStyle("secret", "note", "#fef9c3", "#a16207")
_NETWORK = KindStyle("network", "hexagon", "#ede9fe", "#6d28d9")
_NODE = KindStyle("node", "box3d", "#e5e7eb", "#374151")
_RBAC = KindStyle("rbac", "tab", "#fae8ff", "#a21caf")
_ADMIN = KindStyle("admin", "doubleoctagon", "#fee2e2", "#991b1b")
_HUB = KindStyle("hub", "ellipse", "#ffffff", "#6b7280")
_AWS_PRINCIPAL = KindStyle("aws-principal", "box", "#ffedd5", "#c2410c")
_AWS_DATA = KindStyle("aws-data", "cylinder", "#ffedd5", "#c2410c")
_OTHER = KindStyle("other", "box", "#ffffff", "#6b7280")

_BY_KIND: dict[str, KindStyle] = {
    "Internet": _INTERNET, "Pod": _POD, "Container": _CONTAINER,
    "ServiceAccount": _IDENTITY, "User": _IDENTITY, "Group": _IDENTITY, "Secret": _SECRET,
    "Service": _NETWORK, "Ingress": _NETWORK, "Node": _NODE, "NodePool": _NODE,
    "RoleBinding": _RBAC, "ClusterRoleBinding": _RBAC, "Role": _RBAC, "ClusterRole": _RBAC,
    "ClusterAdmin": _ADMIN, "AWSAdmin": _ADMIN, "Hub": _HUB,
}

_LEGEND_ORDER = ("internet", "network", "pod", "container", "identity", "rbac", "secret",
                 "node", "aws-principal", "aws-data", "admin", "hub", "other")


@dataclass(frozen=True, slots=True)
class VertexLook:
    """Everything a diagram needs to draw one vertex."""

    style: KindStyle
    heading: str
    name: str
    legend_name: str


def legend_rank(group: str) -> int:
    """Position of a style group in the legend (roughly the order an attack walks them)."""
    return _LEGEND_ORDER.index(group) if group in _LEGEND_ORDER else len(_LEGEND_ORDER)


def shorten(text: str, limit: int = _NAME_LIMIT) -> str:
    """Cut the middle out of a long name; both ends carry the meaning (prefix, suffix)."""
    if len(text) <= limit:
        return text
    keep = (limit - 1) // 2
    return f"{text[:keep]}…{text[-keep:]}"


def _words(kind: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).lower()


def _arn_look(arn: str) -> VertexLook:
    found = ids.arn_parts(arn)
    if found is None:
        return VertexLook(_AWS_PRINCIPAL, "AWS", shorten(arn), "AWS resource")
    service, resource_type, resource_name = found
    if service == "s3" and not resource_type:
        resource_type = "bucket"
    if service == "iam":
        resource_name = resource_name.rsplit("/", 1)[-1]
    heading = f"{_AWS_SERVICE_NAMES.get(service, service)} {resource_type}".strip()
    if service in _AWS_DATA_SERVICES:
        return VertexLook(_AWS_DATA, heading, shorten(resource_name), "AWS data")
    return VertexLook(_AWS_PRINCIPAL, heading, shorten(resource_name), "AWS principal")


def _hub_look(vertex_id: str, reaches: frozenset[str]) -> VertexLook:
    _, capability, scope = vertex_id.split(":", 2) if vertex_id.count(":") >= 2 else (
        "", vertex_id, "")
    if reaches == {"Hub"}:
        what = "every namespace"
    elif len(reaches) == 1:
        what = f"any {_words(next(iter(reaches)))}"
    else:
        what = "any object"
    if scope.startswith("ns/"):
        where = f" in ns {scope[3:]}"
    elif scope == ids.CLUSTER_SCOPE and what != "every namespace":
        where = " cluster-wide"
    else:
        where = ""
    return VertexLook(_HUB, f"{what}{where}", f"({capability})", "aggregation hub")


def vertex_look(vertex_id: str, attrs: Mapping[str, Any], reaches: frozenset[str]) -> VertexLook:
    """How one vertex is drawn and labelled.

    Parameters
    ----------
    vertex_id : str
        The vertex id (see :mod:`riskgraph.ids`).
    attrs : dict
        Its attributes from ``Routes.vertices``; missing keys are recovered from the id.
    reaches : frozenset of str
        Kinds of the vertices the diagram's steps lead to from this one; a hub's label says
        what it aggregates ("any pod in ns shop").

    Returns
    -------
    VertexLook
        Style group, heading line (the kind), name line and the kind as the legend lists it.
    """
    identity = ids.parse(vertex_id)
    if vertex_id.startswith("arn:"):
        return _arn_look(vertex_id)
    kind = str(attrs.get("kind") or identity.kind)
    if kind == "Hub" or vertex_id.startswith("hub:"):
        return _hub_look(vertex_id, reaches)
    style = _BY_KIND.get(kind, _OTHER)
    # The id's name is the readable one for containers ("web/nginx", not just "nginx").
    name = identity.name if kind == "Container" else str(attrs.get("name") or identity.name)
    heading = kind
    count = int(attrs.get("replica_count") or 0)
    replicas = f"{count} replica{'s' if count > 1 else ''}" if count else ""
    if kind == "Pod" and (attrs.get("template_of") or count):
        workload = str(attrs.get("template_of") or attrs.get("owner") or "").split("/", 1)[0]
        heading = f"Pod ({', '.join(part for part in (workload, replicas) if part)})"
    elif kind == "Container" and count:
        heading = f"Container ({replicas})"
    elif kind == "ClusterAdmin":
        heading, name = "", "cluster-admin"
    elif kind == "AWSAdmin":
        heading = "AWS account admin"
    elif kind == "Internet":
        heading, name = "", "internet"
    legend_name = {"ClusterAdmin": "cluster-admin", "AWSAdmin": "AWS admin",
                   "Internet": "internet"}.get(kind, kind)
    return VertexLook(style, heading, shorten(name), legend_name)


def esc(text: object) -> str:
    """Text made safe for a Graphviz HTML-like label (and for HTML)."""
    return html.escape(str(text), quote=True)


def style_attrs(style: KindStyle) -> dict[str, str]:
    """Graphviz node attributes that draw a style group's shape and colours."""
    styles = ["filled", *(["rounded"] if style.rounded else []),
              *(["dashed"] if style.group == "hub" else [])]
    attrs = {"shape": style.shape, "style": ",".join(styles), "fillcolor": style.fill,
             "color": style.border}
    if style.group == "hub":
        attrs.update(margin="0.04,0.02", height="0.3")
    return attrs


#: Legend cells per row: the legend sits under the heading and stays a line or two.
LEGEND_PER_ROW = 5
#: How each line style is drawn in the legend (the legend is text, not sample edges).
_LINE_SAMPLES = {"solid": "\u2500\u2500\u2500", "dashed": "\u2500 \u2500",
                 "dotted": "\u00b7\u00b7\u00b7\u00b7"}


def _cell(text: str, fill: str, border: str, color: str = "#000000") -> str:
    return (f'<TD BGCOLOR="{fill}" COLOR="{border}"><FONT COLOR="{color}">{esc(text)}'
            "</FONT></TD>")


def legend_cells(used: Mapping[KindStyle, set[str]], has_entry: bool,
                 confidences: Iterable[str]) -> list[str]:
    """The legend's cells: the marks, each style group drawn (its fill and border, named by
    the kinds drawn in it) and each line style drawn, in the order an attack walks them."""
    cells = []
    if has_entry:
        cells.append(_cell("ENTRY: attacker starts", "#ffffff", ENTRY_COLOR, ENTRY_COLOR))
    cells.append(_cell("TARGET: attacker goal", TARGET_FILL, TARGET_BORDER, "#ffffff"))
    for style in sorted(used, key=lambda s: (legend_rank(s.group), s.group)):
        cells.append(_cell(", ".join(sorted(used[style])), style.fill, style.border))
    for confidence in sorted(set(confidences), key=list(CONFIDENCE_STYLE).index):
        line, meaning = CONFIDENCE_STYLE[confidence]
        cells.append(f'<TD BORDER="0">{_LINE_SAMPLES[line]} {esc(meaning)}</TD>')
    return cells


def legend_label(used: Mapping[KindStyle, set[str]], has_entry: bool,
                 confidences: Iterable[str]) -> str:
    """A compact legend of only the colours, marks and line styles the diagram uses.

    One small table (at most :data:`LEGEND_PER_ROW` cells a row, 7-point text) meant for the
    diagram's heading, so it never outweighs the paths nor takes part in their layout.

    Parameters
    ----------
    used : mapping
        Each style group drawn, with the kind names (as the legend lists them) drawn in it.
    has_entry : bool
        Whether an entry point is drawn (there is always a target).
    confidences : iterable of str
        The confidence levels of the drawn edges; one line-style sample each.

    Returns
    -------
    str
        A Graphviz HTML-like ``<TABLE>`` (without the enclosing ``<>``).
    """
    cells = legend_cells(used, has_entry, confidences)
    # One table a row, so each cell is as wide as its own text, not its column's widest.
    rows = [f'<TR><TD><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="2">'
            f'<TR>{"".join(cells[i:i + LEGEND_PER_ROW])}</TR></TABLE></TD></TR>'
            for i in range(0, len(cells), LEGEND_PER_ROW)]
    return ('<FONT POINT-SIZE="7"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" '
            f'CELLPADDING="0">{"".join(rows)}</TABLE></FONT>')
