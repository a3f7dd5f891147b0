"""rbac.pv-create: a hostPath PersistentVolume hands a pod the node's file system past Pod
Security, which checks the pod's own volumes only.

PersistentVolumes are cluster-scoped, so only a ClusterRoleBinding grants create on them.
The subject must also run a pod claiming the volume: certain when the same binding creates
pods (or a pod controller) and persistentvolumeclaims, likely otherwise (another binding of
the subject may). The pod lands on any node pool: ``binding -> hub:pv-create:cluster ->
each pool``.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_hubs import HUB_COST
from riskgraph.techniques._shared.rbac_rules import POD_CREATORS, grants_by_binding

CAPABILITY = "pv-create"


def find(inv: Inventory) -> Iterator[Edge]:
    creators = grants_by_binding(inv, ("create",), ("persistentvolumes",))
    if not creators:
        return
    pods = grants_by_binding(inv, ("create",), POD_CREATORS)
    claims = grants_by_binding(inv, ("create",), ("persistentvolumeclaims",))
    hub = ids.hub_id(CAPABILITY, ids.CLUSTER_SCOPE)
    for source, found in creators.items():
        grant = found[0]
        pod, claim = next(iter(pods.get(source, ())), None), next(iter(claims.get(source, ())),
                                                                   None)
        confidence: Confidence = "likely"
        rest = ("; the subject also needs to create a persistentvolumeclaim and a pod "
                "that mounts it")
        evidence = grant.evidence
        if pod is not None and claim is not None:
            confidence = "certain"
            rest = f"; it also {claim.allowance} and {pod.allowance}"
            evidence = tuple(dict.fromkeys((*evidence, *claim.evidence, *pod.evidence)))
        yield Edge(source, hub,
                   f"{grant.phrase}, so it can create a hostPath volume over a node's root "
                   f"file system{rest}", evidence, confidence)
    for pool in inv.pools:
        yield Edge(hub, ids.node_pool_id(pool),
                   f"a pod claiming a hostPath volume of its creator's making writes to the "
                   f"root file system of a node of pool {pool}", (), "certain", HUB_COST)


def _binding(rules: str) -> str:
    return f"""
kind: ClusterRole
metadata: {{name: storage-admin}}
rules: [{rules}]
---
kind: ClusterRoleBinding
metadata: {{name: storage-admins}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: storage-admin}}
subjects: [{{kind: ServiceAccount, name: provisioner, namespace: storage}}]
"""


_PV = '{apiGroups: [""], resources: [persistentvolumes], verbs: [create]}'

TECHNIQUE = Technique(
    id="rbac.pv-create",
    title="RBAC allows creating persistent volumes (hostPath)",
    severity="high",
    mitre="T1611",
    remediation="Grant create on persistentvolumes to storage provisioners only and reject "
                "hostPath PersistentVolumes with an admission policy; let workloads use "
                "StorageClasses instead.",
    cost=3.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "persistent volumes, claims and deployments from one binding: certain",
            _binding(_PV + ', {apiGroups: [""], resources: [persistentvolumeclaims], '
                     'verbs: [create]}, {apiGroups: [apps], resources: [deployments], '
                     'verbs: [create]}'),
            frozenset({("k8s:ClusterRoleBinding:storage-admins", "hub:pv-create:cluster"),
                       ("hub:pv-create:cluster", "k8s:NodePool:any")}),
            {("k8s:ClusterRoleBinding:storage-admins", "hub:pv-create:cluster"): "certain"},
        ),
        Example(
            "persistent volumes alone: likely (the pod must come from elsewhere)",
            _binding(_PV),
            frozenset({("k8s:ClusterRoleBinding:storage-admins", "hub:pv-create:cluster"),
                       ("hub:pv-create:cluster", "k8s:NodePool:any")}),
            {("k8s:ClusterRoleBinding:storage-admins", "hub:pv-create:cluster"): "likely"},
        ),
        Example(
            "claims only, and persistent volumes through a RoleBinding",
            _binding('{apiGroups: [""], resources: [persistentvolumeclaims, pods], '
                     'verbs: [create]}, {apiGroups: [""], resources: [persistentvolumes], '
                     'verbs: [get, list]}') + """---
kind: RoleBinding
metadata: {name: local-storage, namespace: storage}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pv-maker}
subjects: [{kind: ServiceAccount, name: provisioner}]
---
kind: ClusterRole
metadata: {name: pv-maker}
rules: [{apiGroups: [""], resources: [persistentvolumes], verbs: [create]}]
""",
        ),
    ),
)
