"""``kubectl auth can-i`` in reverse, for everyone at once: which subjects hold a verb on a
resource, directly or through an escalation.

*Direct* holders are the subjects of every binding whose role (aggregated ClusterRoles
expanded, wildcards matched as the API server matches them) allows the verb on the resource
in the namespace asked, plus group ``system:masters``, which the API server allows
everything before RBAC, and principals an EKS access policy makes cluster admin; and every
identity made one of them (a service account in a group a binding names, an IAM principal
aws-auth or an access entry maps to a user or group).
*Via escalation* are the sources a reverse search (:func:`queries.who_can`) finds reaching a
direct holder, one of those bindings, or cluster-admin: impersonation, token requests,
bind and escalate, exec into a pod that runs as a holder, IAM routes into the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from queries.rbac_view import IDENTITY_TECHNIQUES
from queries.whocan import WhoCan, who_can
from riskgraph import ids
from riskgraph.errors import SelectorError
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques._shared.rbac_rules import (
    API_GROUP,
    api_group,
    binding_vertex,
    grants,
    home_namespace,
)

#: Edges into cluster-admin that hold every permission without a binding.
_ADMIN_ROOTS = {"k8s.masters": "group system:masters, before RBAC",
                "aws.eks-access-entry": "EKS access policy"}


@dataclass(frozen=True, slots=True)
class Holder:
    """A subject that can: ``how`` is ``direct`` or ``via escalation``; ``through`` the
    chain of identities and the binding (direct) or the route's first step (escalation)."""

    id: str
    kind: str
    how: str
    through: tuple[str, ...]
    scope: str
    cost: float = 0.0
    confidence: str = "certain"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "how": self.how,
                "through": list(self.through), "scope": self.scope, "cost": self.cost,
                "confidence": self.confidence}


@dataclass(frozen=True)
class Holders:
    """The answer of :func:`holders`; ``escalation`` keeps the reverse search for
    ``--explain``."""

    verb: str
    resource: str
    namespace: str | None
    holders: tuple[Holder, ...]
    escalation: WhoCan

    def to_dict(self) -> dict[str, Any]:
        direct = sum(1 for holder in self.holders if holder.how == "direct")
        return {"verb": self.verb, "resource": self.resource, "namespace": self.namespace,
                "holders": [holder.to_dict() for holder in self.holders],
                "summary": {"direct": direct, "via_escalation": len(self.holders) - direct,
                            "truncated": self.escalation.truncated}}


def _members(graph: nx.MultiDiGraph, identity: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every identity made ``identity`` (walked backwards over membership and mapping
    edges), each with the chain of identities between them."""
    found: list[tuple[str, tuple[str, ...]]] = [(identity, ())]
    seen = {identity}
    for current, chain in found:
        if current not in graph:
            continue
        # A subject's rbac.bound edge into a binding is not membership; into a group it is.
        joins_group = ids.parse(current).kind == "Group"
        for member, _, technique in graph.in_edges(current, keys=True):
            if technique in IDENTITY_TECHNIQUES and (technique != "rbac.bound" or joins_group) \
                    and member not in seen and member != ids.INTERNET:
                seen.add(member)
                found.append((member, (current, *chain)))
    return found


def _direct(inv: Inventory, graph: nx.MultiDiGraph, verb: str, resource: str,
            namespace: str | None) -> dict[str, Holder]:
    direct: dict[str, Holder] = {}
    roots = [(holder, f"{ids.CLUSTER_ADMIN} ({_ADMIN_ROOTS[technique]})", "cluster-wide")
             for holder, _, technique in graph.in_edges(ids.CLUSTER_ADMIN, keys=True)
             if technique in _ADMIN_ROOTS] if ids.CLUSTER_ADMIN in graph else []
    for grant in grants(inv, [verb], [resource]):
        home = home_namespace(grant.binding)
        if namespace is not None and home not in (None, namespace):
            continue
        binding = binding_vertex(grant.binding)
        scope = home or "cluster-wide"
        if grant.names is not None:
            scope += " (named " + ", ".join(sorted(grant.names)) + ")"
        for subject, _, technique in graph.in_edges(binding, keys=True):
            if technique == "rbac.bound":
                roots.append((subject, binding, scope))
    for root, binding, scope in roots:
        for member, chain in _members(graph, root):
            if member not in direct:
                direct[member] = Holder(member, ids.parse(member).kind, "direct",
                                        (*chain, binding) if member != root else
                                        (binding,), scope)
    return direct


def holders(inv: Inventory, graph: nx.MultiDiGraph, verb: str, resource: str,
            namespace: str | None = None, *, max_hops: int = 8,
            avoid: str | Iterable[str] = (), avoid_techniques: Iterable[str] = (),
            skip_platform_defaults: bool = False, top: int | None = None) -> Holders:
    """Every subject that can ``verb`` ``resource`` (in ``namespace``, or anywhere); with
    ``top``, the escalations stop at that many sources (the direct holders are all listed).

    Raises
    ------
    riskgraph.errors.SelectorError
        The resource is not one riskgraph knows the API group of.
    """
    resource = resource.lower()
    try:
        api_group(resource)
    except ValueError:
        raise SelectorError(f"resource {resource!r} is not one riskgraph knows; known: "
                            f"{', '.join(sorted(API_GROUP))} (and their subresources, "
                            "e.g. pods/exec)") from None
    direct = _direct(inv, graph, verb, resource, namespace)
    bindings = {holder.through[-1] for holder in direct.values()
                if holder.through[-1].startswith("k8s:")}
    targets = {*direct, *bindings, ids.CLUSTER_ADMIN} & set(graph)
    escalation = who_can(graph, sorted(targets) or [ids.CLUSTER_ADMIN], max_hops=max_hops,
                         avoid=avoid, avoid_techniques=avoid_techniques,
                         skip_platform_defaults=skip_platform_defaults, top=top)
    found = sorted(direct.values(), key=lambda h: (len(h.through), h.id))
    for source in escalation.sources:
        if source.id not in direct and source.example not in direct:
            found.append(Holder(source.id, source.kind, "via escalation",
                                (source.via[0], source.via[1], source.target), "",
                                source.cost, source.confidence))
    return Holders(verb, resource, namespace, tuple(found), escalation)
