"""rbac.impersonate: ``impersonate`` on users, groups or service accounts acts as them.

- **users** (cluster-wide only): the named users, or, without ``resourceNames``, every
  user some binding names (through ``hub:impersonate-users:cluster``). A user name of the
  form ``system:serviceaccount:<ns>:<name>`` is checked against ``serviceaccounts``.
- **serviceaccounts**: the accounts in scope (or the named ones), through one hub per
  namespace as for the other ``rbac.*`` grants.
- **groups** (cluster-wide only): the named groups, or, without ``resourceNames``,
  ``system:masters``, which is cluster admin. The API server refuses group impersonation
  without a user to impersonate, so the same binding must impersonate some user or
  service account too.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import HUB_COST, Target, hub_edges
from riskgraph.techniques._shared.rbac_rules import (
    Grant,
    accesses,
    always_certain,
    binding_vertex,
    grants_by_binding,
)

CAPABILITY = "impersonate"
MASTERS = "system:masters"
_SA_USER_PREFIX = "system:serviceaccount:"


def _account_targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    for name in inv.service_account_names(namespace):
        yield Target(ids.k8s_id("ServiceAccount", name, namespace), name,
                     f"whoever can impersonate service accounts in namespace {namespace} "
                     f"acts as {namespace}/{name}")


def _bound_users(inv: Inventory) -> list[str]:
    """Every user name a binding's subjects name, service accounts aside."""
    names = {s.name for b in inv.bindings for s in b.subjects
             if s.kind == "User" and not s.name.startswith(_SA_USER_PREFIX)}
    return sorted(names)


def find(inv: Inventory) -> Iterator[Edge]:
    by_binding = grants_by_binding(inv, ("impersonate",), ("users", "groups",
                                                          "serviceaccounts"))
    users_hub = ids.hub_id(f"{CAPABILITY}-users", ids.CLUSTER_SCOPE)
    bound_users = _bound_users(inv) if by_binding else []
    users_hub_entered = False
    for source, found in by_binding.items():
        for grant in found:
            if grant.resource == "users" and grant.names is None and bound_users:
                users_hub_entered = True
                yield Edge(source, users_hub, grant.phrase, grant.evidence)
            elif grant.resource == "users":
                for name in sorted(grant.names or ()):
                    if not name.startswith(_SA_USER_PREFIX):
                        yield Edge(source, ids.user_id(name),
                                   f"{grant.phrase}: it acts as user {name}", grant.evidence)
        yield from _group_edges(found)
    if users_hub_entered:
        for name in bound_users:
            yield Edge(users_hub, ids.user_id(name),
                       f"whoever can impersonate any user acts as user {name}", (),
                       "certain", HUB_COST)
    accounts = [g for found in by_binding.values() for g in found
                if g.resource == "serviceaccounts"]
    yield from hub_edges(inv, f"{CAPABILITY}-serviceaccounts",
                         accesses(accounts, always_certain),
                         lambda ns: _account_targets(inv, ns), "impersonate service accounts")


def _group_edges(found: list[Grant]) -> Iterator[Edge]:
    """Groups a binding impersonates, when it can also impersonate a user to carry them."""
    carrier = next((g for g in found if g.resource in ("users", "serviceaccounts")), None)
    if carrier is None:
        return
    for grant in found:
        if grant.resource != "groups":
            continue
        evidence = tuple(dict.fromkeys((*grant.evidence, *carrier.evidence)))
        source = binding_vertex(grant.binding)
        if grant.names is None:
            yield Edge(source, ids.group_id(MASTERS),
                       f"{grant.phrase}, and it {carrier.allowance} to carry them: it can "
                       f"claim group {MASTERS}", evidence)
            continue
        for name in sorted(grant.names):
            yield Edge(source, ids.group_id(name),
                       f"{grant.phrase}, and it {carrier.allowance} to carry them: it can "
                       f"claim group {name}", evidence)


def _cluster(rules: str) -> str:
    return f"""
kind: ClusterRole
metadata: {{name: impersonator}}
rules: [{rules}]
---
kind: ClusterRoleBinding
metadata: {{name: impersonators}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator}}
subjects: [{{kind: User, name: support}}]
---
kind: ClusterRoleBinding
metadata: {{name: alice-view}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects: [{{kind: User, name: alice}}]
"""


TECHNIQUE = Technique(
    id="rbac.impersonate",
    title="RBAC allows impersonating users, groups or service accounts",
    severity="critical",
    mitre="T1078",
    remediation="Remove impersonate from the role, or narrow it with resourceNames to the "
                "identities the subject must act as; never allow impersonating groups "
                "without resourceNames (that includes system:masters). The built-in edit "
                "and admin roles allow impersonating every service account of the namespace.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "any user and any group: every bound user, and system:masters",
            _cluster('{apiGroups: [""], resources: [users, groups], verbs: [impersonate]}'),
            frozenset({("k8s:ClusterRoleBinding:impersonators", "hub:impersonate-users:cluster"),
                       ("hub:impersonate-users:cluster", "k8s:User:support"),
                       ("hub:impersonate-users:cluster", "k8s:User:alice"),
                       ("k8s:ClusterRoleBinding:impersonators", "k8s:Group:system:masters")}),
        ),
        Example(
            "named user and group; service accounts of one namespace",
            _cluster('{apiGroups: [""], resources: [users], verbs: [impersonate], '
                     'resourceNames: [alice]}, '
                     '{apiGroups: [""], resources: [groups], verbs: [impersonate], '
                     'resourceNames: [devs]}') + """---
kind: RoleBinding
metadata: {name: as-apps, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonator-sa}
subjects: [{kind: User, name: support}]
---
kind: ClusterRole
metadata: {name: impersonator-sa}
rules: [{apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}]
""",
            frozenset({("k8s:ClusterRoleBinding:impersonators", "k8s:User:alice"),
                       ("k8s:ClusterRoleBinding:impersonators", "k8s:Group:devs"),
                       ("k8s:RoleBinding:shop/as-apps", "hub:impersonate-serviceaccounts:ns/shop"),
                       ("hub:impersonate-serviceaccounts:ns/shop",
                        "k8s:ServiceAccount:shop/default")}),
        ),
        Example(
            "groups without a user to carry them; users through a RoleBinding; other groups",
            _cluster('{apiGroups: [""], resources: [groups], verbs: [impersonate]}, '
                     '{apiGroups: [authentication.k8s.io], resources: [users], '
                     'verbs: [impersonate]}') + """---
kind: RoleBinding
metadata: {name: local, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: user-impersonator}
subjects: [{kind: User, name: support}]
---
kind: ClusterRole
metadata: {name: user-impersonator}
rules: [{apiGroups: [""], resources: [users, groups], verbs: [impersonate]}]
""",
        ),
    ),
)
