"""k8s.admin-reach: cluster admin reads every secret, runs pods as every service account
and owns every node and node pool.

One source vertex, so the edges grow with the object count only. Emitted whenever the input
holds a cluster (any Kubernetes object).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique


def find(inv: Inventory) -> Iterator[Edge]:
    if not inv.counts:
        return
    admin = ids.CLUSTER_ADMIN
    for secret in inv.secrets:
        namespace = secret.metadata.namespace or "default"
        yield Edge(admin, ids.k8s_id("Secret", secret.name, namespace),
                   f"cluster admin reads secret {namespace}/{secret.name}", ())
    for namespace in inv.namespace_names:
        for name in inv.service_account_names(namespace):
            yield Edge(admin, ids.k8s_id("ServiceAccount", name, namespace),
                       f"cluster admin runs a pod as service account {namespace}/{name}", ())
    for pool in inv.pools:
        yield Edge(admin, ids.node_pool_id(pool),
                   f"cluster admin runs a privileged pod on node pool {pool}", ())
    for node in inv.nodes:
        yield Edge(admin, ids.k8s_id("Node", node.name),
                   f"cluster admin runs a privileged pod on node {node.name}", ())


TECHNIQUE = Technique(
    id="k8s.admin-reach",
    title="Cluster admin reaches every secret, service account and node",
    severity="info",
    mitre="T1078",
    remediation="Structural step: cut the paths into k8s:ClusterAdmin (bindings to "
                "cluster-admin, system:masters credentials, EKS admin access entries).",
    cost=0.5,
    find=find,
    fix_point=None,
    examples=(
        Example(
            "secrets, accounts, the node and its pool",
            """
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: Node
metadata: {name: ip-10-0-1-5.ec2.internal}
""",
            frozenset({("k8s:ClusterAdmin", "k8s:Secret:shop/db"),
                       ("k8s:ClusterAdmin", "k8s:ServiceAccount:shop/default"),
                       ("k8s:ClusterAdmin", "k8s:NodePool:default"),
                       ("k8s:ClusterAdmin", "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example("input without any Kubernetes object", "# nothing here\n"),
    ),
)
