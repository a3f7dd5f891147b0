"""rbac.token-request: create on serviceaccounts/token returns a fresh token for a service
account in scope (the TokenRequest API).

The token is in the response itself, so nothing else is needed. The request names the
account, so ``resourceNames`` narrows it to the named accounts.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import Target, hub_edges
from riskgraph.techniques._shared.rbac_rules import accesses, always_certain, grants

CAPABILITY = "token-request"


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    for name in inv.service_account_names(namespace):
        yield Target(ids.k8s_id("ServiceAccount", name, namespace), name,
                     f"whoever can request tokens in namespace {namespace} gets one for "
                     f"service account {namespace}/{name}")


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("create",), ("serviceaccounts/token",)), always_certain)
    yield from hub_edges(inv, CAPABILITY, found, lambda ns: _targets(inv, ns),
                         "request service-account tokens")


_ACCOUNTS = """
kind: ServiceAccount
metadata: {name: builder, namespace: ci}
---
kind: ServiceAccount
metadata: {name: admin-bot, namespace: ops}
"""

TECHNIQUE = Technique(
    id="rbac.token-request",
    title="RBAC allows requesting service-account tokens",
    severity="high",
    mitre="T1528",
    remediation="Remove create on serviceaccounts/token from the role, or narrow it with "
                "resourceNames to the accounts the subject must act as; keep powerful "
                "service accounts in namespaces nobody else can request tokens in.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "cluster-wide token requests reach every account",
            _ACCOUNTS + """---
kind: ClusterRole
metadata: {name: token-minter}
rules: [{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}]
---
kind: ClusterRoleBinding
metadata: {name: minters}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: token-minter}
subjects: [{kind: Group, name: platform}]
""",
            frozenset({("k8s:ClusterRoleBinding:minters", "hub:token-request:cluster"),
                       ("hub:token-request:cluster", "hub:token-request:ns/ci"),
                       ("hub:token-request:cluster", "hub:token-request:ns/ops"),
                       ("hub:token-request:ns/ci", "k8s:ServiceAccount:ci/builder"),
                       ("hub:token-request:ns/ci", "k8s:ServiceAccount:ci/default"),
                       ("hub:token-request:ns/ops", "k8s:ServiceAccount:ops/admin-bot"),
                       ("hub:token-request:ns/ops", "k8s:ServiceAccount:ops/default")}),
        ),
        Example(
            "resourceNames narrows the request to the named account of the namespace",
            _ACCOUNTS + """---
kind: Role
metadata: {name: builder-token, namespace: ci}
rules: [{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create],
         resourceNames: [builder, admin-bot]}]
---
kind: RoleBinding
metadata: {name: builder-token, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: builder-token}
subjects: [{kind: User, name: carol}]
""",
            frozenset({("k8s:RoleBinding:ci/builder-token", "k8s:ServiceAccount:ci/builder")}),
        ),
        Example(
            "get on the token subresource and create on serviceaccounts are no token request",
            _ACCOUNTS + """---
kind: Role
metadata: {name: sa-admin, namespace: ci}
rules:
- {apiGroups: [""], resources: [serviceaccounts/token], verbs: [get]}
- {apiGroups: [""], resources: [serviceaccounts], verbs: [create, get]}
---
kind: RoleBinding
metadata: {name: sa-admin, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: sa-admin}
subjects: [{kind: User, name: carol}]
""",
        ),
    ),
)
