"""pod.token-automount: a service-account token is mounted into a pod that has no use for it.

The token is mounted unless ``automountServiceAccountToken: false`` on the pod (which wins)
or its service account says otherwise. Whether the application calls the API is not in the
input; a service account that no RoleBinding or ClusterRoleBinding names is the sign that it
does not, so the finding is ``likely``. A stolen token still authenticates, and with
whatever its groups (``system:serviceaccounts``) are granted.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import owner_of
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques._shared.common import automount_decision, namespace_of


def find(inv: Inventory) -> Iterator[Finding]:
    bound = {(s.namespace or b.metadata.namespace, s.name)
             for b in inv.bindings for s in b.subjects if s.kind == "ServiceAccount"}
    seen: set[str] = set()
    for pod in inv.pods:
        account = pod.spec.effective_service_account
        if (namespace_of(pod), account) in bound:
            continue
        mounted, proof = automount_decision(inv, pod)
        owner = owner_of(pod)
        if mounted and owner not in seen:
            seen.add(owner)
            yield Finding(owner, f"the token of service account {account} is mounted, and no "
                          "binding grants that account anything, so the pod likely never "
                          "calls the API", (proof,), "likely")


CHECK = Check(
    id="pod.token-automount",
    title="Service-account token mounted into a pod that does not call the API",
    severity="low",
    remediation="Set automountServiceAccountToken: false on the pod (or its service "
                "account), and mount a projected token only where the API is called.",
    find=find,
    examples=(
        Example("default account mounted", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: nginx}
""", frozenset({"k8s:Pod:shop/web"})),
        Example("opted out, or an account with a binding", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  automountServiceAccountToken: false
  containers:
  - {name: a, image: nginx}
---
kind: ServiceAccount
metadata: {name: quiet, namespace: shop}
automountServiceAccountToken: false
---
kind: Pod
metadata: {name: worker, namespace: shop}
spec:
  serviceAccountName: quiet
  containers:
  - {name: a, image: tool}
---
kind: Pod
metadata: {name: ctl, namespace: shop}
spec:
  serviceAccountName: ctl
  containers:
  - {name: a, image: kubectl}
---
kind: ServiceAccount
metadata: {name: ctl, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ctl, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: ctl, namespace: shop}
"""),
    ),
)
