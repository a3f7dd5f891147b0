"""rbac.nodes-proxy: get or create on nodes/proxy talks to the kubelet API of every node.

The kubelet's ``/exec`` and ``/run`` endpoints run commands in any container on its node,
the privileged system pods (CNI, kube-proxy) included, which hold the node itself. The
kubelet authorizes a streaming request by its HTTP method: ``create`` for POST, ``get``
for the WebSocket upgrade, so ``get`` alone is likely. Cluster-scoped, so only a
ClusterRoleBinding grants it; ``resourceNames`` narrows it to the named nodes.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import HUB_COST
from riskgraph.techniques._shared.rbac_rules import Grant, accesses, binding_vertex, grants

CAPABILITY = "nodes-proxy"


def _confidence(grant: Grant) -> Confidence:
    return "certain" if "create" in grant.verbs else "likely"


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("create", "get"), ("nodes/proxy",)), _confidence)
    hub = ids.hub_id(CAPABILITY, ids.CLUSTER_SCOPE)
    node_names = {node.name for node in inv.nodes}
    entered = False
    for access in found:
        source = binding_vertex(access.binding)
        if access.names is None:
            entered = True
            yield Edge(source, hub, access.reason, access.evidence, access.confidence)
            continue
        for name in sorted(access.names & node_names):
            yield Edge(source, ids.k8s_id("Node", name),
                       f"{access.reason}: its kubelet runs commands in every container on it",
                       access.evidence, access.confidence)
    if not entered:
        return
    why = "whoever can proxy to every kubelet runs commands in every container on"
    for pool in inv.pools:
        yield Edge(hub, ids.node_pool_id(pool), f"{why} the nodes of pool {pool}", (),
                   "certain", HUB_COST)
    for node in inv.nodes:
        yield Edge(hub, ids.k8s_id("Node", node.name), f"{why} node {node.name}", (),
                   "certain", HUB_COST)


_NODES = """
kind: Node
metadata: {name: ip-10-0-1-5.ec2.internal, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: ip-10-0-2-7.ec2.internal, labels: {eks.amazonaws.com/nodegroup: general}}
"""


def _binding(rule: str) -> str:
    return _NODES + f"""---
kind: ClusterRole
metadata: {{name: node-metrics}}
rules: [{rule}]
---
kind: ClusterRoleBinding
metadata: {{name: monitoring}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-metrics}}
subjects: [{{kind: ServiceAccount, name: prometheus, namespace: monitoring}}]
"""


TECHNIQUE = Technique(
    id="rbac.nodes-proxy",
    title="RBAC allows proxying to the kubelet API",
    severity="critical",
    mitre="T1609",
    remediation="Remove get and create on nodes/proxy from the role (metrics collectors "
                "need nodes/metrics and nodes/stats, not nodes/proxy); grant it to cluster "
                "administrators only.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "get nodes/proxy cluster-wide reaches every node and pool, likely",
            _binding('{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}'),
            frozenset({("k8s:ClusterRoleBinding:monitoring", "hub:nodes-proxy:cluster"),
                       ("hub:nodes-proxy:cluster", "k8s:NodePool:general"),
                       ("hub:nodes-proxy:cluster", "k8s:Node:ip-10-0-1-5.ec2.internal"),
                       ("hub:nodes-proxy:cluster", "k8s:Node:ip-10-0-2-7.ec2.internal")}),
            {("k8s:ClusterRoleBinding:monitoring", "hub:nodes-proxy:cluster"): "likely"},
        ),
        Example(
            "create by name reaches the named node, certain",
            _binding('{apiGroups: [""], resources: [nodes/proxy], verbs: [create], '
                     'resourceNames: [ip-10-0-1-5.ec2.internal, gone]}'),
            frozenset({("k8s:ClusterRoleBinding:monitoring",
                        "k8s:Node:ip-10-0-1-5.ec2.internal")}),
            {("k8s:ClusterRoleBinding:monitoring", "k8s:Node:ip-10-0-1-5.ec2.internal"):
             "certain"},
        ),
        Example(
            "nodes/metrics and services/proxy; nodes/proxy through a RoleBinding",
            _binding('{apiGroups: [""], resources: [nodes/metrics, nodes/stats, '
                     'services/proxy], verbs: [get, create]}') + """---
kind: ClusterRole
metadata: {name: kubelet-proxy}
rules: [{apiGroups: [""], resources: [nodes/proxy], verbs: [get, create]}]
---
kind: RoleBinding
metadata: {name: kubelet-proxy, namespace: monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubelet-proxy}
subjects: [{kind: ServiceAccount, name: prometheus}]
""",
        ),
    ),
)
