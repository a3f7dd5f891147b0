"""RBAC semantics the ``rbac.*`` techniques share: rule matching, binding scope and wording.

Matching follows the API server's RBAC authorizer: ``*`` matches any verb, API group or
resource (subresources included); ``*/exec`` matches the ``exec`` subresource of every
resource, while ``pods/*`` is not a pattern at all (the authorizer compares it literally).
An empty ``resourceNames`` means every name; a named rule never allows ``create`` of a
top-level object, because the new object's name is not part of the request when it is
authorized. A subresource request (``create pods/exec``) does carry the parent's name.

A RoleBinding grants nothing on cluster-scoped resources (nodes, persistent volumes,
cluster roles and bindings, CSRs, signers, webhook configurations, users, groups): those
requests carry no namespace. Two exceptions follow the API server: ``bind`` on a
ClusterRole is checked in the namespace of the RoleBinding being written, and a request on
a Namespace object carries that namespace, so a RoleBinding reaches its own Namespace.
Rules of aggregated ClusterRoles come from :mod:`riskgraph.techniques._shared.rbac_aggregation`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.models import PolicyRule, Role, RoleBinding
from riskgraph.techniques._shared.rbac_aggregation import effective_rules

CORE = ""
RBAC_GROUP = "rbac.authorization.k8s.io"

#: The API group each resource really lives in; a rule naming another group grants nothing.
API_GROUP: dict[str, str] = {
    **dict.fromkeys(("pods", "secrets", "serviceaccounts", "configmaps", "nodes", "services",
                     "replicationcontrollers", "persistentvolumes", "persistentvolumeclaims",
                     "namespaces", "endpoints", "events", "users", "groups"), CORE),
    **dict.fromkeys(("deployments", "daemonsets", "statefulsets", "replicasets"), "apps"),
    **dict.fromkeys(("jobs", "cronjobs"), "batch"),
    **dict.fromkeys(("roles", "rolebindings", "clusterroles", "clusterrolebindings"),
                    RBAC_GROUP),
    **dict.fromkeys(("certificatesigningrequests", "signers"), "certificates.k8s.io"),
    "mutatingwebhookconfigurations": "admissionregistration.k8s.io",
    "validatingwebhookconfigurations": "admissionregistration.k8s.io",
}

#: Resources whose objects live in no namespace: a RoleBinding cannot grant them.
CLUSTER_SCOPED_RESOURCES = frozenset({
    "nodes", "persistentvolumes", "clusterroles", "clusterrolebindings",
    "certificatesigningrequests", "signers", "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations", "users", "groups"})
# Verbs that address no single existing Namespace object, so a RoleBinding cannot grant them.
_UNNAMED_VERBS = frozenset({"create", "list", "watch", "deletecollection"})

#: Resources whose ``create`` starts a pod whose spec the creator writes.
POD_CREATORS = ("pods", "deployments", "daemonsets", "statefulsets", "replicasets",
                "replicationcontrollers", "jobs", "cronjobs")


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


def namespaced_grant_possible(verb: str, resource: str) -> bool:
    """Whether a RoleBinding can grant ``verb`` on ``resource`` at all.

    >>> namespaced_grant_possible("get", "nodes/proxy"), namespaced_grant_possible(
    ...     "bind", "clusterroles"), namespaced_grant_possible("patch", "namespaces")
    (False, True, True)
    """
    base = resource.partition("/")[0]
    if base == "namespaces":
        return verb not in _UNNAMED_VERBS
    return base not in CLUSTER_SCOPED_RESOURCES or (verb == "bind" and base == "clusterroles")


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


def json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def rule_evidence(
    binding: RoleBinding, role: Role, index: int, holder: Role | None = None
) -> tuple[str, ...]:
    """Evidence strings for one rule of a bound role, plus the binding's roleRef.

    ``holder`` is the ClusterRole whose ``rules[index]`` it is when ``role`` aggregates it.
    """
    source = holder or role
    rule = source.rules[index]
    where = f"{role_vertex(source)}: rules[{index}]"
    found = [f"{where}.verbs={json_text(rule.verbs)}",
             f"{where}.apiGroups={json_text(rule.api_groups)}",
             f"{where}.resources={json_text(rule.resources)}"]
    if rule.resource_names:
        found.append(f"{where}.resourceNames={json_text(rule.resource_names)}")
    if holder is not None:
        if role.aggregation_rule is not None:
            found.append(f"{role_vertex(role)}: aggregationRule="
                         f"{json_text(role.aggregation_rule)}")
        found.append(f"{role_vertex(holder)}: metadata.labels="
                     f"{json_text(holder.metadata.labels)}")
    ref = {"kind": binding.role_ref.kind, "name": binding.role_ref.name}
    found.append(f"{binding_vertex(binding)}: roleRef={json_text(ref)}")
    return tuple(found)


def and_list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# Grants and accesses ------------------------------------------------------------------

class Grant(NamedTuple):
    """One rule of a bound role that allows some of the asked verbs on one resource.

    ``holder`` is the aggregated ClusterRole the rule comes from, None when ``role`` holds
    it itself.
    """

    binding: RoleBinding
    role: Role
    rule_index: int
    verbs: tuple[str, ...]
    resource: str
    names: frozenset[str] | None
    holder: Role | None = None

    @property
    def evidence(self) -> tuple[str, ...]:
        return rule_evidence(self.binding, self.role, self.rule_index, self.holder)

    @property
    def allowance(self) -> str:
        """"allows create on pods named web (aggregated from ClusterRole extra)"."""
        text = f"allows {and_list(self.verbs)} on {self.resource}"
        if self.names is not None:
            text += f" named {and_list(sorted(self.names))}"
        if self.holder is not None:
            text += f" (aggregated from ClusterRole {self.holder.name})"
        return text

    @property
    def phrase(self) -> str:
        """"RoleBinding shop/ci grants ClusterRole edit in namespace shop, which allows
        create on pods"."""
        return f"{grant_phrase(self.binding, self.role)}, which {self.allowance}"


class Access(NamedTuple):
    """What a binding reaches with one capability: every object in scope, or named ones."""

    binding: RoleBinding
    names: frozenset[str] | None
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


def bound_roles(inv: Inventory) -> Iterator[tuple[RoleBinding, Role]]:
    """Every binding with the role it grants; a binding whose role is missing grants nothing."""
    for binding in inv.bindings:
        role = inv.role_for(binding)
        if role is not None:
            yield binding, role


def grants(inv: Inventory, verbs: Sequence[str], resources: Sequence[str]) -> Iterator[Grant]:
    """Every (binding, rule, resource) whose rule allows some of ``verbs`` on the resource.

    Rules of aggregated ClusterRoles count; a RoleBinding yields nothing on cluster-scoped
    resources, and on ``namespaces`` only its own namespace, by name.
    """
    for binding, role in bound_roles(inv):
        home = home_namespace(binding)
        for holder, index, rule in effective_rules(inv, role):
            for resource in resources:
                allowed = tuple(v for v in verbs if rule_allows(rule, v, resource)
                                and (home is None or namespaced_grant_possible(v, resource)))
                if not allowed:
                    continue
                names = frozenset(rule.resource_names) or None
                if home is not None and resource == "namespaces":
                    if names is not None and home not in names:
                        continue
                    names = frozenset({home})
                yield Grant(binding, role, index, allowed, resource, names,
                            None if holder is role else holder)


def grants_by_binding(
    inv: Inventory, verbs: Sequence[str], resources: Sequence[str]
) -> dict[str, list[Grant]]:
    """:func:`grants`, grouped by binding vertex (in binding order)."""
    found: dict[str, list[Grant]] = {}
    for grant in grants(inv, verbs, resources):
        found.setdefault(binding_vertex(grant.binding), []).append(grant)
    return found


def always_certain(grant: Grant) -> Confidence:
    """The confidence of a grant whose verb needs nothing else to work."""
    return "certain"


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
        best[key] = Access(grant.binding, grant.names, confidence, grant.phrase, grant.evidence)
    everything = {vertex: a.confidence for (vertex, names), a in best.items() if names is None}
    return [a for (vertex, names), a in best.items()
            if names is None or vertex not in everything
            or stronger(a.confidence, everything[vertex])]
