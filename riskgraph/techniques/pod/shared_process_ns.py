"""pod.shared-process-ns: containers sharing a process namespace can reach into each other."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import container_vertex, containers, evidence


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        if not pod.spec.share_process_namespace:
            continue
        members = [c for c, _ in containers(pod)]
        proof = (evidence(pod, "shareProcessNamespace", True),)
        for attacker in members:
            for victim in members:
                if victim is not attacker:
                    yield Edge(container_vertex(pod, attacker), container_vertex(pod, victim),
                               f"pod {pod.name} shares one process namespace, so container "
                               f"{attacker.name} sees {victim.name}'s processes and can read "
                               f"its environment and files through /proc/<pid>/root",
                               proof, "likely")


TECHNIQUE = Technique(
    id="pod.shared-process-ns",
    title="Containers of a pod with a shared process namespace reach each other",
    severity="low",
    mitre="T1055",
    remediation="Leave shareProcessNamespace off unless a sidecar truly needs it, and run the "
                "containers as different non-root users.",
    cost=1.5,
    find=find,
    examples=(
        Example(
            "two containers share processes",
            """
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  shareProcessNamespace: true
  containers: [{name: web, image: x}, {name: vault-agent, image: y}]
""",
            frozenset({("k8s:Container:shop/app/web", "k8s:Container:shop/app/vault-agent"),
                       ("k8s:Container:shop/app/vault-agent", "k8s:Container:shop/app/web")}),
            {("k8s:Container:shop/app/web", "k8s:Container:shop/app/vault-agent"): "likely"},
        ),
        Example(
            "separate process namespaces",
            """
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  containers: [{name: web, image: x}, {name: vault-agent, image: y}]
""",
        ),
    ),
)
