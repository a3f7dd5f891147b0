"""rbac.wildcard: every verb on every resource of every API group.

Cluster-wide that is cluster admin. Bound in one namespace it is everything there: its
secrets, its service accounts (run a pod as them), its pods (exec), and the node pools
when Pod Security Admission lets privileged pods into the namespace.

``rbac.bind`` and ``rbac.escalate`` lead into the same namespace hubs (or into
``hub:wildcard:cluster``, every namespace's hub); this technique emits the hubs' fan-out
for them too (see :mod:`riskgraph.techniques.rbac._power`), so it exists once whoever enters.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import pod_id
from riskgraph.techniques._shared.rbac_aggregation import effective_rules
from riskgraph.techniques._shared.rbac_hubs import (
    Target,
    hub_edges,
    privileged_pool_targets,
    run_as_targets,
)
from riskgraph.techniques._shared.rbac_rules import (
    Access,
    binding_vertex,
    bound_roles,
    grant_phrase,
    is_wildcard,
    rule_evidence,
)
from riskgraph.techniques.rbac._power import WILDCARD, entered_namespaces

CAPABILITY = WILDCARD


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    who = f"whoever holds every permission in namespace {namespace}"
    for secret in inv.secrets_in(namespace):
        yield Target(ids.k8s_id("Secret", secret.name, namespace), secret.name,
                     f"{who} reads secret {namespace}/{secret.name}")
    yield from run_as_targets(inv, namespace, who)
    for pod in inv.pods_in(namespace):
        yield Target(pod_id(pod), pod.name,
                     f"{who} execs into, patches or replaces pod {namespace}/{pod.name}")
    yield from privileged_pool_targets(inv, namespace, who)


def find(inv: Inventory) -> Iterator[Edge]:
    namespaced: list[Access] = []
    for binding, role in bound_roles(inv):
        source = next((s for s in effective_rules(inv, role) if is_wildcard(s.rule)), None)
        if source is None:
            continue
        holder = None if source.holder is role else source.holder
        reason = f"{grant_phrase(binding, role)}, which allows every verb on every resource"
        if holder is not None:
            reason += f" (aggregated from ClusterRole {holder.name})"
        evidence = rule_evidence(binding, role, source.rule_index, holder)
        if binding.is_cluster_wide:
            yield Edge(binding_vertex(binding), ids.CLUSTER_ADMIN,
                       f"{reason}: that is cluster admin", evidence)
        else:
            namespaced.append(Access(binding, None, "certain", reason, evidence))
    yield from hub_edges(inv, CAPABILITY, namespaced, lambda ns: _targets(inv, ns),
                         "do anything", entered_namespaces(inv))


TECHNIQUE = Technique(
    id="rbac.wildcard",
    title="RBAC grants every verb on every resource",
    severity="critical",
    mitre="T1078",
    remediation="Replace '*' verbs/resources/apiGroups with the verbs and resources the "
                "subject needs; bind cluster-admin to break-glass identities only, and prefer "
                "the built-in 'edit' or 'view' roles for people.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "ClusterRoleBinding to cluster-admin",
            """
kind: ClusterRoleBinding
metadata: {name: root}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: alice}]
""",
            frozenset({("k8s:ClusterRoleBinding:root", "k8s:ClusterAdmin")}),
        ),
        Example(
            "RoleBinding to cluster-admin owns its namespace only",
            """
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: Secret
metadata: {name: token, namespace: other}
---
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: nginx, image: nginx}]}
---
kind: RoleBinding
metadata: {name: owners, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: shop-team}]
""",
            frozenset({("k8s:RoleBinding:shop/owners", "hub:wildcard:ns/shop"),
                       ("hub:wildcard:ns/shop", "k8s:Secret:shop/db"),
                       ("hub:wildcard:ns/shop", "k8s:ServiceAccount:shop/default"),
                       ("hub:wildcard:ns/shop", "k8s:Pod:shop/web"),
                       ("hub:wildcard:ns/shop", "k8s:NodePool:any")}),
        ),
        Example(
            "all verbs on all core resources is not a wildcard; neither is edit",
            """
kind: ClusterRole
metadata: {name: core-admin}
rules: [{apiGroups: [""], resources: ["*"], verbs: ["*"]}]
---
kind: ClusterRoleBinding
metadata: {name: core-admins}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: core-admin}
subjects: [{kind: Group, name: ops}]
---
kind: ClusterRoleBinding
metadata: {name: editors}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: devs}]
""",
        ),
    ),
)
