"""rbac.aws-auth-write: update or patch on ConfigMap ``kube-system/aws-auth`` maps any IAM
role of the attacker's to group ``system:masters`` on EKS.

Through a ClusterRoleBinding, or a RoleBinding in ``kube-system`` (a RoleBinding elsewhere
does not reach the ConfigMap); ``resourceNames`` must be empty or list ``aws-auth``.
Certain when the input holds the ConfigMap; otherwise likely, since a cluster in the
access-entry-only authentication mode ignores it. A ClusterRoleBinding that already holds
every permission is cluster admin through ``rbac.wildcard`` and gets no second edge here.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_rules import grants_by_binding, home_namespace
from riskgraph.techniques.rbac._power import is_cluster_admin

NAMESPACE = "kube-system"
NAME = "aws-auth"


def find(inv: Inventory) -> Iterator[Edge]:
    cluster = inv.aws.cluster
    if cluster is not None and not cluster.reads_aws_auth:
        return  # API-only authentication: EKS ignores the ConfigMap
    writers = grants_by_binding(inv, ("update", "patch"), ("configmaps",))
    if not writers:
        return
    present = any(cm.name == NAME and cm.metadata.namespace == NAMESPACE
                  for cm in inv.config_maps)
    confidence: Confidence = "certain" if present else "likely"
    for source, found in writers.items():
        grant = next((g for g in found if home_namespace(g.binding) in (None, NAMESPACE)
                      and (g.names is None or NAME in g.names)), None)
        if grant is None or is_cluster_admin(inv, grant):
            continue
        yield Edge(source, ids.CLUSTER_ADMIN,
                   f"{grant.phrase}, so it can map an IAM role of its own to group "
                   f"system:masters in ConfigMap {NAMESPACE}/{NAME}", grant.evidence,
                   confidence)


_CONFIG_MAP = """
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
---
"""


def _binding(namespace: str, rule: str) -> str:
    return f"""
kind: Role
metadata: {{name: config-editor, namespace: {namespace}}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: config-editors, namespace: {namespace}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-editor}}
subjects: [{{kind: Group, name: platform}}]
"""


TECHNIQUE = Technique(
    id="rbac.aws-auth-write",
    title="RBAC allows editing the EKS aws-auth ConfigMap",
    severity="critical",
    mitre="T1098",
    remediation="Remove update and patch on configmaps in kube-system from the role (or "
                "exclude aws-auth by listing the ConfigMaps it needs in resourceNames); "
                "migrate the cluster to EKS access entries (authentication mode API) so "
                "that aws-auth is no longer read.",
    cost=1.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "patch by name in kube-system with the ConfigMap present: certain",
            _CONFIG_MAP + _binding(NAMESPACE, '{apiGroups: [""], resources: [configmaps], '
                                   'verbs: [patch], resourceNames: [aws-auth]}'),
            frozenset({("k8s:RoleBinding:kube-system/config-editors", "k8s:ClusterAdmin")}),
            {("k8s:RoleBinding:kube-system/config-editors", "k8s:ClusterAdmin"): "certain"},
        ),
        Example(
            "cluster-wide update on every ConfigMap, none in the input: likely",
            """
kind: ClusterRoleBinding
metadata: {name: editors}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: devs}]
""",
            frozenset({("k8s:ClusterRoleBinding:editors", "k8s:ClusterAdmin")}),
            {("k8s:ClusterRoleBinding:editors", "k8s:ClusterAdmin"): "likely"},
        ),
        Example(
            "the EKS cluster authenticates through access entries only (mode API)",
            _CONFIG_MAP + _binding(NAMESPACE, '{apiGroups: [""], resources: [configmaps], '
                                   'verbs: [patch], resourceNames: [aws-auth]}') + """---
{"cluster": {"name": "shop", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/shop",
             "accessConfig": {"authenticationMode": "API"}}}
""",
        ),
        Example(
            "another namespace, other ConfigMap names, read-only",
            _CONFIG_MAP + _binding("shop", '{apiGroups: [""], resources: [configmaps], '
                                   'verbs: [update, patch]}') + "---" + _binding(
                NAMESPACE, '{apiGroups: [""], resources: [configmaps], verbs: [patch], '
                'resourceNames: [coredns]}, {apiGroups: [""], resources: [configmaps], '
                'verbs: [get, list, watch]}'),
        ),
    ),
)
