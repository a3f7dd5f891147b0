"""rbac.pods-exec: create on pods/exec runs commands in the pods in scope.

``create`` is what the API server checks for exec; ``get`` alone suffices only on API
servers that still authorize exec upgrade requests as ``get``: likely. ``resourceNames``
narrows exec to the named live pods (a template's pods get generated names).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.confidence import Confidence
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import pod_id
from riskgraph.techniques._shared.rbac_hubs import Target, hub_edges
from riskgraph.techniques._shared.rbac_rules import Grant, accesses, grants

CAPABILITY = "pods-exec"


def _confidence(grant: Grant) -> Confidence:
    return "certain" if "create" in grant.verbs else "likely"


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    for pod in inv.pods_in(namespace):
        yield Target(pod_id(pod), pod.name if pod.template_of is None else None,
                     Reason("whoever can exec into pods in namespace {0} runs commands in "
                            "pod {0}/{1}", namespace, pod.name))


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("create", "get"), ("pods/exec",)), _confidence)
    yield from hub_edges(inv, CAPABILITY, found, lambda ns: _targets(inv, ns),
                         "exec into pods")


_PODS = """
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: nginx, image: nginx}]
---
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers: [{name: shell, image: busybox}]
---
kind: Pod
metadata: {name: api, namespace: other}
spec:
  containers: [{name: api, image: api}]
"""


def _role(rule: str, ref: str = "Role") -> str:
    return _PODS + f"""---
kind: Role
metadata: {{name: operator, namespace: shop}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: operators, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {ref}, name: operator}}
subjects: [{{kind: Group, name: ops}}]
"""


_SHOP_HUB = frozenset({("k8s:RoleBinding:shop/operators", "hub:pods-exec:ns/shop"),
                       ("hub:pods-exec:ns/shop", "k8s:Pod:shop/web"),
                       ("hub:pods-exec:ns/shop", "k8s:Pod:shop/debug")})

TECHNIQUE = Technique(
    id="rbac.pods-exec",
    title="RBAC allows exec into pods",
    severity="high",
    mitre="T1609",
    remediation="Remove create (and get) on pods/exec from the role; for break-glass "
                "debugging grant it temporarily, by resourceNames, to named people only.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "create pods/exec in one namespace reaches its pods and templates",
            _role('{apiGroups: [""], resources: [pods/exec], verbs: [create]}'),
            _SHOP_HUB,
            {("k8s:RoleBinding:shop/operators", "hub:pods-exec:ns/shop"): "certain"},
        ),
        Example(
            "get alone on a subresource wildcard is likely",
            _role('{apiGroups: [""], resources: ["*/exec"], verbs: [get]}'),
            _SHOP_HUB,
            {("k8s:RoleBinding:shop/operators", "hub:pods-exec:ns/shop"): "likely"},
        ),
        Example(
            "resourceNames narrows exec to the named live pod",
            _role('{apiGroups: [""], resources: [pods/exec], verbs: [create], '
                  'resourceNames: [debug, api]}'),
            frozenset({("k8s:RoleBinding:shop/operators", "k8s:Pod:shop/debug")}),
        ),
        Example(
            "view role, wrong API group and pods/* (not a wildcard in RBAC)",
            _role('{apiGroups: [apps], resources: [pods/exec], verbs: [create]}, '
                  '{apiGroups: [""], resources: ["pods/*"], verbs: [create]}') + """---
kind: RoleBinding
metadata: {name: viewers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: devs}]
""",
        ),
    ),
)
