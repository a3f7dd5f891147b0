"""rbac.pods-attach: create on pods/attach connects to the main process of the pods in scope.

Attach reaches a container's own process (its stdin, stdout and a terminal when it has
one), not a new shell: it is control only of containers that read stdin, which the
inventory does not record, so the edge is likely. ``create`` is what the API server checks;
``get`` alone suffices only on API servers that still authorize the streaming upgrade
request as ``get`` (as for exec): possible. ``resourceNames`` narrows attach to the named
live pods (a template's pods get generated names).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import hub_edges, pod_targets
from riskgraph.techniques._shared.rbac_rules import Grant, accesses, grants

CAPABILITY = "pods-attach"


def _confidence(grant: Grant) -> Confidence:
    return "likely" if "create" in grant.verbs else "possible"


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("create", "get"), ("pods/attach",)), _confidence)
    yield from hub_edges(
        inv, CAPABILITY, found,
        lambda ns: pod_targets(inv, ns, f"whoever can attach to pods in namespace {ns}",
                               "drives the main process of"),
        "attach to pods")


def _role(rule: str) -> str:
    return f"""
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  template:
    spec:
      containers: [{{name: nginx, image: nginx}}]
---
kind: Pod
metadata: {{name: debug, namespace: shop}}
spec:
  containers: [{{name: shell, image: busybox, stdin: true, tty: true}}]
---
kind: Role
metadata: {{name: operator, namespace: shop}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: operators, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator}}
subjects: [{{kind: Group, name: ops}}]
"""


TECHNIQUE = Technique(
    id="rbac.pods-attach",
    title="RBAC allows attaching to pods",
    severity="high",
    mitre="T1609",
    remediation="Remove create on pods/attach from the role (the built-in edit and admin "
                "roles grant it); run containers without stdin/tty so that attach yields "
                "no shell.",
    cost=1.5,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "create pods/attach reaches the namespace's pods and templates, likely",
            _role('{apiGroups: [""], resources: [pods/attach], verbs: [create]}'),
            frozenset({("k8s:RoleBinding:shop/operators", "hub:pods-attach:ns/shop"),
                       ("hub:pods-attach:ns/shop", "k8s:Pod:shop/web"),
                       ("hub:pods-attach:ns/shop", "k8s:Pod:shop/debug")}),
            {("k8s:RoleBinding:shop/operators", "hub:pods-attach:ns/shop"): "likely"},
        ),
        Example(
            "resourceNames narrows attach to the named live pod",
            _role('{apiGroups: [""], resources: [pods/attach], verbs: [create], '
                  'resourceNames: [debug]}'),
            frozenset({("k8s:RoleBinding:shop/operators", "k8s:Pod:shop/debug")}),
        ),
        Example(
            "get alone is possible only",
            _role('{apiGroups: [""], resources: [pods/attach], verbs: [get]}'),
            frozenset({("k8s:RoleBinding:shop/operators", "hub:pods-attach:ns/shop"),
                       ("hub:pods-attach:ns/shop", "k8s:Pod:shop/web"),
                       ("hub:pods-attach:ns/shop", "k8s:Pod:shop/debug")}),
            {("k8s:RoleBinding:shop/operators", "hub:pods-attach:ns/shop"): "possible"},
        ),
        Example(
            "exec, port-forward, attach in the apps group and list on pods are not attach",
            _role('{apiGroups: [""], resources: [pods/exec, pods/portforward], '
                  'verbs: [create]}, '
                  '{apiGroups: [apps], resources: [pods/attach], verbs: [create]}, '
                  '{apiGroups: [""], resources: [pods], verbs: [list]}'),
        ),
    ),
)
