"""net.no-policy: a namespace's pods are open to every other pod on the network.

A namespace with pods and no NetworkPolicy admits traffic from anywhere; and when no engine
enforces policies (:mod:`riskgraph.netpol.enforcement`: Calico, Cilium, the VPC CNI's
policy agent, or ``--network-policy``), the policies a namespace has do nothing either. One
finding per namespace; the reason says which of the two it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory
from riskgraph.netpol.enforcement import enforcement


def find(inv: Inventory) -> Iterator[Finding]:
    enforced, why = enforcement(inv)
    with_policies = {p.metadata.namespace for p in inv.network_policies}
    for namespace in sorted({p.metadata.namespace or "default" for p in inv.pods}):
        vertex = ids.k8s_id("Namespace", namespace)
        if namespace not in with_policies:
            yield Finding(vertex, f"namespace {namespace} has pods and no NetworkPolicy, so "
                          "any pod or address reaches them", (f"{vertex}: NetworkPolicy=none",))
        elif not enforced:
            yield Finding(vertex, f"namespace {namespace} has NetworkPolicies, but they are "
                          f"{why}", (f"{vertex}: NetworkPolicy enforcement=none",), "likely")


CHECK = Check(
    id="net.no-policy",
    title="Namespace without an enforced NetworkPolicy",
    severity="medium",
    remediation="Add a default-deny NetworkPolicy to the namespace and allow only the flows "
                "it needs; run an enforcing engine (the VPC CNI's network policy agent, "
                "Calico or Cilium).",
    find=find,
    examples=(
        Example("no policy at all", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: nginx}
""", frozenset({"k8s:Namespace:shop"})),
        Example("default deny with Calico enforcing", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: nginx}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: shop}
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
      - {name: calico-node, image: 'docker.io/calico/node:v3.28.0'}
"""),
    ),
)
