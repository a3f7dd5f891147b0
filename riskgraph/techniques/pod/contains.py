"""pod.contains: whoever controls a pod chooses which of its containers to act in."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import namespace_of, pod_id


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        source, ns, name = pod_id(pod), namespace_of(pod), pod.name
        for container in pod.spec.all_containers:
            yield Edge(source, ids.container_id(ns, name, container.name),
                       Reason("pod {} runs container {}", name, container.name), ())


TECHNIQUE = Technique(
    id="pod.contains",
    title="Control of a pod gives control of each of its containers",
    severity="info",
    mitre=None,
    remediation="Structural step: reduce who can control the pod (exec, node access) instead.",
    cost=0.1,
    find=find,
    fix_point=None,
    examples=(
        Example(
            "pod with an init container",
            """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  initContainers: [{name: setup, image: busybox}]
  containers: [{name: nginx, image: nginx}]
""",
            frozenset({("k8s:Pod:shop/web", "k8s:Container:shop/web/nginx"),
                       ("k8s:Pod:shop/web", "k8s:Container:shop/web/setup")}),
        ),
        Example("no pods at all", "kind: ServiceAccount\nmetadata: {name: app}\n"),
    ),
)
