"""rbac.secrets-create-token: creating a secret of type
``kubernetes.io/service-account-token`` annotated with a service account's name makes the
legacy token controller write a long-lived token for that account into it.

Any account of the namespace can be named (RBAC does not see the annotation), so the reach
is every service account in scope. The token lands in the secret after it is created, so
the same binding must also read secrets (get, list or watch, for any name) to collect it.
Likely: the controller still fills such secrets on current releases, but a cluster can
turn it off.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import Target, hub_edges
from riskgraph.techniques._shared.rbac_rules import Access, grants_by_binding

CAPABILITY = "secrets-create-token"


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    for name in inv.service_account_names(namespace):
        yield Target(ids.k8s_id("ServiceAccount", name, namespace), name,
                     f"whoever can create and read secrets in namespace {namespace} has the "
                     f"token controller mint a token for service account {namespace}/{name}")


def find(inv: Inventory) -> Iterator[Edge]:
    creators = grants_by_binding(inv, ("create",), ("secrets",))
    readers = grants_by_binding(inv, ("list", "watch", "get"), ("secrets",)) if creators else {}
    found = []
    for vertex, created in creators.items():
        read = next((g for g in readers.get(vertex, ()) if g.names is None), None)
        if read is not None:
            create = created[0]
            found.append(Access(
                create.binding, None, "likely",
                f"{create.phrase}; it also {read.allowance}, so it can create a "
                "service-account token secret and read the token written into it",
                tuple(dict.fromkeys((*create.evidence, *read.evidence)))))
    yield from hub_edges(inv, CAPABILITY, found, lambda ns: _targets(inv, ns),
                         "mint service-account tokens")


def _binding(rule: str) -> str:
    return f"""
kind: ServiceAccount
metadata: {{name: deployer, namespace: ci}}
---
kind: Role
metadata: {{name: secret-writer, namespace: ci}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: secret-writers, namespace: ci}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-writer}}
subjects: [{{kind: User, name: bob}}]
"""


TECHNIQUE = Technique(
    id="rbac.secrets-create-token",
    title="RBAC allows minting service-account tokens through secrets",
    severity="high",
    mitre="T1528",
    remediation="Do not grant create together with read on secrets; on Kubernetes 1.24+ "
                "delete legacy service-account token secrets, and forbid new ones of type "
                "kubernetes.io/service-account-token with an admission policy.",
    cost=1.5,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "create and get secrets reach every account of the namespace, likely",
            _binding('{apiGroups: [""], resources: [secrets], verbs: [create, get]}'),
            frozenset({("k8s:RoleBinding:ci/secret-writers", "hub:secrets-create-token:ns/ci"),
                       ("hub:secrets-create-token:ns/ci", "k8s:ServiceAccount:ci/deployer"),
                       ("hub:secrets-create-token:ns/ci", "k8s:ServiceAccount:ci/default")}),
            {("k8s:RoleBinding:ci/secret-writers", "hub:secrets-create-token:ns/ci"): "likely"},
        ),
        Example(
            "create without reading back, named create, and reads by name only",
            _binding('{apiGroups: [""], resources: [secrets], verbs: [create]}, '
                     '{apiGroups: [""], resources: [secrets], verbs: [get], '
                     'resourceNames: [tls]}, '
                     '{apiGroups: [""], resources: [configmaps], verbs: [get, list]}'),
        ),
    ),
)
