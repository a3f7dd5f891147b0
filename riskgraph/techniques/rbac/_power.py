"""Power gained by rewriting RBAC itself: the reach of ``rbac.bind`` and ``rbac.escalate``.

The API server lets a subject write a binding only to a role it may ``bind`` (or whose
permissions it already holds), and write a role's rules only when it may ``escalate`` (or
already holds them). With those verbs the rest is ordinary writes:

- **bind**: ``bind`` on a role that holds every permission (cluster-admin, or any role
  with a ``*/*/*`` rule) plus create on the matching kind of binding; or update/patch of
  an existing binding to such a role (the subject adds itself to it). A ClusterRoleBinding
  is cluster admin; a RoleBinding is every permission in its namespace. Binding lesser
  roles is not followed: their power has no vertex of its own.
- **escalate**: ``escalate`` plus update/patch on the role this very binding grants (or
  on a ClusterRole it aggregates): the subject writes ``*`` into its own role. Editing a
  role bound to someone else gains the editor nothing, so it is not an edge.

The power lands where ``rbac.wildcard`` already leads: ``k8s:ClusterAdmin``, or the
namespace wildcard hub ``hub:wildcard:ns/<ns>`` (``hub:wildcard:cluster`` for every
namespace), whose fan-out ``rbac.wildcard`` emits for every hub these entries enter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Role, RoleBinding
from riskgraph.techniques._shared.rbac_aggregation import effective_rules
from riskgraph.techniques._shared.rbac_rules import (
    Grant,
    bound_roles,
    grants_by_binding,
    home_namespace,
    is_wildcard,
)

WILDCARD = "wildcard"
_ROLE_RESOURCE = {"ClusterRole": "clusterroles", "Role": "roles"}
_BINDING_RESOURCE = {"ClusterRoleBinding": "clusterrolebindings", "RoleBinding": "rolebindings"}


class PowerEntry(NamedTuple):
    """One binding's way into full power.

    ``namespace`` is the wildcard hub's namespace (None: the cluster hub, or cluster admin).
    """

    source: str
    target: str
    namespace: str | None
    reason: str
    evidence: tuple[str, ...]


def wildcard_hub(namespace: str | None) -> str:
    """``hub:wildcard:ns/<ns>``, or ``hub:wildcard:cluster`` for None."""
    return ids.hub_id(WILDCARD, ids.CLUSTER_SCOPE if namespace is None
                      else ids.ns_scope(namespace))


def holds_everything(inv: Inventory, role: Role) -> bool:
    """Whether the role (with what it aggregates) allows every verb on every resource."""
    return any(is_wildcard(source.rule) for source in effective_rules(inv, role))


def is_cluster_admin(inv: Inventory, grant: Grant) -> bool:
    """Whether the grant's binding is cluster admin already: every permission, cluster-wide
    (``rbac.wildcard`` has that edge; no other technique need repeat it)."""
    return grant.binding.is_cluster_wide and holds_everything(inv, grant.role)


def _admits(grant: Grant, resource: str, name: str | None, namespace: str | None) -> bool:
    """Whether ``grant`` covers the object ``name`` (None: a new one) of ``resource`` in
    ``namespace`` (None: cluster-wide)."""
    home = home_namespace(grant.binding)
    return (grant.resource == resource and (home is None or home == namespace)
            and (grant.names is None or (name is not None and name in grant.names)))


def _first(found: Sequence[Grant], resource: str, name: str | None,
           namespace: str | None) -> Grant | None:
    return next((g for g in found if _admits(g, resource, name, namespace)), None)


def _entry(source: str, namespace: str | None, cluster_admin: bool, reason: str,
           *grants: Grant) -> PowerEntry:
    evidence = tuple(dict.fromkeys(e for g in grants for e in g.evidence))
    target = ids.CLUSTER_ADMIN if cluster_admin else wildcard_hub(namespace)
    return PowerEntry(source, target, None if cluster_admin else namespace, reason, evidence)


def _outcome(binding_kind: str, namespace: str | None) -> str:
    if binding_kind == "ClusterRoleBinding":
        return "cluster admin"
    if namespace is None:
        return "every permission in every namespace"
    return f"every permission in namespace {namespace}"


def bind_power(inv: Inventory) -> list[PowerEntry]:
    """Entries of bindings that may bind an all-powerful role (see the module docs)."""
    binders = grants_by_binding(inv, ("bind",), ("clusterroles", "roles"))
    writers = grants_by_binding(inv, ("create", "update", "patch"),
                                ("clusterrolebindings", "rolebindings"))
    if not binders.keys() & writers.keys():
        return []
    mighty = [role for role in inv.roles if holds_everything(inv, role)]
    existing = [(b, r) for b, r in bound_roles(inv) if holds_everything(inv, r)]
    found: list[PowerEntry] = []
    for source, binds in binders.items():
        writes = writers.get(source)
        # A binding that already holds everything gains nothing: rbac.wildcard has it.
        if writes and not holds_everything(inv, binds[0].role):
            found.extend(_bind_entries(source, binds, writes, mighty, existing))
    return found


def _bind_entries(source: str, binds: list[Grant], writes: list[Grant], mighty: list[Role],
                  existing: list[tuple[RoleBinding, Role]]) -> list[PowerEntry]:
    home = home_namespace(binds[0].binding)
    found: dict[str, PowerEntry] = {}
    # Creating a new binding: a ClusterRoleBinding can name only ClusterRoles.
    for role in mighty:
        namespace = role.metadata.namespace if role.kind == "Role" else home
        bind = _first(binds, _ROLE_RESOURCE[role.kind], role.name, namespace)
        if bind is None:
            continue
        kinds = ("RoleBinding",) if role.kind == "Role" else ("ClusterRoleBinding",
                                                              "RoleBinding")
        for kind in kinds:
            create = next((g for g in writes if "create" in g.verbs
                           and _admits(g, _BINDING_RESOURCE[kind], None, namespace)), None)
            if create is None:
                continue
            where = "cluster-wide" if kind == "ClusterRoleBinding" else (
                f"in namespace {namespace}" if namespace else "in any namespace")
            entry = _entry(source, namespace, kind == "ClusterRoleBinding",
                           f"{bind.phrase}; it also {create.allowance}, so it can create a "
                           f"{kind} to {role.kind} {role.name} {where} for itself: "
                           f"{_outcome(kind, namespace)}", bind, create)
            found.setdefault(entry.target, entry)
    # Rewriting an existing binding: roleRef is fixed, the subjects are not.
    for binding, role in existing:
        namespace = home_namespace(binding)
        resource = _BINDING_RESOURCE[binding.kind]
        write = next((g for g in writes if set(g.verbs) & {"update", "patch"}
                      and _admits(g, resource, binding.name, namespace)), None)
        bind = _first(binds, _ROLE_RESOURCE[role.kind], role.name, namespace)
        if write is None or bind is None:
            continue
        entry = _entry(source, namespace, binding.is_cluster_wide,
                       f"{bind.phrase}; it also {write.allowance}, so it can add itself to "
                       f"the subjects of {binding.ref}, which grants {role.kind} {role.name}: "
                       f"{_outcome(binding.kind, namespace)}", bind, write)
        found.setdefault(entry.target, entry)
    # Cluster admin makes every namespace-wide entry of the same binding redundant.
    admin = found.get(ids.CLUSTER_ADMIN)
    return [admin] if admin is not None else list(found.values())


def escalate_power(inv: Inventory) -> list[PowerEntry]:
    """Entries of bindings that may write any rule into the role they grant."""
    escalators = grants_by_binding(inv, ("escalate",), ("clusterroles", "roles"))
    editors = grants_by_binding(inv, ("update", "patch"), ("clusterroles", "roles"))
    found: list[PowerEntry] = []
    for source, escalates in escalators.items():
        edits = editors.get(source)
        binding, role = escalates[0].binding, escalates[0].role
        if not edits or holds_everything(inv, role):
            continue
        namespace = home_namespace(binding)
        # Rules written into a ClusterRole that this role aggregates flow into it too.
        editable = {id(r): r for r in (role, *(s.holder for s in effective_rules(inv, role)))}
        for candidate in editable.values():
            resource = _ROLE_RESOURCE[candidate.kind]
            escalate = _first(escalates, resource, candidate.name, namespace)
            edit = _first(edits, resource, candidate.name, namespace)
            if escalate is None or edit is None:
                continue
            via = "" if candidate is role else f", which {role.kind} {role.name} aggregates"
            found.append(_entry(
                source, namespace, binding.is_cluster_wide,
                f"{escalate.phrase}; it also {edit.allowance}, so it can write any rule into "
                f"{candidate.kind} {candidate.name}{via}, which {binding.ref} grants it: "
                f"{_outcome(binding.kind, namespace)}", escalate, edit))
            break
    return found


def entered_namespaces(inv: Inventory) -> list[str | None]:
    """The wildcard hubs bind and escalate enter (None: the cluster hub)."""
    return [entry.namespace for entry in (*bind_power(inv), *escalate_power(inv))
            if entry.target != ids.CLUSTER_ADMIN]
