"""The rbac-lookup view: what one subject holds, through every binding, group and
aggregated role, with the namespaces each grant is scoped to.

A subject's identities are itself and every Kubernetes user or group the graph makes it:
the groups the API server puts a service account or user in (``rbac.bound`` membership
edges), and for an IAM principal the user and groups aws-auth or an access entry maps it to.
Each binding naming one of them contributes its role's effective rules (aggregated
ClusterRoles expanded). A rule is flagged with the ``rbac.*`` techniques whose edges out of
the binding cite it as evidence, and with those whose verbs and resources it allows on its
own (matched as the techniques match them), even where the binding's scope holds nothing to
attack yet; an access entry's access policies are listed beside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from riskgraph import ids
from riskgraph.errors import SelectorError
from riskgraph.estate.builtin_roles import BUILTIN_ANNOTATION
from riskgraph.estate.inventory import Inventory
from riskgraph.models import PolicyRule, RoleBinding
from riskgraph.techniques._shared.rbac_aggregation import effective_rules
from riskgraph.techniques._shared.rbac_rules import (
    POD_CREATORS,
    binding_vertex,
    home_namespace,
    is_wildcard,
    namespaced_grant_possible,
    role_vertex,
    rule_allows,
)

#: Techniques whose edges make one identity another (membership, IAM mapping).
IDENTITY_TECHNIQUES = frozenset({"rbac.bound", "aws.eks-aws-auth", "aws.eks-access-entry"})
MASTERS = ids.group_id("system:masters")
_IDENTITY_KINDS = frozenset({"User", "Group"})
_CITED_RULE = re.compile(r"^(?P<role>k8s:[^ ]+): rules\[(?P<index>\d+)\]")
#: Techniques one rule enables by itself: (id, verbs, resources), as each technique asks.
RULE_TECHNIQUES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("rbac.secrets-read", ("get", "list", "watch"), ("secrets",)),
    ("rbac.pods-exec", ("create", "get"), ("pods/exec",)),
    ("rbac.pods-attach", ("create", "get"), ("pods/attach",)),
    ("rbac.pods-ephemeral", ("patch", "update"), ("pods/ephemeralcontainers",)),
    ("rbac.pods-patch", ("patch", "update"), ("pods",)),
    ("rbac.create-pod", ("create",), POD_CREATORS),
    ("rbac.workload-patch", ("patch", "update"),
     ("deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "cronjobs")),
    ("rbac.impersonate", ("impersonate",), ("users", "groups", "serviceaccounts")),
    ("rbac.bind", ("bind",), ("clusterroles", "roles")),
    ("rbac.escalate", ("escalate",), ("clusterroles", "roles")),
    ("rbac.token-request", ("create",), ("serviceaccounts/token",)),
    ("rbac.nodes-proxy", ("create", "get"), ("nodes/proxy",)),
    ("rbac.webhook-control", ("create", "update", "patch"),
     ("mutatingwebhookconfigurations", "validatingwebhookconfigurations")),
)
_SUBJECT_FORMS = ("sa:NS/NAME", "user:NAME", "group:NAME", "an IAM role or user ARN",
                  "a vertex id")


@dataclass(frozen=True, slots=True)
class Rule:
    """One effective rule: where it is written (``source``: the role and its index) and the
    techniques it enables."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    resource_names: tuple[str, ...]
    non_resource_urls: tuple[str, ...]
    source: str
    techniques: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"verbs": list(self.verbs), "apiGroups": list(self.api_groups),
                "resources": list(self.resources), "resourceNames": list(self.resource_names),
                "nonResourceURLs": list(self.non_resource_urls), "source": self.source,
                "techniques": list(self.techniques)}


@dataclass(frozen=True, slots=True)
class Held:
    """One binding that applies to the subject, through ``identity``."""

    identity: str
    binding: str
    role: str
    scope: str
    platform_default: bool
    rules: tuple[Rule, ...]

    @property
    def techniques(self) -> tuple[str, ...]:
        return tuple(sorted({t for rule in self.rules for t in rule.techniques}))

    def to_dict(self) -> dict[str, Any]:
        return {"identity": self.identity, "binding": self.binding, "role": self.role,
                "scope": self.scope, "platform_default": self.platform_default,
                "techniques": list(self.techniques),
                "rules": [rule.to_dict() for rule in self.rules]}


@dataclass(frozen=True, slots=True)
class RbacView:
    """What ``subject`` holds: its identities, bindings with rules, and EKS access policies."""

    subject: str
    identities: tuple[str, ...]
    held: tuple[Held, ...]
    access_policies: tuple[dict[str, Any], ...] = ()

    @property
    def before_rbac(self) -> bool:
        """Whether the subject is in ``system:masters``, allowed everything before RBAC."""
        return MASTERS in self.identities

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "identities": list(self.identities),
                "system_masters": self.before_rbac,
                "bindings": [held.to_dict() for held in self.held],
                "access_policies": list(self.access_policies),
                "summary": {"bindings": len(self.held),
                            "techniques": sorted({t for h in self.held for t in h.techniques})}}


def subject_vertex(graph: nx.MultiDiGraph, subject: str) -> str:
    """The vertex of ``sa:NS/NAME``, ``user:NAME``, ``group:NAME``, an ARN or a vertex id.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("k8s:ServiceAccount:batch/runner")
    >>> subject_vertex(g, "sa:batch/runner")
    'k8s:ServiceAccount:batch/runner'
    """
    form, _, rest = subject.partition(":")
    if form == "sa" and "/" in rest:
        namespace, _, name = rest.partition("/")
        vertex = ids.k8s_id("ServiceAccount", name, namespace)
    elif form == "user" and rest:
        vertex = ids.user_id(rest)
    elif form == "group" and rest:
        vertex = ids.group_id(rest)
    else:
        vertex = subject
    # A user or group no binding names has no vertex, yet is a fair question: it holds nothing.
    if vertex not in graph and not (form in ("user", "group") and rest):
        raise SelectorError(f"subject {subject!r} names nothing in the input. Valid forms: "
                            f"{', '.join(_SUBJECT_FORMS)}.")
    return vertex


def identities_of(graph: nx.MultiDiGraph, vertex: str) -> list[str]:
    """The vertex and every user or group it is made, membership and mapping edges only."""
    found = [vertex]
    seen = {vertex}
    for current in found:
        if current not in graph:
            continue
        for _, following, technique in graph.out_edges(current, keys=True):
            if technique in IDENTITY_TECHNIQUES and following not in seen \
                    and ids.parse(following).kind in _IDENTITY_KINDS:
                seen.add(following)
                found.append(following)
    return found


def _cited(graph: nx.MultiDiGraph, binding: str) -> dict[tuple[str, int], set[str]]:
    """(role vertex, rule index) -> the rbac techniques whose edges out of ``binding``
    cite that rule in their evidence."""
    cited: dict[tuple[str, int], set[str]] = {}
    for _, _, attrs in graph.out_edges(binding, data=True):
        technique = str(attrs.get("technique", ""))
        if not technique.startswith("rbac."):
            continue
        for line in attrs.get("evidence", ()):
            match = _CITED_RULE.match(line)
            if match:
                key = (match["role"], int(match["index"]))
                cited.setdefault(key, set()).add(technique)
    return cited


def rule_techniques(rule: PolicyRule, cluster_wide: bool) -> set[str]:
    """The techniques ``rule`` enables by itself in a binding of that reach.

    >>> sorted(rule_techniques(PolicyRule(apiGroups=[""], resources=["*"], verbs=["get"]),
    ...                        cluster_wide=False))
    ['rbac.pods-attach', 'rbac.pods-exec', 'rbac.secrets-read']
    """
    found = {"rbac.wildcard"} if is_wildcard(rule) else set()
    for technique, verbs, resources in RULE_TECHNIQUES:
        if any(rule_allows(rule, verb, resource)
               and (cluster_wide or namespaced_grant_possible(verb, resource))
               for verb in verbs for resource in resources):
            found.add(technique)
    return found


def _held(inv: Inventory, graph: nx.MultiDiGraph, identity: str,
          binding: RoleBinding) -> Held | None:
    role = inv.role_for(binding)
    if role is None:
        return None
    vertex = binding_vertex(binding)
    cited = _cited(graph, vertex)
    rules = []
    for holder, index, rule in effective_rules(inv, role):
        source = role_vertex(holder)
        rules.append(Rule(tuple(rule.verbs), tuple(rule.api_groups), tuple(rule.resources),
                          tuple(rule.resource_names), tuple(rule.non_resource_ur_ls),
                          f"{source}: rules[{index}]",
                          tuple(sorted(cited.get((source, index), set())
                                       | rule_techniques(rule, binding.is_cluster_wide)))))
    builtin = BUILTIN_ANNOTATION in (binding.metadata.annotations or {})
    return Held(identity, vertex, role_vertex(role),
                home_namespace(binding) or "cluster-wide",
                bool(graph.nodes[vertex].get("platform_default")) or builtin, tuple(rules))


def _bindings_naming(graph: nx.MultiDiGraph, identity: str) -> Iterator[str]:
    if identity in graph:
        for _, binding, technique in graph.out_edges(identity, keys=True):
            if technique == "rbac.bound" and ids.parse(binding).kind in (
                    "RoleBinding", "ClusterRoleBinding"):
                yield binding


def rbac_view(inv: Inventory, graph: nx.MultiDiGraph, subject: str) -> RbacView:
    """Every binding, role and effective rule that applies to ``subject``.

    Raises
    ------
    riskgraph.errors.SelectorError
        ``subject`` is malformed, or names a service account or principal not in the input.
    """
    vertex = subject_vertex(graph, subject)
    identities = identities_of(graph, vertex)
    by_vertex = {binding_vertex(binding): binding for binding in inv.bindings}
    held = []
    for identity in identities:
        for binding in _bindings_naming(graph, identity):
            found = by_vertex.get(binding)
            entry = None if found is None else _held(inv, graph, identity, found)
            if entry is not None:
                held.append(entry)
    held.sort(key=lambda h: (h.platform_default, h.scope != "cluster-wide", h.binding))
    policies = tuple(
        {"principal": entry.principal_arn, "policy": policy.policy_arn.rsplit("/", 1)[-1],
         "scope": policy.access_scope.type,
         "namespaces": list(policy.access_scope.namespaces)}
        for entry in inv.aws.access_entries if entry.principal_arn == vertex
        for policy in entry.access_policies)
    return RbacView(vertex, tuple(identities), tuple(held), policies)
