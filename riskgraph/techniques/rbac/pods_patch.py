"""rbac.pods-patch: patch or update on pods swaps a running pod's image.

A pod's container images stay mutable after creation: the attacker points one at an image
of their own and the kubelet restarts the container with it, keeping the pod's service
account token, volumes and network. ``resourceNames`` narrows it to the named live pods (a
template's pods get generated names).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import hub_edges, pod_targets
from riskgraph.techniques._shared.rbac_rules import accesses, always_certain, grants

CAPABILITY = "pods-patch"


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("patch", "update"), ("pods",)), always_certain)
    yield from hub_edges(
        inv, CAPABILITY, found,
        lambda ns: pod_targets(inv, ns, f"whoever can patch pods in namespace {ns}",
                               "swaps in an image of its own in"),
        "patch pods")


def _role(rule: str) -> str:
    return f"""
kind: StatefulSet
metadata: {{name: db, namespace: shop}}
spec:
  template:
    spec:
      containers: [{{name: postgres, image: postgres}}]
---
kind: Pod
metadata: {{name: web, namespace: shop}}
spec:
  containers: [{{name: nginx, image: nginx}}]
---
kind: Role
metadata: {{name: patcher, namespace: shop}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: patchers, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: patcher}}
subjects: [{{kind: ServiceAccount, name: controller}}]
"""


TECHNIQUE = Technique(
    id="rbac.pods-patch",
    title="RBAC allows patching pods (image swap)",
    severity="high",
    mitre="T1525",
    remediation="Remove patch and update on pods from the role (controllers patch their "
                "pods' status subresource, not the pods); admit only signed images from "
                "trusted registries with an admission policy.",
    cost=2.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "patch pods reaches the namespace's pods and templates",
            _role('{apiGroups: [""], resources: [pods], verbs: [patch]}'),
            frozenset({("k8s:RoleBinding:shop/patchers", "hub:pods-patch:ns/shop"),
                       ("hub:pods-patch:ns/shop", "k8s:Pod:shop/db"),
                       ("hub:pods-patch:ns/shop", "k8s:Pod:shop/web")}),
        ),
        Example(
            "update by name reaches the named live pod only",
            _role('{apiGroups: [""], resources: [pods], verbs: [update], resourceNames: [web]}'),
            frozenset({("k8s:RoleBinding:shop/patchers", "k8s:Pod:shop/web")}),
        ),
        Example(
            "patch on pods/status, get on pods and patch on deployments are no image swap",
            _role('{apiGroups: [""], resources: [pods/status], verbs: [patch]}, '
                  '{apiGroups: [""], resources: [pods], verbs: [get, list]}, '
                  '{apiGroups: [apps], resources: [deployments], verbs: [patch]}'),
        ),
    ),
)
