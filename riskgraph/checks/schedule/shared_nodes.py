"""schedule.shared-nodes: a sensitive workload may share a node with an internet-exposed one.

Sensitive is what the graph marks so (``riskgraph.io/sensitive`` on the workload, its
controller or its namespace). Exposed pods are those the internet reaches through a load
balancer, NodePort, Ingress or host port (the ``net.internet-exposed`` and
``net.routes-to`` steps). When no nodeSelector, required affinity or taint keeps them
apart, a container escape on the exposed pod lands on the sensitive pod's node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import owner_of
from riskgraph.estate.inventory import Inventory
from riskgraph.graph import is_sensitive
from riskgraph.techniques._shared.common import evidence, namespace_of
from riskgraph.techniques.net import internet_exposed, routes_to


def _exposed_pods(inv: Inventory) -> set[tuple[str, str]]:
    """(namespace, pod name) of every pod the internet reaches in at most three steps."""
    steps = [*internet_exposed.TECHNIQUE.find(inv), *routes_to.TECHNIQUE.find(inv)]
    reached = {ids.INTERNET}
    for _ in range(3):
        reached |= {step.target for step in steps if step.source in reached}
    found = set()
    for vertex in reached:
        parsed = ids.parse(vertex)
        if parsed.kind == "Container" and parsed.namespace is not None:
            found.add((parsed.namespace, parsed.name.split("/", 1)[0]))
    return found


def find(inv: Inventory) -> Iterator[Finding]:
    exposed = _exposed_pods(inv)
    if not exposed:
        return
    exposed_at: dict[str, set[str]] = defaultdict(set)
    for pod in inv.pods:
        if (namespace_of(pod), pod.name) in exposed:
            for place in inv.placements(pod):
                exposed_at[place.target].add(f"{namespace_of(pod)}/{pod.name}")
    seen: set[str] = set()
    for pod in inv.pods:
        if (namespace_of(pod), pod.name) in exposed or not is_sensitive(inv, pod) \
                or owner_of(pod) in seen:
            continue
        shared = sorted({p.target for p in inv.placements(pod)} & exposed_at.keys())
        if shared:
            seen.add(owner_of(pod))
            others = sorted(set().union(*(exposed_at[target] for target in shared)))
            yield Finding(owner_of(pod),
                          f"sensitive workload {namespace_of(pod)}/{pod.name} may run on "
                          f"{', '.join(shared)} beside internet-exposed {', '.join(others)}",
                          (evidence(pod, "nodeSelector", pod.spec.node_selector),
                           evidence(pod, "tolerations", pod.spec.tolerations)))


_PODS = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers:
  - {name: a, image: nginx, ports: [{containerPort: 8080}]}
---
kind: Pod
metadata: {name: vault, namespace: shop, labels: {riskgraph.io/sensitive: 'true'}}
spec:
  %s
  containers:
  - {name: a, image: vault}
"""
_NODES = """
---
kind: Node
metadata: {name: general, labels: {pool: general}}
---
kind: Node
metadata: {name: secure, labels: {pool: secure}}
spec:
  taints: [{key: dedicated, value: secure, effect: NoSchedule}]
"""

CHECK = Check(
    id="schedule.shared-nodes",
    title="Sensitive workload may share nodes with an internet-exposed one",
    severity="high",
    remediation="Give sensitive workloads their own node group: a taint they tolerate and a "
                "nodeSelector or required node affinity for it.",
    find=find,
    examples=(
        Example("nothing keeps them apart", _PODS % "nodeSelector: {}" + _NODES,
                frozenset({"k8s:Pod:shop/vault"})),
        Example("a tainted pool of its own", _PODS % (
            "nodeSelector: {pool: secure}\n  tolerations: [{key: dedicated, operator: "
            "Equal, value: secure, effect: NoSchedule}]") + _NODES),
    ),
)
