"""Route groups: paths that take the same route pattern, told once.

Two paths are in one group when they walk the same sequence of techniques through the same
shared vertices (hubs, node pools, nodes, IAM principals, bindings, groups, the cluster- and
account-admin powers) and differ only in the instances at their ends and along the way:
which entry, which workload, replica, container or service account, which target. A
group's *fix first* is the change on its route that every member shares (a choke point),
the smallest such change when there are several.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from queries.fixes import FixLab
from queries.fixpoints import Fix, fix_of
from queries.pathset import AttackPath, PathSet
from riskgraph import ids

#: Kinds of the instances a group's members may differ in; every other intermediate vertex
#: is shared by the whole group.
INSTANCE_KINDS = frozenset({"Pod", "Container", "Service", "Ingress", "ServiceAccount",
                            "Secret", "Namespace", "Internet"})
#: Candidate fixes measured per group when a FixLab is given.
_MEASURED = 3


@dataclass(frozen=True, slots=True)
class RouteGroup:
    """Paths of one route pattern: ``members`` index into the PathSet's paths, cheapest
    first; ``fix_first`` is the change shared by every member, when one exists."""

    pattern: tuple[str, ...]
    via: tuple[str, ...]
    members: tuple[int, ...]
    targets: int
    target_kinds: tuple[tuple[str, int], ...]
    fix_first: Fix | None = None
    fix_first_technique: str | None = None
    measured: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The group as ``paths --format json`` lists it under ``groups``."""
        fix = self.fix_first
        return {"pattern": list(self.pattern), "via": list(self.via),
                "paths": list(self.members), "targets": self.targets,
                "target_kinds": dict(self.target_kinds),
                "fix_first": None if fix is None else {
                    "object": fix.object, "field": fix.field,
                    "technique": self.fix_first_technique, "measured": self.measured,
                    "change": fix.change([self.fix_first_technique or ""])}}


def _kind(vertices: Mapping[str, Mapping[str, Any]], vertex: str) -> str:
    return str(vertices.get(vertex, {}).get("kind") or ids.parse(vertex).kind)


def pattern_of(path: AttackPath, vertices: Mapping[str, Mapping[str, Any]]
               ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(technique ids, shared intermediate vertices) of one path: its group key. A hub
    entered from another hub is the fan-out toward one target (``hub:secrets-read:cluster``
    -> ``hub:secrets-read:ns/shop``), so it varies with the target and is not shared."""
    pattern = tuple(step.technique for step in path.steps)
    via = tuple(step.target for step in path.steps[:-1]
                if _kind(vertices, step.target) not in INSTANCE_KINDS
                and not (step.source.startswith("hub:") and step.target.startswith("hub:")))
    return pattern, via


def _fixes(path: AttackPath, kinds: Mapping[str, str], owners: Mapping[str, str]
           ) -> list[tuple[Fix, str]]:
    """Each fixable step of a path as (fix, technique), in route order."""
    found = []
    for step in path.steps:
        fix = fix_of(step.source, step.target,
                     {"technique": step.technique, "evidence": step.evidence}, kinds, owners)
        if fix is not None:
            found.append((fix, step.technique))
    return found


def _fix_first(per_member: list[list[tuple[Fix, str]]], overall: Counter[Any],
               targets: set[str], lab: FixLab | None) -> tuple[Fix | None, str | None]:
    """The change most members share (every member, for a choke point); among those, the
    one most paths of the whole answer share (one fix at a shared choke point beats many at
    the edges), then the earliest on the route, since it cuts everything after it. With a
    :class:`~queries.fixes.FixLab`, the first few such changes are measured, and the one
    that takes the most of the group's targets out of reach wins."""
    counts: Counter[tuple[str, str | None]] = Counter()
    for fixes in per_member:
        counts.update({fix.key for fix, _ in fixes})
    if not counts:
        return None, None
    order = {fix.key: position for position, (fix, _) in enumerate(reversed(per_member[0]))}
    ranked = sorted(counts, key=lambda key: (counts[key], overall[key], order.get(key, -1)),
                    reverse=True)
    best = ranked[0]
    if lab is not None:
        measured = [(len(lab.removed(key, targets)), -position, key)
                    for position, key in enumerate(ranked[:_MEASURED])]
        removes, _, key = max(measured)
        if removes:
            best = key
    for fixes in per_member:
        for fix, technique in fixes:
            if fix.key == best:
                return fix, technique
    return None, None


def route_groups(paths: PathSet, lab: FixLab | None = None) -> tuple[RouteGroup, ...]:
    """The route groups of a PathSet, in the rank order of their cheapest member.

    With ``lab`` (a :class:`~queries.fixes.FixLab` of the same question), each group's fix
    first is measured by searching again, as :func:`queries.fixes` measures fixes;
    without it, it is the change most shared along the group's route.

    Examples
    --------
    >>> from queries.pathset import AttackPath, PathSet, PathStep
    >>> def path(pod, secret):
    ...     return AttackPath((
    ...         PathStep("internet", f"k8s:Pod:web/{pod}", "net.internet-exposed", "", "likely", 1),
    ...         PathStep(f"k8s:Pod:web/{pod}", f"k8s:Secret:web/{secret}", "pod.mounts-secret",
    ...                  "", "certain", 1)))
    >>> groups = route_groups(PathSet((path("a", "x"), path("b", "y")), 1, 2))
    >>> [(g.pattern, g.members, g.targets) for g in groups]
    [(('net.internet-exposed', 'pod.mounts-secret'), (0, 1), 2)]
    """
    keyed: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = {}
    for index, path in enumerate(paths.paths):
        keyed.setdefault(pattern_of(path, paths.vertices), []).append(index)
    kinds = {vertex: _kind(paths.vertices, vertex) for vertex in paths.vertices}
    owners = {vertex: str(attrs["owner"]) for vertex, attrs in paths.vertices.items()
              if attrs.get("owner")}
    fixes = [_fixes(path, kinds, owners) for path in paths.paths]
    overall: Counter[tuple[str, str | None]] = Counter()
    for found in fixes:
        overall.update({fix.key for fix, _ in found})
    groups = []
    for (pattern, via), members in keyed.items():
        targets = {paths.paths[i].target for i in members}
        by_kind = Counter(_kind(paths.vertices, target) for target in targets)
        fix, technique = _fix_first([fixes[i] for i in members], overall, targets, lab)
        groups.append(RouteGroup(pattern, via, tuple(members), len(targets),
                                 tuple(sorted(by_kind.items())), fix, technique,
                                 lab is not None))
    return tuple(groups)


def paths_document(paths: PathSet, lab: FixLab | None = None) -> dict[str, Any]:
    """``paths --format json``: the PathSet's ``paths`` and ``summary``, plus ``groups``."""
    return {**paths.to_dict(),
            "groups": [group.to_dict() for group in route_groups(paths, lab)]}
