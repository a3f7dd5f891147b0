"""schedule.on: where a pod runs or may land.

A placement fact, not an attacker step: holding a pod does not give its node. It is in the
graph so that reviewers (and later queries) can see which pods share a node or pool; the
escape and node techniques use the same placements to draw the real steps. A pod that may
land on several pools points at one hub per set of pools, which points at the pools. Where
the replicas of a class run is a fact kept as the class vertex's ``replicas`` attribute
(pod -> node), not as edges.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.estate.scheduling import pool_set_scope
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import evidence, pod_id


def find(inv: Inventory) -> Iterator[Edge]:
    hubs: set[str] = set()
    for pod in inv.pods:
        source = pod_id(pod)
        proof = (evidence(pod, "nodeName", pod.spec.node_name),)
        places = inv.placements(pod)
        if pod.replicas:  # the nodes its replicas run on are the vertex's attribute
            places = [place for place in places if not place.target.startswith(ids.NODE_PREFIX)]
        if not places:  # fits no pool: the Inventory reports it
            continue
        if len(places) == 1:
            yield Edge(source, places[0].target, places[0].reason, proof, places[0].confidence)
            continue
        hub = ids.hub_id("scheduled-on",
                         pool_set_scope([place.target for place in places], len(inv.pools)))
        yield Edge(source, hub, f"pod {pod.name} may be scheduled onto any of "
                   f"{len(places)} pools", proof)
        if hub not in hubs:
            hubs.add(hub)
            for place in places:
                yield Edge(hub, place.target, f"pods of this placement may land on pool "
                           f"{ids.parse(place.target).name}", (), place.confidence)


TECHNIQUE = Technique(
    id="schedule.on",
    title="Pod runs on, or may be scheduled onto, a node or node pool",
    severity="info",
    mitre=None,
    remediation="Placement fact: constrain sensitive workloads with nodeSelector/affinity "
                "and taints so they cannot share nodes with exposed ones.",
    cost=1.0,
    find=find,
    fix_point=None,
    examples=(
        Example(
            "live pod on its node, templates on the pools of the input's nodes",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: gpu}}
---
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  nodeName: n1
  containers: [{name: c, image: x}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: report, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
""",
            frozenset({("k8s:Pod:shop/web-1", "k8s:Node:n1"),
                       ("k8s:Pod:shop/report", "hub:scheduled-on:pools/all"),
                       ("hub:scheduled-on:pools/all", "k8s:NodePool:general"),
                       ("hub:scheduled-on:pools/all", "k8s:NodePool:gpu")}),
            {("hub:scheduled-on:pools/all", "k8s:NodePool:gpu"): "possible",
             ("k8s:Pod:shop/web-1", "k8s:Node:n1"): "certain"},
        ),
        Example(
            "nodeSelector, affinity and taints pick the pools; a DaemonSet goes to each it fits",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: gpu, accelerator: nvidia}}
spec: {taints: [{key: nvidia.com/gpu, value: "true", effect: NoSchedule}]}
---
kind: Node
metadata: {name: n3, labels: {eks.amazonaws.com/nodegroup: pay, team: pay}}
spec: {taints: [{key: dedicated, value: pay, effect: NoExecute}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: trainer, namespace: ml}
spec:
  template:
    spec:
      nodeSelector: {accelerator: nvidia}
      tolerations: [{key: nvidia.com/gpu, operator: Exists}]
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: pay}
spec:
  template:
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: team, operator: In, values: [pay]}]
      tolerations: [{key: dedicated, value: pay, effect: NoExecute}]
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  template:
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, namespace: kube-system}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
""",
            frozenset({("k8s:Pod:shop/web", "k8s:NodePool:general"),
                       ("k8s:Pod:ml/trainer", "k8s:NodePool:gpu"),
                       ("k8s:Pod:pay/payments", "k8s:NodePool:pay"),
                       ("k8s:Pod:kube-system/agent", "hub:scheduled-on:pools/all"),
                       ("hub:scheduled-on:pools/all", "k8s:NodePool:general"),
                       ("hub:scheduled-on:pools/all", "k8s:NodePool:gpu"),
                       ("hub:scheduled-on:pools/all", "k8s:NodePool:pay"),
                       ("k8s:Pod:kube-system/logs", "k8s:NodePool:general")}),
            {("k8s:Pod:shop/web", "k8s:NodePool:general"): "certain",
             ("hub:scheduled-on:pools/all", "k8s:NodePool:pay"): "certain"},
        ),
        Example("nothing to schedule", "kind: Service\nmetadata: {name: s}\nspec: {}\n"),
    ),
    traversable=False,
)
