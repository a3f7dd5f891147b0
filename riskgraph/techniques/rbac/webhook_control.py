"""rbac.webhook-control: writing admission webhook configurations puts an attacker's
server in the path of the API requests it chooses.

A mutating webhook rewrites any object on its way in (a pod gains a privileged container,
a binding a subject): cluster admin. A validating webhook cannot rewrite anything: it sees
the objects its rules select as they are created or updated (Secrets with their values
among them) and can refuse them, a denial of service the graph does not draw. So writing
validating configurations leads to the secrets, through ``hub:webhook-admitted-secrets``
(cluster, then one hub per namespace), ``likely``: a secret is seen only when it is next
written. Create writes a new configuration; update or patch needs an existing one (EKS
clusters carry some), whose rules it can widen, so without create the mutating edge is
``likely`` too. Cluster-scoped, so only a ClusterRoleBinding grants it. A binding that is
cluster admin already (``rbac.wildcard``) gets no second edge here, and one that may write
mutating configurations gets only the cluster-admin edge.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import Target, hub_edges
from riskgraph.techniques._shared.rbac_rules import Access, Grant, grants_by_binding, stronger
from riskgraph.techniques.rbac._power import is_cluster_admin

MUTATING = "mutatingwebhookconfigurations"
VALIDATING = "validatingwebhookconfigurations"
CAPABILITY = "webhook-admitted-secrets"


def _confidence(grant: Grant) -> Confidence:
    return "certain" if "create" in grant.verbs else "likely"


def _strongest(found: list[Grant]) -> Grant:
    best = found[0]
    for grant in found[1:]:
        if stronger(_confidence(grant), _confidence(best)):
            best = grant
    return best


def _secrets(inv: Inventory, namespace: str) -> Iterator[Target]:
    for secret in inv.secrets_in(namespace):
        yield Target(ids.k8s_id("Secret", secret.name, namespace), None,
                     f"a validating webhook selecting secrets sees secret "
                     f"{namespace}/{secret.name} when it is next created or updated")


def find(inv: Inventory) -> Iterator[Edge]:
    writers = grants_by_binding(inv, ("create", "update", "patch"), (MUTATING, VALIDATING))
    watchers: list[Access] = []
    for source, found in writers.items():
        if is_cluster_admin(inv, found[0]):
            continue
        mutating = [g for g in found if g.resource == MUTATING]
        if mutating:
            best = _strongest(mutating)
            yield Edge(source, ids.CLUSTER_ADMIN,
                       f"{best.phrase}, so it can register a mutating webhook of its own and "
                       "rewrite every object admitted", best.evidence, _confidence(best))
            continue
        best = _strongest(found)
        watchers.append(Access(
            best.binding, None, "likely",
            f"{best.phrase}, so it can have a validating webhook of its own select secrets "
            "and see each one as it is created or updated (not rewrite it: no pod injection)",
            best.evidence))
    yield from hub_edges(inv, CAPABILITY, watchers, lambda ns: _secrets(inv, ns),
                         "see secrets as they are admitted")


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
_ADMINS = "k8s:ClusterRoleBinding:webhook-admins"
_CLUSTER_HUB = "hub:webhook-admitted-secrets:cluster"
_SHOP_HUB = "hub:webhook-admitted-secrets:ns/shop"
_SECRETS = """---
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: Secret
metadata: {name: tls, namespace: shop}
"""

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
            "create mutating and validating webhooks: certain admin, no secret edges",
            _binding(f"{{apiGroups: [{_GROUP}], resources: [{MUTATING}, {VALIDATING}], "
                     "verbs: [create]}") + _SECRETS,
            frozenset({("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin")}),
            {("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin"): "certain"},
        ),
        Example(
            "patch one named mutating webhook: likely",
            _binding(f"{{apiGroups: [{_GROUP}], resources: [{MUTATING}], verbs: [patch], "
                     "resourceNames: [cert-manager-webhook]}"),
            frozenset({("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin")}),
            {("k8s:ClusterRoleBinding:webhook-admins", "k8s:ClusterAdmin"): "likely"},
        ),
        Example(
            "patch one named validating webhook: the secrets as they are written, not admin",
            _binding(f"{{apiGroups: [{_GROUP}], resources: [{VALIDATING}], verbs: [patch], "
                     "resourceNames: [cert-manager-webhook]}") + _SECRETS,
            frozenset({(_ADMINS, _CLUSTER_HUB), (_CLUSTER_HUB, _SHOP_HUB),
                       (_SHOP_HUB, "k8s:Secret:shop/db"), (_SHOP_HUB, "k8s:Secret:shop/tls")}),
            {(_ADMINS, _CLUSTER_HUB): "likely"},
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
