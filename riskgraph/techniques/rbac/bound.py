"""rbac.bound: a subject of a binding holds what the binding grants.

Service accounts are also members of the groups the API server gives every service account
(``system:serviceaccounts``, ``system:serviceaccounts:<ns>``, ``system:authenticated``).
Every authenticated identity is in ``system:authenticated``: the users and groups bindings
name join it too. An anonymous request (anonymous auth may be off: ``likely``) is user
``system:anonymous`` in group ``system:unauthenticated``, which is not authenticated, so
the internet reaches those two. Membership edges are emitted only for the groups (and the
anonymous user) some binding names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.models import RoleBinding, Subject
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_rules import binding_vertex, bound_roles, home_namespace

ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
_NAMESPACE_GROUP_PREFIX = "system:serviceaccounts:"
MEMBERSHIP_COST = 0.1
_SA_USER_PREFIX = "system:serviceaccount:"

_SUBJECT_WORDS = {"ServiceAccount": "service account", "User": "user", "Group": "group"}


def subject_vertex(binding: RoleBinding, subject: Subject) -> str | None:
    """The vertex a subject names; None for a kind RBAC does not know or a service account
    of a ClusterRoleBinding without the namespace the API server requires."""
    if subject.kind == "ServiceAccount":
        namespace = subject.namespace or home_namespace(binding)
        return ids.k8s_id("ServiceAccount", subject.name, namespace) if namespace else None
    if subject.kind == "User":
        # A service account authenticates as this user name, so it is the same identity.
        namespace, _, name = subject.name.removeprefix(_SA_USER_PREFIX).partition(":")
        if subject.name.startswith(_SA_USER_PREFIX) and namespace and name:
            return ids.k8s_id("ServiceAccount", name, namespace)
        return ids.user_id(subject.name)
    if subject.kind == "Group":
        return ids.group_id(subject.name)
    return None


def find(inv: Inventory) -> Iterator[Edge]:
    named_groups: dict[str, None] = {}
    named_identities: dict[str, None] = {}
    for binding, _ in bound_roles(inv):
        target = binding_vertex(binding)
        for index, subject in enumerate(binding.subjects):
            source = subject_vertex(binding, subject)
            if source is None:
                continue
            if subject.kind == "Group":
                named_groups[subject.name] = None
            if not source.startswith("k8s:ServiceAccount:"):
                named_identities[source] = None
            identity = ids.parse(source)
            who = (f"{identity.namespace}/{identity.name}" if identity.namespace
                   else identity.name)
            fields = {"kind": subject.kind, "name": subject.name}
            if subject.namespace is not None:
                fields["namespace"] = subject.namespace
            yield Edge(source, target,
                       f"{_SUBJECT_WORDS[identity.kind]} {who} is a subject of {binding.ref}",
                       (f"{target}: subjects[{index}]="
                        f"{json.dumps(fields, separators=(',', ':'))}",))
    yield from _memberships(inv, named_groups)
    yield from _anonymous(named_groups, named_identities)
    if AUTHENTICATED in named_groups:
        yield from _authenticated(named_identities)


def _anonymous(groups: dict[str, None], identities: dict[str, None]) -> Iterator[Edge]:
    """The internet -> the anonymous user and group, when some binding names them."""
    for named, vertex in ((UNAUTHENTICATED in groups, ids.group_id(UNAUTHENTICATED)),
                          (ids.user_id(ANONYMOUS) in identities, ids.user_id(ANONYMOUS))):
        if named:
            yield Edge(ids.INTERNET, vertex,
                       f"a request without credentials is user {ANONYMOUS} in group "
                       f"{UNAUTHENTICATED} while anonymous auth is on (the API server's "
                       "default) and the API endpoint is reachable", (), "likely")


def _authenticated(identities: dict[str, None]) -> Iterator[Edge]:
    """Users and groups that bindings name -> ``system:authenticated``."""
    outside = {ids.group_id(AUTHENTICATED), ids.group_id(UNAUTHENTICATED),
               ids.user_id(ANONYMOUS)}
    for vertex in identities:
        if vertex not in outside:
            identity = ids.parse(vertex)
            yield Edge(vertex, ids.group_id(AUTHENTICATED),
                       f"{_SUBJECT_WORDS[identity.kind]} {identity.name} authenticates as a "
                       f"member of group {AUTHENTICATED}", (), cost=MEMBERSHIP_COST)


def _memberships(inv: Inventory, groups: dict[str, None]) -> Iterator[Edge]:
    """Service account -> each group in ``groups`` the API server puts it in."""
    everywhere = [g for g in (ALL_SERVICE_ACCOUNTS, AUTHENTICATED) if g in groups]
    per_namespace = {g.removeprefix(_NAMESPACE_GROUP_PREFIX) for g in groups
                     if g.startswith(_NAMESPACE_GROUP_PREFIX)}
    namespaces = sorted(per_namespace.union(inv.namespace_names) if everywhere
                        else per_namespace)
    for namespace in namespaces:
        member_of = list(everywhere)
        if namespace in per_namespace:
            member_of.append(_NAMESPACE_GROUP_PREFIX + namespace)
        for name in inv.service_account_names(namespace) if member_of else ():
            account = ids.k8s_id("ServiceAccount", name, namespace)
            for group in member_of:
                yield Edge(account, ids.group_id(group),
                           f"service account {namespace}/{name} authenticates as a member "
                           f"of group {group}", (), cost=MEMBERSHIP_COST)


TECHNIQUE = Technique(
    id="rbac.bound",
    title="Subject of a role binding",
    severity="info",
    mitre="T1078",
    remediation="Bind roles to the narrowest subject: one service account per workload, no "
                "bindings to system:authenticated or system:serviceaccounts, and remove "
                "subjects that no longer need the role.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "service account, user and group subjects of a RoleBinding",
            """
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
kind: RoleBinding
metadata: {name: readers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: app}
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
""",
            frozenset({("k8s:ServiceAccount:shop/app", "k8s:RoleBinding:shop/readers"),
                       ("k8s:User:alice", "k8s:RoleBinding:shop/readers"),
                       ("k8s:Group:devs", "k8s:RoleBinding:shop/readers")}),
        ),
        Example(
            "namespace service-account group names only that namespace's accounts",
            """
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
kind: ServiceAccount
metadata: {name: bot, namespace: other}
---
kind: ClusterRoleBinding
metadata: {name: shop-viewers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:serviceaccounts:shop"}]
""",
            frozenset({("k8s:Group:system:serviceaccounts:shop",
                        "k8s:ClusterRoleBinding:shop-viewers"),
                       ("k8s:ServiceAccount:shop/app", "k8s:Group:system:serviceaccounts:shop"),
                       ("k8s:ServiceAccount:shop/default",
                        "k8s:Group:system:serviceaccounts:shop")}),
        ),
        Example(
            "anonymous and authenticated groups: the internet is anonymous, users authenticated",
            """
kind: ClusterRoleBinding
metadata: {name: everyone}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:unauthenticated"}
- {kind: Group, name: "system:authenticated"}
- {kind: User, name: alice}
- {kind: User, name: "system:anonymous"}
""",
            frozenset({("k8s:Group:system:unauthenticated", "k8s:ClusterRoleBinding:everyone"),
                       ("k8s:Group:system:authenticated", "k8s:ClusterRoleBinding:everyone"),
                       ("k8s:User:alice", "k8s:ClusterRoleBinding:everyone"),
                       ("k8s:User:system:anonymous", "k8s:ClusterRoleBinding:everyone"),
                       ("internet", "k8s:Group:system:unauthenticated"),
                       ("internet", "k8s:User:system:anonymous"),
                       ("k8s:User:alice", "k8s:Group:system:authenticated")}),
            {("internet", "k8s:Group:system:unauthenticated"): "likely"},
        ),
        Example(
            "binding without subjects and accounts in no named group",
            """
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
kind: RoleBinding
metadata: {name: nobody, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
""",
        ),
    ),
)
