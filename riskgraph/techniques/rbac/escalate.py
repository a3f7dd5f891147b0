"""rbac.escalate: ``escalate`` plus update or patch on the role a binding grants lets its
subject write any rule into that role, ``*`` on ``*`` included.

Through a ClusterRoleBinding that is cluster admin; through a RoleBinding to a Role, every
permission in the namespace (``hub:wildcard:ns/<ns>``, fanned out by ``rbac.wildcard``).
A ClusterRole the bound role aggregates counts as the role itself: rules written into it
flow in. Editing a role bound to someone else is no step for the editor, and a
RoleBinding can never update a ClusterRole. See :mod:`riskgraph.techniques.rbac._power`.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.rbac._power import escalate_power


def find(inv: Inventory) -> Iterator[Edge]:
    for entry in escalate_power(inv):
        yield Edge(entry.source, entry.target, entry.reason, entry.evidence)


def _bound(kind: str, rules: str, binding: str, name: str = "role-admin") -> str:
    namespace = "    namespace: shop\n" if kind == "Role" else ""
    binding_ns = "    namespace: shop\n" if binding == "RoleBinding" else ""
    return f"""
kind: {kind}
metadata:
    name: {name}
{namespace}rules: [{rules}]
---
kind: {binding}
metadata:
    name: {name}s
{binding_ns}roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {name}}}
subjects: [{{kind: User, name: dana}}]
"""


_RBAC = "rbac.authorization.k8s.io"

TECHNIQUE = Technique(
    id="rbac.escalate",
    title="RBAC allows escalating a role the subject holds",
    severity="critical",
    mitre="T1098",
    remediation="Remove the escalate verb from the role; a subject that manages roles "
                "should hold every permission it hands out instead, which the API server "
                "checks without escalate.",
    cost=1.5,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "escalate and patch on clusterroles, bound cluster-wide: cluster admin",
            _bound("ClusterRole", f"{{apiGroups: [{_RBAC}], resources: [clusterroles], "
                   "verbs: [escalate, patch]}", "ClusterRoleBinding"),
            frozenset({("k8s:ClusterRoleBinding:role-admins", "k8s:ClusterAdmin")}),
        ),
        Example(
            "escalate and update its own Role by name: the namespace",
            _bound("Role", f"{{apiGroups: [{_RBAC}], resources: [roles], "
                   "verbs: [escalate, update], resourceNames: [role-admin]}", "RoleBinding"),
            frozenset({("k8s:RoleBinding:shop/role-admins", "hub:wildcard:ns/shop")}),
        ),
        Example(
            "escalate with update of other roles only; clusterroles through a RoleBinding",
            _bound("Role", f"{{apiGroups: [{_RBAC}], resources: [roles], verbs: [escalate]}}, "
                   f"{{apiGroups: [{_RBAC}], resources: [roles], verbs: [update], "
                   "resourceNames: [other]}", "RoleBinding") + "---" + _bound(
                "ClusterRole", f"{{apiGroups: [{_RBAC}], resources: [clusterroles], "
                "verbs: [escalate, update]}", "RoleBinding", "cluster-role-admin"),
        ),
    ),
)
