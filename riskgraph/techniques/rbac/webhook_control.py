"""rbac.webhook-control: writing admission webhook configurations puts an attacker's
server in the path of every API request it chooses.

A mutating webhook rewrites any object on its way in (a pod gains a privileged container,
a binding a subject): cluster admin. A validating webhook only sees the objects, secrets
and tokens written through the API among them: likely. Create writes a new configuration;
update or patch needs an existing one (EKS clusters carry some), so without create the
edge is likely. Cluster-scoped, so only a ClusterRoleBinding grants it. A binding that is
cluster admin already (``rbac.wildcard``) gets no second edge here.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_rules import Grant, grants_by_binding, stronger
from riskgraph.techniques.rbac._power import is_cluster_admin

MUTATING = "mutatingwebhookconfigurations"
VALIDATING = "validatingwebhookconfigurations"


def _confidence(grant: Grant) -> Confidence:
    return "certain" if grant.resource == MUTATING and "create" in grant.verbs else "likely"


def find(inv: Inventory) -> Iterator[Edge]:
    writers = grants_by_binding(inv, ("create", "update", "patch"), (MUTATING, VALIDATING))
    for source, found in writers.items():
        if is_cluster_admin(inv, found[0]):
            continue
        best = found[0]
        for grant in found[1:]:
            if stronger(_confidence(grant), _confidence(best)):
                best = grant
        what = ("rewrite every object admitted" if best.resource == MUTATING
                else "read every object admitted")
        yield Edge(source, ids.CLUSTER_ADMIN,
                   f"{best.phrase}, so it can register a webhook of its own and {what}",
                   best.evidence, _confidence(best))


def _binding(rules: str) -> str:
    return f"""
kind: ClusterRole
metadata: {{name: webhook-admin}}
rules: [{rules}]
---
kind: ClusterRoleBinding
metadata: {{name: webhook-admins}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: webhook-admin}}
subjects: [{{kind: ServiceAccount, name: cert-manager, namespace: cert-manager}}]
"""


_GROUP = "admissionregistration.k8s.io"

TECHNIQUE = Technique(
    id="rbac.webhook-control",
    title="RBAC allows writing admission webhook configurations",
    severity="critical",
    mitre="T1546",
    remediation="Grant create, update and patch on mutating and validating webhook "
                "configurations to cluster administrators only; a controller that maintains "
                "its own webhook's CA bundle needs patch by resourceNames on that one "
                "configuration.",
    cost=3.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "create mutating webhooks: certain",
            _binding(f"{{apiGroups: [{_GROUP}], resources: [{MUTATING}], verbs: [create]}}"),
            frozenset({("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin")}),
            {("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin"): "certain"},
        ),
        Example(
            "patch one named validating webhook: likely",
            _binding(f"{{apiGroups: [{_GROUP}], resources: [{VALIDATING}], verbs: [patch], "
                     "resourceNames: [cert-manager-webhook]}"),
            frozenset({("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin")}),
            {("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin"): "likely"},
        ),
        Example(
            "read-only, wrong group, and create through a RoleBinding",
            _binding(f"{{apiGroups: [{_GROUP}], resources: [{MUTATING}, {VALIDATING}], "
                     f"verbs: [get, list, watch]}}, {{apiGroups: [apps], resources: "
                     f"[{MUTATING}], verbs: [create]}}") + f"""---
kind: ClusterRole
metadata: {{name: webhook-creator}}
rules: [{{apiGroups: [{_GROUP}], resources: [{MUTATING}], verbs: [create]}}]
---
kind: RoleBinding
metadata: {{name: webhook-creators, namespace: cert-manager}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: webhook-creator}}
subjects: [{{kind: ServiceAccount, name: cert-manager}}]
""",
        ),
    ),
)
