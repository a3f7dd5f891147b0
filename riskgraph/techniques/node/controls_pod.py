"""node.controls-pod: root on a node controls every pod running there.

A live pod is on one node. A template pod is somewhere in the pools it fits, so holding
"a node of that pool" reaches it only possibly (unless it is a DaemonSet: it is on all).
Template pods that fit several pools are reached through one hub per set of pools.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.estate.scheduling import pool_set_scope
from riskgraph.models import Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import evidence, node_evidence, pod_id

# Entering the hub of a pool set is bookkeeping, not an attacker effort.
HUB_COST = 0.1


class _Node(NamedTuple):
    """A node's vertex, and its pool's name and vertex (None: in no pool)."""

    vertex: str
    pool: str
    pool_vertex: str | None


def _bound_pod_edges(pod: Pod, nodes: dict[str, _Node], covered: set[str]) -> Iterator[Edge]:
    """Each node the pod runs on controls it; a foothold elsewhere in that node's pool
    possibly does, unless the pod's template already says so for the pool (``covered``)."""
    placed = pod.placed_on
    if not placed:
        return
    target, name = pod_id(pod), pod.name
    # Who runs there, as runs_on says it: "pod <name>" or "<name>'s replica <replica>".
    replica_of = f"{name}'s replica "
    for node, replica in placed.items():
        proof = (node_evidence(pod, replica, node),)
        who = "pod " if replica == name else replica_of
        known = nodes.get(node)
        if known is None:
            known = nodes[node] = _Node(ids.k8s_id("Node", node), "", None)
        yield Edge(known.vertex, target,
                   Reason("{}{} runs on node {}, whose root controls it", who, replica, node),
                   proof)
        if known.pool_vertex is not None and known.pool_vertex not in covered:
            yield Edge(known.pool_vertex, target,
                       Reason("{}{} runs on node {} of pool {}: a foothold elsewhere in the "
                              "pool reaches it only on that node", who, replica, node,
                              known.pool), proof, "possible")


def find(inv: Inventory) -> Iterator[Edge]:
    nodes = {node.name: _Node(ids.k8s_id("Node", node.name), pool, ids.node_pool_id(pool))
             for pool, members in inv.pools.items() for node in members}
    hubs: set[str] = set()
    for pod in inv.pods:
        places = [place for place in inv.placements(pod)
                  if not place.target.startswith(ids.NODE_PREFIX)]
        yield from _bound_pod_edges(pod, nodes, {place.target for place in places})
        if not places:  # fits no pool (the Inventory reports it), or bound to nodes
            continue
        # A DaemonSet that fits only some nodes of a pool is not on every node of it.
        every_node = pod.template_kind == "DaemonSet" and \
            all(place.confidence == "certain" for place in places)
        reach = ("controls it on every node" if every_node
                 else "controls it wherever it shares a node")
        proof = (evidence(pod, "nodeName", None),)
        confidence: Confidence = "certain" if every_node else "possible"
        if len(places) == 1:
            yield Edge(places[0].target, pod_id(pod),
                       f"{places[0].reason}, so a foothold on that pool {reach}", proof,
                       confidence)
            continue
        pool_ids = [place.target for place in places]
        hub = ids.hub_id("pool-pods", pool_set_scope(pool_ids, len(inv.pools)))
        if hub not in hubs:
            hubs.add(hub)
            for pool in pool_ids:
                yield Edge(pool, hub, f"a foothold on {ids.parse(pool).name} reaches the pods "
                           "that may be scheduled onto it", (), cost=HUB_COST)
        yield Edge(hub, pod_id(pod),
                   f"a {pod.template_kind or 'pending'} pod {pod.name} may be scheduled onto "
                   f"any of {len(pool_ids)} pools, so a foothold there {reach}", proof,
                   confidence)


TECHNIQUE = Technique(
    id="node.controls-pod",
    title="Root on a node controls the pods on it",
    severity="high",
    mitre="T1609",
    remediation="Isolate sensitive workloads on their own node pool (nodeSelector or required "
                "node affinity plus a taint that other workloads do not tolerate).",
    cost=1.0,
    find=find,
    fix_point=None,
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
        Example(
            "templates that fit two pools share one hub",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: gpu}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: pay}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
""",
            frozenset({("k8s:NodePool:general", "hub:pool-pods:pools/all"),
                       ("k8s:NodePool:gpu", "hub:pool-pods:pools/all"),
                       ("hub:pool-pods:pools/all", "k8s:Pod:pay/payments"),
                       ("hub:pool-pods:pools/all", "k8s:Pod:kube-system/agent")}),
            {("hub:pool-pods:pools/all", "k8s:Pod:pay/payments"): "possible",
             ("hub:pool-pods:pools/all", "k8s:Pod:kube-system/agent"): "certain"},
        ),
        Example(
            "a taint the web pods do not tolerate keeps them off the payments pool",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: payments, team: pay}}
spec: {taints: [{key: dedicated, value: pay, effect: NoSchedule}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: pay}
spec:
  template:
    spec:
      nodeSelector: {team: pay}
      tolerations: [{key: dedicated, operator: Equal, value: pay, effect: NoSchedule}]
      containers: [{name: c, image: x}]
""",
            frozenset({("k8s:NodePool:general", "k8s:Pod:shop/web"),
                       ("k8s:NodePool:payments", "k8s:Pod:pay/payments")}),
            {("k8s:NodePool:payments", "k8s:Pod:pay/payments"): "possible"},
        ),
        Example(
            "a DaemonSet that fits only one zone of a pool is only possibly on a given node",
            """
kind: Node
metadata:
  name: n1
  labels: {eks.amazonaws.com/nodegroup: general, topology.kubernetes.io/zone: eu-west-1a}
---
kind: Node
metadata:
  name: n2
  labels: {eks.amazonaws.com/nodegroup: general, topology.kubernetes.io/zone: eu-west-1b}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: zone-agent, namespace: kube-system}
spec:
  template:
    spec:
      nodeSelector: {topology.kubernetes.io/zone: eu-west-1a}
      containers: [{name: c, image: x}]
""",
            frozenset({("k8s:NodePool:general", "k8s:Pod:kube-system/zone-agent")}),
            {("k8s:NodePool:general", "k8s:Pod:kube-system/zone-agent"): "possible"},
        ),
        Example("no pods", "kind: Node\nmetadata: {name: n1}\n"),
    ),
)
