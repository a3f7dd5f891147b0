"""rbac.secrets-read: get, list or watch on secrets reads the secrets in scope.

``list`` and ``watch`` return every secret with its values: certain. ``get`` alone needs
the names, which an attacker has to learn elsewhere: likely, unless the rule's
``resourceNames`` hands them over. A grant enters its hub even when its scope holds no
Secret in the input (install bundles ship none): the hub then stands for "any secret" there
and is itself a target of ``--to secret``.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import Target, hub_edges
from riskgraph.techniques._shared.rbac_rules import Grant, accesses, grants

CAPABILITY = "secrets-read"
READ_VERBS = ("get", "list", "watch")


def _confidence(grant: Grant) -> Confidence:
    if grant.names is not None or set(grant.verbs) & {"list", "watch"}:
        return "certain"
    return "likely"


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    for secret in inv.secrets_in(namespace):
        yield Target(ids.k8s_id("Secret", secret.name, namespace), secret.name,
                     f"whoever can read secrets in namespace {namespace} reads secret "
                     f"{namespace}/{secret.name}")


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, READ_VERBS, ("secrets",)), _confidence)
    # Install bundles ship no Secrets: the power to read them is reported all the same,
    # the hub standing for "any secret" of its scope (see riskgraph.graph).
    yield from hub_edges(inv, CAPABILITY, found, lambda ns: _targets(inv, ns), "read secrets",
                         enter_empty=True)


_SECRETS = """
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: Secret
metadata: {name: api-key, namespace: shop}
---
kind: Secret
metadata: {name: token, namespace: other}
"""

TECHNIQUE = Technique(
    id="rbac.secrets-read",
    title="RBAC allows reading secrets",
    severity="high",
    mitre="T1552.007",
    remediation="Remove get/list/watch on secrets from the role, or narrow the rule with "
                "resourceNames to the secrets the subject needs; mount secrets into the "
                "workload instead of reading them through the API.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "RoleBinding to edit lists the secrets of its own namespace only",
            _SECRETS + """---
kind: RoleBinding
metadata: {name: ci, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: ci}]
""",
            frozenset({("k8s:RoleBinding:shop/ci", "hub:secrets-read:ns/shop"),
                       ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db"),
                       ("hub:secrets-read:ns/shop", "k8s:Secret:shop/api-key")}),
            {("k8s:RoleBinding:shop/ci", "hub:secrets-read:ns/shop"): "certain"},
        ),
        Example(
            "cluster-wide get fans out through every namespace hub, likely",
            _SECRETS + """---
kind: ClusterRole
metadata: {name: secret-getter}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
kind: ClusterRoleBinding
metadata: {name: getters}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-getter}
subjects: [{kind: Group, name: ops}]
""",
            frozenset({("k8s:ClusterRoleBinding:getters", "hub:secrets-read:cluster"),
                       ("hub:secrets-read:cluster", "hub:secrets-read:ns/shop"),
                       ("hub:secrets-read:cluster", "hub:secrets-read:ns/other"),
                       ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db"),
                       ("hub:secrets-read:ns/shop", "k8s:Secret:shop/api-key"),
                       ("hub:secrets-read:ns/other", "k8s:Secret:other/token")}),
            {("k8s:ClusterRoleBinding:getters", "hub:secrets-read:cluster"): "likely"},
        ),
        Example(
            "get by name reaches only the named secret, certain",
            _SECRETS + """---
kind: Role
metadata: {name: db-reader, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db]}]
---
kind: RoleBinding
metadata: {name: app, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: db-reader}
subjects: [{kind: ServiceAccount, name: app}]
""",
            frozenset({("k8s:RoleBinding:shop/app", "k8s:Secret:shop/db")}),
            {("k8s:RoleBinding:shop/app", "k8s:Secret:shop/db"): "certain"},
        ),
        Example(
            "view role, wrong API group, names excluding every secret",
            _SECRETS + """---
kind: RoleBinding
metadata: {name: viewers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: devs}]
---
kind: Role
metadata: {name: odd, namespace: shop}
rules:
- {apiGroups: [apps], resources: [secrets], verbs: [list]}
- {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [tls]}
---
kind: RoleBinding
metadata: {name: odd, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: odd}
subjects: [{kind: Group, name: devs}]
""",
        ),
        Example(
            "a namespace without secrets in the input: its hub stands for any secret there, "
            "none of another namespace is reached",
            _SECRETS + """---
kind: RoleBinding
metadata: {name: elsewhere, namespace: empty}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: devs}]
""",
            frozenset({("k8s:RoleBinding:empty/elsewhere", "hub:secrets-read:ns/empty")}),
        ),
        Example(
            "an install bundle without secrets: the cluster hub stands for every secret",
            """
kind: ClusterRole
metadata: {name: ctrl}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
kind: ClusterRoleBinding
metadata: {name: ctrl}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ctrl}
subjects: [{kind: ServiceAccount, name: ctrl, namespace: tools}]
""",
            frozenset({("k8s:ClusterRoleBinding:ctrl", "hub:secrets-read:cluster")}),
            {("k8s:ClusterRoleBinding:ctrl", "hub:secrets-read:cluster"): "certain"},
        ),
    ),
)
