"""node.controls-pod: root on a node controls every pod running there.

A live pod is on one node. A template pod is somewhere in the pools it fits, so holding
"a node of that pool" reaches it only possibly (unless it is a DaemonSet: it is on all).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._common import evidence, pod_id


def find(inv: Inventory) -> Iterator[Edge]:
    pool_of_node = {node.name: pool for pool, nodes in inv.pools.items() for node in nodes}
    for pod in inv.pods:
        target = pod_id(pod)
        if pod.spec.node_name:
            node = pod.spec.node_name
            proof = (evidence(pod, "nodeName", node),)
            yield Edge(ids.k8s_id("Node", node), target,
                       f"pod {pod.name} runs on node {node}, whose root controls it", proof)
            pool = pool_of_node.get(node)
            if pool is not None:
                yield Edge(ids.node_pool_id(pool), target,
                           f"pod {pod.name} runs on node {node} of pool {pool}; a foothold "
                           "on another node of the pool does not reach it directly",
                           proof, "possible")
            continue
        for place in inv.placements(pod):
            every_node = pod.template_kind == "DaemonSet"
            yield Edge(place.target, target,
                       f"{place.reason}, so a foothold on that pool "
                       + ("controls it on every node" if every_node
                          else "controls it wherever it shares a node"),
                       (evidence(pod, "nodeName", None),),
                       "certain" if every_node else "possible")


TECHNIQUE = Technique(
    id="node.controls-pod",
    title="Root on a node controls the pods on it",
    severity="high",
    mitre="T1609",
    remediation="Isolate sensitive workloads on their own node pool (nodeSelector or required "
                "node affinity plus a taint that other workloads do not tolerate).",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "live pods on their nodes; templates on the any pool",
            """
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  nodeName: n1
  containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: pay}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
""",
            frozenset({("k8s:Node:n1", "k8s:Pod:shop/web-1"),
                       ("k8s:NodePool:any", "k8s:Pod:pay/payments"),
                       ("k8s:NodePool:any", "k8s:Pod:kube-system/agent")}),
            {("k8s:NodePool:any", "k8s:Pod:pay/payments"): "possible",
             ("k8s:NodePool:any", "k8s:Pod:kube-system/agent"): "certain"},
        ),
        Example(
            "live pod on a known node of a node group",
            """
kind: Node
metadata:
  name: ip-10-0-1-5.ec2.internal
  labels: {eks.amazonaws.com/nodegroup: general}
---
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  containers: [{name: c, image: x}]
""",
            frozenset({("k8s:Node:ip-10-0-1-5.ec2.internal", "k8s:Pod:shop/web-1"),
                       ("k8s:NodePool:general", "k8s:Pod:shop/web-1")}),
            {("k8s:NodePool:general", "k8s:Pod:shop/web-1"): "possible"},
        ),
        Example("no pods", "kind: Node\nmetadata: {name: n1}\n"),
    ),
)
