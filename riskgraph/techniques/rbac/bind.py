"""rbac.bind: ``bind`` on an all-powerful role plus the right to write a binding to it.

A ClusterRoleBinding that may bind cluster-admin (``bind`` on clusterroles, for any name or
by name) and create ClusterRoleBindings is cluster admin. Creating RoleBindings instead
gives every permission in each namespace it may create them in: ``hub:wildcard:ns/<ns>``,
or ``hub:wildcard:cluster`` for all of them, whose fan-out ``rbac.wildcard`` emits. Update
or patch of an existing binding to such a role works too: the subject adds itself to it.
ClusterRoleBindings cannot refer to Roles, so ``bind roles`` with create
clusterrolebindings reaches nothing. See :mod:`riskgraph.techniques.rbac._power` for the
exact rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.rbac._power import bind_power


def find(inv: Inventory) -> Iterator[Edge]:
    for entry in bind_power(inv):
        yield Edge(entry.source, entry.target, entry.reason, entry.evidence)


def _cluster(rules: str, binding: str = "ClusterRoleBinding") -> str:
    meta = "{name: binders}" if binding == "ClusterRoleBinding" \
        else "{name: binders, namespace: shop}"
    return f"""
kind: ClusterRole
metadata: {{name: binder}}
rules: [{rules}]
---
kind: {binding}
metadata: {meta}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: binder}}
subjects: [{{kind: ServiceAccount, name: rbac-manager, namespace: platform}}]
"""


_BIND_CLUSTER_ADMIN = ('{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], '
                       'verbs: [bind], resourceNames: [cluster-admin]}')

TECHNIQUE = Technique(
    id="rbac.bind",
    title="RBAC allows binding an all-powerful role",
    severity="critical",
    mitre="T1098",
    remediation="Remove the bind verb on roles and clusterroles (or narrow it by "
                "resourceNames to roles weaker than the subject's own) from any role that "
                "can also create or update role bindings; only cluster administrators "
                "should bind cluster-admin.",
    cost=1.5,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "bind cluster-admin by name and create clusterrolebindings: cluster admin",
            _cluster(_BIND_CLUSTER_ADMIN + ', {apiGroups: [rbac.authorization.k8s.io], '
                     'resources: [clusterrolebindings], verbs: [create]}'),
            frozenset({("k8s:ClusterRoleBinding:binders", "k8s:ClusterAdmin")}),
        ),
        Example(
            "bind any clusterrole and create rolebindings everywhere: every namespace",
            _cluster('{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], '
                     'verbs: [bind]}, {apiGroups: [rbac.authorization.k8s.io], '
                     'resources: [rolebindings], verbs: [create]}'),
            frozenset({("k8s:ClusterRoleBinding:binders", "hub:wildcard:cluster")}),
        ),
        Example(
            "the same through a RoleBinding: its own namespace",
            _cluster(_BIND_CLUSTER_ADMIN + ', {apiGroups: [rbac.authorization.k8s.io], '
                     'resources: [rolebindings, clusterrolebindings], verbs: [create]}',
                     "RoleBinding"),
            frozenset({("k8s:RoleBinding:shop/binders", "hub:wildcard:ns/shop")}),
        ),
        Example(
            "bind roles with clusterrolebindings, bind view only, create without bind",
            _cluster('{apiGroups: [rbac.authorization.k8s.io], resources: [roles], '
                     'verbs: [bind]}, {apiGroups: [rbac.authorization.k8s.io], '
                     'resources: [clusterroles], verbs: [bind], resourceNames: [view, edit]}, '
                     '{apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings], '
                     'verbs: [create]}'),
        ),
    ),
)
