"""Findings: one row per (object, check), from posture checks and fixable technique edges,
each counted by the attack paths its object sits on.

A posture check (:mod:`riskgraph.checks`) flags an object by reading the inventory. A
technique edge whose fix point (:func:`queries.fixpoints.fix_of`) is a configurable object
flags that object with the technique's id as the check. A path passes through an object
when the object is one of its vertices, the workload behind one of its template pods or
containers, or the fix point of one of its steps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from queries.baseline import finding_fingerprint
from queries.catalog import technique as catalog_entry
from queries.fixpoints import fix_of
from queries.paths import answer, ask
from queries.pathset import PathSet
from queries.suppress import Ignore, annotations_by_object, suppression
from riskgraph import ids
from riskgraph.checks import all_checks
from riskgraph.estate.inventory import Inventory

SEVERITY_WEIGHT = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}


@dataclass(frozen=True)
class Finding:
    """One object one check flags, as ``findings --format json`` lists it."""

    check: str
    object: str
    severity: str
    title: str
    reason: str
    evidence: tuple[str, ...]
    remediation: str
    confidence: str
    kind: str
    paths: int = 0
    file: str | None = None
    line: int | None = None
    suppressed: str | None = None

    @property
    def fingerprint(self) -> str:
        """Stable identity across runs: the check and the object, never the wording."""
        return finding_fingerprint({"check": self.check, "object": self.object})

    @property
    def score(self) -> int:
        return SEVERITY_WEIGHT.get(self.severity, 1) * self.paths

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "kind": self.kind, "object": self.object,
                "severity": self.severity, "title": self.title, "reason": self.reason,
                "evidence": list(self.evidence), "remediation": self.remediation,
                "confidence": self.confidence, "file": self.file, "line": self.line,
                "paths": self.paths, "fingerprint": self.fingerprint,
                **({"suppressed": self.suppressed} if self.suppressed else {})}


@dataclass(frozen=True)
class FindingSet:
    """Active findings, worst first, and the suppressed ones (counted, never dropped)."""

    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()
    paths: PathSet = field(default_factory=lambda: PathSet((), 0, 0), repr=False)

    def to_dict(self) -> dict[str, Any]:
        by_severity = Counter(f.severity for f in self.findings)
        by_check = Counter(f.check for f in self.findings)
        return {"findings": [f.to_dict() for f in self.findings],
                "summary": {"by_severity": {s: by_severity[s] for s in SEVERITY_WEIGHT
                                            if by_severity[s]},
                            "by_check": dict(sorted(by_check.items())),
                            "suppressed": [f.to_dict() for f in self.suppressed]}}


def posture_findings(inv: Inventory, selected: Iterable[str] | None = None,
                     skipped: Iterable[str] = ()) -> list[Finding]:
    """Every posture check's findings (only ``selected`` ids when given, never ``skipped``)."""
    wanted = None if selected is None else set(selected)
    found = []
    for check in all_checks():
        if check.id in set(skipped) or (wanted is not None and check.id not in wanted):
            continue
        for item in check.find(inv):
            found.append(Finding(check.id, item.object, check.severity, check.title,
                                 item.reason, item.evidence, check.remediation,
                                 item.confidence, "posture"))
    return found


def edge_findings(graph: nx.MultiDiGraph, selected: Iterable[str] | None = None,
                  skipped: Iterable[str] = ()) -> list[Finding]:
    """One finding per (fix point, technique) of the graph's fixable edges, a fix point on
    a pod or container counted once for its workload; ``info`` techniques (bookkeeping
    steps) are left out."""
    wanted = None if selected is None else set(selected)
    kinds = {vertex: str(kind) for vertex, kind in graph.nodes(data="kind") if kind}
    owners = {vertex: str(owner) for vertex, owner in graph.nodes(data="owner") if owner}
    template_of = {v: str(t) for v, t in graph.nodes(data="template_of") if t}
    seen: dict[tuple[str, str], Finding] = {}
    for source, target, technique_id, attrs in graph.edges(keys=True, data=True):
        entry = catalog_entry(str(technique_id))
        if entry is None or entry.severity == "info" or technique_id in set(skipped) \
                or (wanted is not None and technique_id not in wanted):
            continue
        fix = fix_of(source, target, attrs, kinds, owners)
        if fix is None:
            continue
        obj = _workload_of(fix.object, template_of, owners) \
            if fix.object.startswith(("k8s:Pod:", "k8s:Container:")) else None
        obj = obj or fix.object
        if (obj, entry.id) in seen:
            continue
        seen[(obj, entry.id)] = Finding(
            entry.id, obj, entry.severity, entry.title, str(attrs.get("reason", "")),
            tuple(str(e) for e in attrs.get("evidence", ())), entry.remediation,
            str(attrs.get("confidence", "certain")), "technique")
    return list(seen.values())


def _workload_of(vertex: str, template_of: Mapping[str, str],
                 owners: Mapping[str, str]) -> str | None:
    """The workload id behind a pod or one of its containers: a template pod's controller,
    or the controller a live replica's ownerReferences name."""
    parsed = ids.parse(vertex)
    if parsed.kind == "Container" and parsed.namespace is not None:
        vertex = ids.k8s_id("Pod", parsed.name.split("/", 1)[0], parsed.namespace)
        parsed = ids.parse(vertex)
    owner = template_of.get(vertex) or owners.get(vertex)
    if owner is None or parsed.namespace is None:
        return None
    kind, _, name = owner.partition("/")
    return ids.k8s_id(kind, name, parsed.namespace)


def path_counts(graph: nx.MultiDiGraph, found: PathSet) -> Counter[str]:
    """How many of the paths pass through each object (see the module docstring)."""
    kinds = {vertex: str(kind) for vertex, kind in graph.nodes(data="kind") if kind}
    owners = {vertex: str(owner) for vertex, owner in graph.nodes(data="owner") if owner}
    template_of = {v: str(t) for v, t in graph.nodes(data="template_of") if t}
    counts: Counter[str] = Counter()
    for path in found:
        touched = set(path.vertices)
        touched.update(w for v in path.vertices
                       if (w := _workload_of(v, template_of, owners)))
        for step in path.steps:
            fix = fix_of(step.source, step.target, {"technique": step.technique,
                                                    "evidence": step.evidence}, kinds, owners)
            if fix is not None:
                touched.add(fix.object)
        counts.update(touched)
    return counts


def location(inv: Inventory, obj: str) -> tuple[str | None, int | None]:
    """The manifest file and line of a Kubernetes object id, when its line is known."""
    if not obj.startswith("k8s:"):
        return None, None
    parsed = ids.parse(obj)
    place = inv.location(parsed.kind, parsed.namespace, parsed.name)
    return (place[0], place[1]) if place is not None and place[1] else (None, None)


def findings(graph: nx.MultiDiGraph, inv: Inventory, sources: str | Iterable[str] = "internet",
             targets: str | Iterable[str] = "secret", *, max_hops: int = 8,
             sensitive: Iterable[str] = (), checks: Iterable[str] | None = None,
             skip_checks: Iterable[str] = (), ignores: Iterable[Ignore] = (),
             annotations: Mapping[str, Mapping[str, str]] | None = None,
             locations: Mapping[str, tuple[str, int | None]] | None = None) -> FindingSet:
    """Posture and technique findings, with path counts, worst (severity x paths) first.

    Objects annotated ``riskgraph.io/ignore`` and ``ignores`` (the ``--ignore-file``
    entries) suppress findings. A finding names the file and line of its object when the
    object was read from a manifest (not live, and not an item of a List).
    """
    found = answer(graph, ask(graph, sources, targets, max_hops=max_hops,
                              sensitive=sensitive), top=None)
    counts = path_counts(graph, found)
    rows = posture_findings(inv, checks, skip_checks) + edge_findings(graph, checks, skip_checks)
    annotations = annotations_by_object(inv)
    active: list[Finding] = []
    suppressed: list[Finding] = []
    for row in rows:
        file, line = location(inv, row.object)
        row = replace(row, paths=counts[row.object], file=file, line=line,
                      suppressed=suppression(row.check, row.object,
                                             annotations.get(row.object, {}), ignores))
        (suppressed if row.suppressed else active).append(row)
    active.sort(key=lambda f: (-f.score, -SEVERITY_WEIGHT.get(f.severity, 1), f.check, f.object))
    return FindingSet(tuple(active), tuple(suppressed), found)
