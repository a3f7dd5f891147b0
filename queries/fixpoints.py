"""What a person changes to take an attacker step away: the fix point of each edge.

A fix is one change to one object: a field of a manifest (the container's
``securityContext.privileged``), a binding, a node group's metadata options, a principal's
policy. Several edges can share a fix (every replica's container comes from one Deployment
field; every grant of a binding goes with the binding), so edges are grouped by
:class:`Fix`. Structural steps (a pod holds its containers, an aggregation hub fans out to
what it covers, an account admin does anything in its account) are never a fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from queries.catalog import technique as catalog_entry
from riskgraph import ids

#: Vertex kinds that stand for a power, not a configurable object: an edge out of one
#: is what the power already means.
_POWER_KINDS = frozenset({"Hub", "ClusterAdmin", "AWSAdmin", "Internet"})
#: Evidence objects riskgraph names: vertex ids, ARNs and AWS resource ids with a version.
_OBJECT_PREFIXES = ("k8s:", "arn:", "lt-", "access-entry ")


@dataclass(frozen=True, slots=True)
class Fix:
    """One change: ``field`` of ``object`` (None when the whole object is what changes)."""

    object: str
    field: str | None
    value: str | None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.object, self.field)

    def change(self, techniques: Iterable[str]) -> str:
        """A short sentence saying what to change."""
        if self.field is not None:
            now = f" (now {self.value})" if self.value is not None else ""
            return f"change {self.field} of {self.object}{now}"
        steps = sorted(set(techniques))
        if len(steps) == 1:
            return f"take the {steps[0]} step away from {self.object}"
        return f"narrow or remove {self.object}, which allows {', '.join(steps)}"


def parse_evidence(item: str) -> tuple[str, str | None, str | None] | None:
    """``<object>: <field>=<value>`` into its parts; None when ``item`` names no object.

    >>> parse_evidence('k8s:Deployment:web/api: spec.template.spec.hostPID=true')
    ('k8s:Deployment:web/api', 'spec.template.spec.hostPID', 'true')
    >>> parse_evidence('arn:aws:iam::aws:policy/Admin Statement[0] allows * on *') is None
    True
    """
    obj, sep, rest = item.partition(": ")
    if not sep or not obj.startswith(_OBJECT_PREFIXES):
        return None
    field, eq, value = rest.partition("=")
    return obj, field.strip() or None, value if eq else None


def can_fix_from(source: str, kinds: Mapping[str, str]) -> bool:
    """Whether an edge out of ``source`` can be a fix: not out of a vertex that stands for
    a power (a hub, cluster-admin, an account admin, the internet)."""
    kind = kinds.get(source) or ids.parse(source).kind
    return kind not in _POWER_KINDS and not source.startswith("hub:")


def fix_point(technique: str) -> str | None:
    """Where the catalog says a technique's step is fixed (``source``, ``target`` or
    ``evidence``), or None for a structural step or an id the catalog lacks."""
    entry = catalog_entry(technique)
    return None if entry is None else entry.fix_point


def fix_of(source: str, target: str, attrs: Mapping[str, Any], kinds: Mapping[str, str],
           owners: Mapping[str, str] | None = None) -> Fix | None:
    """The fix that removes one edge, or None for a structural step.

    ``kinds`` maps vertex ids to their ``kind`` attribute (the graph's, or a PathSet's
    vertices); a missing kind is read from the id. ``owners`` maps live pods to the
    workload their replicas come from (``Deployment/api``): a field of one replica is
    fixed in the workload's template, for every replica at once.
    """
    point = fix_point(str(attrs.get("technique", "")))
    if point is None or not attrs.get("traversable", True) or not can_fix_from(source, kinds):
        return None
    return fix_at(point, source, target, attrs, owners or {})


def fix_at(point: str, source: str, target: str, attrs: Mapping[str, Any],
           owners: Mapping[str, str]) -> Fix:
    """The fix of a traversable edge out of a vertex a fix can start from
    (:func:`can_fix_from`) whose technique is fixed at ``point``: what :func:`fix_of`
    tells once those are checked."""
    if point == "target":
        return Fix(target, None, None)
    if point == "evidence":
        named = evidence_fix(attrs.get("evidence", ()), owners)
        if named is not None:
            return named
    return Fix(source, None, None)


def evidence_fix(evidence: Iterable[Any], owners: Mapping[str, str]) -> Fix | None:
    """The fix the first evidence item naming an object points at (a live replica's spec
    moved to its workload's template), or None when no item names one; it depends on the
    evidence alone, so an edge's evidence tuple, shared by many edges, is read once."""
    for item in evidence:
        parsed = parse_evidence(str(item))
        if parsed is not None:
            return _in_template(Fix(*parsed), owners)
    return None


def _in_template(fix: Fix, owners: Mapping[str, str]) -> Fix:
    """A fix of a live replica's spec, moved to its workload's pod template."""
    owner = owners.get(fix.object)
    if owner is None or fix.field is None or not fix.field.startswith("spec."):
        return fix
    kind, _, name = owner.partition("/")
    namespace = ids.parse(fix.object).namespace
    return Fix(ids.k8s_id(kind, name, namespace), f"spec.template.{fix.field}", fix.value)
