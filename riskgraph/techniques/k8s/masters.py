"""k8s.masters: members of ``system:masters`` are cluster admin.

The API server allows that group every request before RBAC is consulted, so no binding
can take the power away. Emitted whenever the input holds a cluster (any Kubernetes object).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique

MASTERS = "system:masters"


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.counts:
        yield Edge(ids.group_id(MASTERS), ids.CLUSTER_ADMIN,
                   f"members of group {MASTERS} are allowed every request before RBAC is "
                   "consulted", ())


TECHNIQUE = Technique(
    id="k8s.masters",
    title="Group system:masters is cluster admin",
    severity="critical",
    mitre="T1078",
    remediation="Issue no credentials in group system:masters (they cannot be revoked through "
                "RBAC); on EKS map IAM principals to ordinary groups or use access entries "
                "with scoped access policies.",
    cost=0.5,
    find=find,
    fix_point=None,
    examples=(
        Example(
            "any cluster has the group",
            "kind: ServiceAccount\nmetadata: {name: app}\n",
            frozenset({("k8s:Group:system:masters", "k8s:ClusterAdmin")}),
        ),
        Example("input without any Kubernetes object", "# nothing here\n"),
    ),
)
