"""RBAC semantics the ``rbac.*`` techniques share: rule matching, binding scope and wording,
and the aggregation hubs through which one grant reaches many objects.

Matching follows the API server's RBAC authorizer: ``*`` matches any verb, API group or
resource (subresources included); ``*/exec`` matches the ``exec`` subresource of every
resource, while ``pods/*`` is not a pattern at all (the authorizer compares it literally).
An empty ``resourceNames`` means every name; a named rule never allows ``create`` of a
top-level object, because the new object's name is not part of the request when it is
authorized. A subresource request (``create pods/exec``) does carry the parent's name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence
from riskgraph.inventory import Inventory
from riskgraph.models import PolicyRule, Role, RoleBinding
from riskgraph.techniques import Edge

CORE = ""
RBAC_GROUP = "rbac.authorization.k8s.io"

#: The API group each resource really lives in; a rule naming another group grants nothing.
API_GROUP: dict[str, str] = {
    **dict.fromkeys(("pods", "secrets", "serviceaccounts", "configmaps", "nodes", "services",
                     "replicationcontrollers", "persistentvolumes", "persistentvolumeclaims",
                     "namespaces", "endpoints", "events"), CORE),
    **dict.fromkeys(("deployments", "daemonsets", "statefulsets", "replicasets"), "apps"),
    **dict.fromkeys(("jobs", "cronjobs"), "batch"),
    **dict.fromkeys(("roles", "rolebindings", "clusterroles", "clusterrolebindings"),
                    RBAC_GROUP),
    "certificatesigningrequests": "certificates.k8s.io",
    "mutatingwebhookconfigurations": "admissionregistration.k8s.io",
    "validatingwebhookconfigurations": "admissionregistration.k8s.io",
}

#: Resources whose ``create`` starts a pod whose spec the creator writes.
POD_CREATORS = ("pods", "deployments", "daemonsets", "statefulsets", "replicasets",
                "replicationcontrollers", "jobs", "cronjobs")

PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
_FORBIDS_PRIVILEGED = frozenset({"baseline", "restricted"})

#: Cost of a step out of an aggregation hub: the grant itself was paid for on the way in.
HUB_COST = 0.1


def api_group(resource: str) -> str:
    """The API group of a resource or of its subresource (``pods/exec`` -> ``""``)."""
    base = resource.partition("/")[0]
    try:
        return API_GROUP[base]
    except KeyError:
        raise ValueError(f"API group of resource {base!r} unknown; add it to API_GROUP") from None


def _resource_matches(granted: Iterable[str], resource: str) -> bool:
    subresource = resource.partition("/")[2]
    return any(g in ("*", resource) or (subresource and g == f"*/{subresource}")
               for g in granted)


def rule_allows(rule: PolicyRule, verb: str, resource: str) -> bool:
    """Whether ``rule`` allows ``verb`` on ``resource`` for at least one object name.

    >>> rule = PolicyRule(apiGroups=[""], resources=["*/exec"], verbs=["create"])
    >>> rule_allows(rule, "create", "pods/exec"), rule_allows(rule, "create", "pods")
    (True, False)
    """
    if rule.resource_names and verb == "create" and "/" not in resource:
        return False
    return (("*" in rule.verbs or verb in rule.verbs)
            and ("*" in rule.api_groups or api_group(resource) in rule.api_groups)
            and _resource_matches(rule.resources, resource))


def is_wildcard(rule: PolicyRule) -> bool:
    """Every verb on every resource of every API group, for any name."""
    return ("*" in rule.verbs and "*" in rule.resources and "*" in rule.api_groups
            and not rule.resource_names)


def stronger(a: Confidence, b: Confidence) -> bool:
    return CONFIDENCE_ORDER.index(a) < CONFIDENCE_ORDER.index(b)


# Vertices and wording -------------------------------------------------------------------

def binding_vertex(binding: RoleBinding) -> str:
    return ids.k8s_id(binding.kind, binding.name, binding.metadata.namespace)


def role_vertex(role: Role) -> str:
    return ids.k8s_id(role.kind, role.name, role.metadata.namespace)


def home_namespace(binding: RoleBinding) -> str | None:
    """The one namespace a RoleBinding reaches; None for a cluster-wide binding."""
    return None if binding.is_cluster_wide else binding.metadata.namespace or "default"


def grant_phrase(binding: RoleBinding, role: Role) -> str:
    """"RoleBinding shop/ci grants ClusterRole edit in namespace shop"."""
    home = home_namespace(binding)
    if home is None:
        return f"ClusterRoleBinding {binding.name} grants {role.kind} {role.name} cluster-wide"
    return (f"RoleBinding {home}/{binding.name} grants {role.kind} {role.name} "
            f"in namespace {home}")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def rule_evidence(binding: RoleBinding, role: Role, index: int) -> tuple[str, ...]:
    """Evidence strings for one rule of a bound role, plus the binding's roleRef."""
    rule = role.rules[index]
    where = f"{role_vertex(role)}: rules[{index}]"
    found = [f"{where}.verbs={_json(rule.verbs)}", f"{where}.apiGroups={_json(rule.api_groups)}",
             f"{where}.resources={_json(rule.resources)}"]
    if rule.resource_names:
        found.append(f"{where}.resourceNames={_json(rule.resource_names)}")
    ref = {"kind": binding.role_ref.kind, "name": binding.role_ref.name}
    found.append(f"{binding_vertex(binding)}: roleRef={_json(ref)}")
    return tuple(found)


def _and_list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# Grants and accesses ------------------------------------------------------------------

class Grant(NamedTuple):
    """One rule of a bound role that allows some of the asked verbs on one resource."""

    binding: RoleBinding
    role: Role
    rule_index: int
    verbs: tuple[str, ...]
    resource: str
    names: frozenset[str] | None


class Access(NamedTuple):
    """What a binding reaches with one capability: every object in scope, or named ones."""

    binding: RoleBinding
    names: frozenset[str] | None
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


class Target(NamedTuple):
    """An object a hub leads to; ``name`` is what ``resourceNames`` matches (None: nothing)."""

    vertex: str
    name: str | None
    reason: str
    evidence: tuple[str, ...] = ()


def bound_roles(inv: Inventory) -> Iterator[tuple[RoleBinding, Role]]:
    """Every binding with the role it grants; a binding whose role is missing grants nothing."""
    for binding in inv.bindings:
        role = inv.role_for(binding)
        if role is not None:
            yield binding, role


def grants(inv: Inventory, verbs: Sequence[str], resources: Sequence[str]) -> Iterator[Grant]:
    """Every (binding, rule, resource) whose rule allows some of ``verbs`` on the resource."""
    for binding, role in bound_roles(inv):
        for index, rule in enumerate(role.rules):
            for resource in resources:
                allowed = tuple(v for v in verbs if rule_allows(rule, v, resource))
                if allowed:
                    yield Grant(binding, role, index, allowed, resource,
                                frozenset(rule.resource_names) or None)


def accesses(found: Iterable[Grant], confidence_of: Callable[[Grant], Confidence]) -> list[Access]:
    """The strongest access of each binding, per name set.

    A named access survives only when it is stronger than the binding's access to every
    object in scope (e.g. ``get`` by name is certain while plain ``get`` is likely).
    """
    best: dict[tuple[str, frozenset[str] | None], Access] = {}
    for grant in found:
        confidence = confidence_of(grant)
        key = (binding_vertex(grant.binding), grant.names)
        seen = best.get(key)
        if seen is not None and not stronger(confidence, seen.confidence):
            continue
        reason = (f"{grant_phrase(grant.binding, grant.role)}, which allows "
                  f"{_and_list(grant.verbs)} on {grant.resource}")
        if grant.names is not None:
            reason += f" named {_and_list(sorted(grant.names))}"
        best[key] = Access(grant.binding, grant.names, confidence, reason,
                           rule_evidence(grant.binding, grant.role, grant.rule_index))
    everything = {vertex: a.confidence for (vertex, names), a in best.items() if names is None}
    return [a for (vertex, names), a in best.items()
            if names is None or vertex not in everything
            or stronger(a.confidence, everything[vertex])]


def hub_edges(
    inv: Inventory,
    capability: str,
    found: Iterable[Access],
    targets_in: Callable[[str], Iterable[Target]],
    doing: str,
) -> Iterator[Edge]:
    """Edges from bindings to what they reach, through one hub per (capability, scope).

    Parameters
    ----------
    inv
        The estate.
    capability
        Hub name part: ``binding -> hub:<capability>:ns/<ns> -> each target``, and for a
        cluster-wide binding ``-> hub:<capability>:cluster -> hub:<capability>:ns/<each>``.
    found
        The bindings' accesses; a named access goes straight to the named objects.
    targets_in
        The targets of one namespace.
    doing
        Completes "a cluster-wide grant to ..." in the cluster hub's reasons.

    Yields
    ------
    Edge
        Entry edges with the access's confidence; hub fan-out edges ``certain`` at
        :data:`HUB_COST`. A hub is entered, and fans out, only when its scope holds a
        target, so the edge count is a sum of bindings, namespaces and objects.
    """
    cache: dict[str, list[Target]] = {}

    def targets(namespace: str) -> list[Target]:
        if namespace not in cache:
            cache[namespace] = list(targets_in(namespace))
        return cache[namespace]

    def hub(namespace: str) -> str:
        return ids.hub_id(capability, ids.ns_scope(namespace))

    namespaces = inv.namespace_names  # computed per call by the Inventory: read it once
    entered: dict[str, None] = {}
    cluster_hub = ids.hub_id(capability, ids.CLUSTER_SCOPE)
    cluster_entered = False
    by_name: dict[str, list[tuple[str, Target]]] | None = None
    for access in found:
        source, home = binding_vertex(access.binding), home_namespace(access.binding)
        if access.names is not None:
            if by_name is None:
                by_name = _name_index(namespaces, targets)
            for name in sorted(access.names):
                for namespace, target in by_name.get(name, ()):
                    if home is None or namespace == home:
                        yield Edge(source, target.vertex, access.reason, access.evidence,
                                   access.confidence)
        elif home is not None and targets(home):
            entered[home] = None
            yield Edge(source, hub(home), access.reason, access.evidence, access.confidence)
        elif home is None and any(targets(ns) for ns in namespaces):
            cluster_entered = True
            yield Edge(source, cluster_hub, access.reason, access.evidence, access.confidence)
    if cluster_entered:
        for namespace in namespaces:
            if targets(namespace):
                entered[namespace] = None
                yield Edge(cluster_hub, hub(namespace),
                           f"a cluster-wide grant to {doing} applies in namespace {namespace}",
                           (), "certain", HUB_COST)
    for namespace in entered:
        for target in targets(namespace):
            yield Edge(hub(namespace), target.vertex, target.reason, target.evidence,
                       "certain", HUB_COST)


def _name_index(
    namespaces: Iterable[str], targets: Callable[[str], list[Target]]
) -> dict[str, list[tuple[str, Target]]]:
    index: dict[str, list[tuple[str, Target]]] = {}
    for namespace in namespaces:
        for target in targets(namespace):
            if target.name is not None:
                index.setdefault(target.name, []).append((namespace, target))
    return index


# Targets shared by techniques that run pods -------------------------------------------

def run_as_targets(inv: Inventory, namespace: str, who: str) -> Iterator[Target]:
    """Each service account of the namespace: a pod created there may run as it."""
    for name in inv.service_account_names(namespace):
        yield Target(ids.k8s_id("ServiceAccount", name, namespace), name,
                     f"{who} can run a pod as service account {namespace}/{name} and use "
                     "its token")


def privileged_pool_targets(inv: Inventory, namespace: str, who: str) -> Iterator[Target]:
    """Each node pool, unless Pod Security Admission forbids privileged pods in the
    namespace (``enforce`` label ``baseline`` or ``restricted``)."""
    ns_object = inv.namespace(namespace)
    level = ns_object.metadata.labels.get(PSA_ENFORCE_LABEL) if ns_object else None
    if level is not None and level.lower() in _FORBIDS_PRIVILEGED:
        return
    proof: tuple[str, ...] = ()
    if level is None:
        why = f"namespace {namespace} enforces no Pod Security level"
    else:
        why = f"namespace {namespace} enforces Pod Security level {level}"
        proof = (f"{ids.k8s_id('Namespace', namespace)}: "
                 f"metadata.labels.{PSA_ENFORCE_LABEL}={_json(level)}",)
    for pool in inv.pools:
        yield Target(ids.node_pool_id(pool), None,
                     f"{why}, so {who} can run a privileged pod on node pool {pool} and "
                     "escape to its nodes", proof)
