"""rbac.pods-ephemeral: patch or update on pods/ephemeralcontainers adds a container of the
attacker's choosing (``kubectl debug``) to a running pod in scope.

The new container runs the attacker's image and command inside the pod, with its network,
and may mount the pod's volumes, service-account token included: control of the pod.
``resourceNames`` narrows it to the named live pods (a template's pods get generated names).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import hub_edges, pod_targets
from riskgraph.techniques._shared.rbac_rules import accesses, always_certain, grants

CAPABILITY = "pods-ephemeral"


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("patch", "update"), ("pods/ephemeralcontainers",)),
                     always_certain)
    yield from hub_edges(
        inv, CAPABILITY, found,
        lambda ns: pod_targets(inv, ns, f"whoever can add ephemeral containers to pods in "
                               f"namespace {ns}", "runs its own container in"),
        "add ephemeral containers")


def _role(rule: str, binding: str = "RoleBinding", namespace: str = "shop") -> str:
    meta = f"{{name: debuggers, namespace: {namespace}}}" if binding == "RoleBinding" \
        else "{name: debuggers}"
    return f"""
kind: Pod
metadata: {{name: api, namespace: shop}}
spec:
  containers: [{{name: api, image: api}}]
---
kind: Pod
metadata: {{name: worker, namespace: jobs}}
spec:
  containers: [{{name: worker, image: worker}}]
---
kind: ClusterRole
metadata: {{name: debugger}}
rules: [{rule}]
---
kind: {binding}
metadata: {meta}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: debugger}}
subjects: [{{kind: User, name: oncall}}]
"""


TECHNIQUE = Technique(
    id="rbac.pods-ephemeral",
    title="RBAC allows adding ephemeral containers to pods",
    severity="high",
    mitre="T1609",
    remediation="Remove patch and update on pods/ephemeralcontainers from the role; grant "
                "kubectl debug temporarily, by resourceNames, to named people only, and "
                "enforce Pod Security 'baseline' so that debug containers cannot be "
                "privileged.",
    cost=1.5,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "cluster-wide patch reaches every namespace's pods",
            _role('{apiGroups: [""], resources: [pods/ephemeralcontainers], verbs: [patch]}',
                  "ClusterRoleBinding"),
            frozenset({("k8s:ClusterRoleBinding:debuggers", "hub:pods-ephemeral:cluster"),
                       ("hub:pods-ephemeral:cluster", "hub:pods-ephemeral:ns/shop"),
                       ("hub:pods-ephemeral:cluster", "hub:pods-ephemeral:ns/jobs"),
                       ("hub:pods-ephemeral:ns/shop", "k8s:Pod:shop/api"),
                       ("hub:pods-ephemeral:ns/jobs", "k8s:Pod:jobs/worker")}),
            {("k8s:ClusterRoleBinding:debuggers", "hub:pods-ephemeral:cluster"): "certain"},
        ),
        Example(
            "update by name in one namespace",
            _role('{apiGroups: [""], resources: [pods/ephemeralcontainers], verbs: [update], '
                  'resourceNames: [api, worker]}'),
            frozenset({("k8s:RoleBinding:shop/debuggers", "k8s:Pod:shop/api")}),
        ),
        Example(
            "get on the subresource and patch on pods/ephemeral (no such resource)",
            _role('{apiGroups: [""], resources: [pods/ephemeralcontainers], verbs: [get]}, '
                  '{apiGroups: [""], resources: [pods/ephemeral], verbs: [patch]}'),
        ),
    ),
)
