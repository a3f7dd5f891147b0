"""schedule.on: where a pod runs or may land.

A placement fact, not an attacker step: holding a pod does not give its node. It is in the
graph so that reviewers (and later queries) can see which pods share a node or pool; the
escape and node techniques use the same placements to draw the real steps. A pod that may
land on several pools points at one hub per set of pools, which points at the pools.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.inventory import Inventory
from riskgraph.scheduling import pool_set_scope
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._common import evidence, pod_id


def find(inv: Inventory) -> Iterator[Edge]:
    hubs: set[str] = set()
    for pod in inv.pods:
        source = pod_id(pod)
        proof = (evidence(pod, "nodeName", pod.spec.node_name),)
        places = inv.placements(pod)
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
        Example("nothing to schedule", "kind: Service\nmetadata: {name: s}\nspec: {}\n"),
    ),
    traversable=False,
)
