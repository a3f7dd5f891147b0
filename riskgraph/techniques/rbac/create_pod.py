"""rbac.create-pod: creating a pod, or any controller that makes pods, runs code of the
attacker's choosing as any service account of the namespace, and, where Pod Security
Admission lets privileged pods in, on any node pool (``nodeName`` and tolerations are the
creator's to write).

Pod Security is no barrier to a binding that may also patch (or update) the Namespace
object: it sets the ``enforce`` label to ``privileged`` first. A ClusterRoleBinding
patches any namespace (or those ``resourceNames`` lists); a RoleBinding its own only.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import (
    Target,
    hub_edges,
    pod_runner_targets,
    relabel_edges,
)
from riskgraph.techniques._shared.rbac_rules import POD_CREATORS, accesses, always_certain, grants

CAPABILITY = "create-pod"


def _targets(inv: Inventory, namespace: str) -> Iterator[Target]:
    return pod_runner_targets(inv, namespace, f"whoever can create pods in namespace {namespace}")


def find(inv: Inventory) -> Iterator[Edge]:
    found = accesses(grants(inv, ("create",), POD_CREATORS), always_certain)
    yield from hub_edges(inv, CAPABILITY, found, lambda ns: _targets(inv, ns), "create pods")
    yield from relabel_edges(inv, CAPABILITY, found, "whoever can create pods")


def _binding(rule: str, namespace_labels: str = "{}") -> str:
    return f"""
kind: Namespace
metadata: {{name: shop, labels: {namespace_labels}}}
---
kind: ServiceAccount
metadata: {{name: builder, namespace: shop}}
---
kind: Role
metadata: {{name: deployer, namespace: shop}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: deployers, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}}
subjects: [{{kind: ServiceAccount, name: ci}}]
"""


_ACCOUNTS = frozenset({("k8s:RoleBinding:shop/deployers", "hub:create-pod:ns/shop"),
                       ("hub:create-pod:ns/shop", "k8s:ServiceAccount:shop/builder"),
                       ("hub:create-pod:ns/shop", "k8s:ServiceAccount:shop/default")})

TECHNIQUE = Technique(
    id="rbac.create-pod",
    title="RBAC allows creating pods or pod controllers",
    severity="high",
    mitre="T1610",
    remediation="Limit create on pods and pod controllers to deployment pipelines; enforce "
                "the 'baseline' or 'restricted' Pod Security level on the namespace "
                "(pod-security.kubernetes.io/enforce) and keep powerful service accounts out "
                "of namespaces where others can create pods.",
    cost=2.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "create deployments (apps) runs as every account and, without PSA, on every pool",
            _binding("{apiGroups: [apps], resources: [deployments], verbs: [create]}"),
            _ACCOUNTS | {("hub:create-pod:ns/shop", "k8s:NodePool:any")},
        ),
        Example(
            "restricted Pod Security keeps the pod off the node pools",
            _binding('{apiGroups: [""], resources: [pods], verbs: [create]}',
                     '{pod-security.kubernetes.io/enforce: restricted}'),
            _ACCOUNTS,
        ),
        Example(
            "restricted Pod Security is relabelled by a binding that may patch the namespace",
            _binding('{apiGroups: [""], resources: [pods], verbs: [create]}, '
                     '{apiGroups: [""], resources: [namespaces], verbs: [patch]}',
                     '{pod-security.kubernetes.io/enforce: restricted}'),
            _ACCOUNTS | {("k8s:RoleBinding:shop/deployers", "hub:create-pod-relabel:cluster"),
                         ("hub:create-pod-relabel:cluster", "k8s:NodePool:any")},
        ),
        Example(
            "explicitly privileged namespace, cron jobs in batch",
            _binding("{apiGroups: [batch], resources: [cronjobs], verbs: [create]}",
                     '{pod-security.kubernetes.io/enforce: privileged}'),
            _ACCOUNTS | {("hub:create-pod:ns/shop", "k8s:NodePool:any")},
        ),
        Example(
            "deployments in the core group, named create, and update only",
            _binding('{apiGroups: [""], resources: [deployments], verbs: [create]}, '
                     '{apiGroups: [""], resources: [pods], verbs: [create], '
                     'resourceNames: [web]}, '
                     '{apiGroups: [apps], resources: [deployments], verbs: [update]}'),
        ),
    ),
)
