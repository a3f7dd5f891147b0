"""node.pod-identity: root on a node gets the EKS Pod Identity roles of the pods there.

The Pod Identity agent trades a pod's service-account token for the association's role by
calling ``eks-auth:AssumeRoleForPodIdentity`` with the node's IAM role. Root on the node
holds both: the node role (from IMDS) and the projected tokens of the pods on the node, even
of pods that mount no API token. So when the node role may call that action on the cluster
(a node role not in the input is taken to, ``likely``: the agent needs it), the node reaches
the roles of the associations of its pods' service accounts.

A live node reaches the roles of the pods bound to it directly. A node pool reaches them
through one hub per pool, ``hub:node-pod-identity:pools/<pool>``: the pool enters it once
(when its role may call the action) and the hub leads to the role of every pod that runs or
may run on the pool, ``possible`` (the foothold is on one node of it) unless a DaemonSet
runs on every node.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.estate.scheduling import pool_set_scope
from riskgraph.iam import access_for
from riskgraph.models import Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.aws_nodes import place_roles, role_name
from riskgraph.techniques._shared.common import evidence, namespace_of, node_evidence, runs_on
from riskgraph.techniques.pod.eks_pod_identity import Grant, cluster_of, grants

ACTION = "eks-auth:AssumeRoleForPodIdentity"
CAPABILITY = "node-pod-identity"
HUB_COST = 0.1

Permission = tuple[Confidence, str, tuple[str, ...]]  # how sure, which role, evidence


def _permissions(inv: Inventory, cluster_arn: str) -> dict[str, Permission]:
    """Node and pool id -> the best of its roles that may call the action."""
    access = access_for(inv.aws)
    decided: dict[str, Permission | None] = {}
    found: dict[str, Permission] = {}
    for place, roles in place_roles(inv).items():
        for held in roles:
            if held.arn not in decided:
                role = inv.aws.role(held.arn)
                if role is None:
                    decided[held.arn] = ("likely", held.arn, ())
                else:
                    decision = access.can(role, ACTION, cluster_arn)
                    decided[held.arn] = (decision.confidence, held.arn, (decision.because,)) \
                        if decision.allowed else None
            permission = decided[held.arn]
            if permission is None:
                continue
            level = weakest(permission[0], held.confidence)
            if place not in found or \
                    CONFIDENCE_ORDER.index(level) < CONFIDENCE_ORDER.index(found[place][0]):
                found[place] = (level, held.arn, (*held.evidence, *permission[2]))
    return found


def _node_edges(pod: Pod, node: str, replica: str, permission: Permission,
                account_grants: list[Grant], done: set[tuple[str, str]]) -> Iterator[Edge]:
    node_id = ids.k8s_id("Node", node)
    level, role, proof = permission
    for grant in account_grants:
        if (node_id, grant.role) not in done:
            done.add((node_id, grant.role))
            yield Edge(node_id, grant.role,
                       f"{runs_on(pod, replica)} runs on node {node}, whose role "
                       f"{role_name(role)} may call {ACTION}: root there trades the pod's "
                       f"token for its role ({grant.reason})",
                       (node_evidence(pod, replica, node), *proof, *grant.evidence),
                       weakest(level, grant.confidence))


def _pools_of(inv: Inventory, pod: Pod, pool_of_node: dict[str, str]
              ) -> list[tuple[str, Confidence, str]]:
    """(pool id, how sure a foothold on the pool shares a node with the pod, why)."""
    found: list[tuple[str, Confidence, str]] = [
        (pool, "possible", f"{runs_on(pod, replica)} runs on node {node}")
        for node, replica in pod.placed_on.items()
        if (pool := pool_of_node.get(node)) is not None]
    if pod.is_bound and not pod.is_template:
        return found
    return found + [(place.target, place.confidence if pod.template_kind == "DaemonSet"
                     else "possible", place.reason) for place in inv.placements(pod)
                    if not place.target.startswith(ids.NODE_PREFIX)]


def find(inv: Inventory) -> Iterator[Edge]:
    by_account: dict[tuple[str, str], list[Grant]] = {}
    for grant in grants(inv):
        by_account.setdefault((grant.namespace, grant.service_account), []).append(grant)
    cluster = cluster_of(inv)
    if not by_account or cluster is None:
        return
    permissions = _permissions(inv, cluster.arn)
    pool_of_node = {node.name: ids.node_pool_id(pool)
                    for pool, nodes in inv.pools.items() for node in nodes}
    done: set[tuple[str, str]] = set()
    via_pool: dict[str, dict[str, Edge]] = {}
    for pod in inv.pods:
        account = pod.spec.effective_service_account
        account_grants = by_account.get((namespace_of(pod), account))
        if not account_grants:
            continue
        for node, replica in pod.placed_on.items():
            permission = permissions.get(ids.k8s_id("Node", node))
            if permission is not None:
                yield from _node_edges(pod, node, replica, permission, account_grants, done)
        proof = evidence(pod, "serviceAccountName", account)
        for pool, level, why in _pools_of(inv, pod, pool_of_node):
            if pool not in permissions:
                continue
            hub = ids.hub_id(CAPABILITY, pool_set_scope([pool], len(inv.pools)))
            edges = via_pool.setdefault(pool, {})
            for grant in account_grants:
                edge = Edge(hub, grant.role, f"{why}, so root on a node of the pool may trade "
                            f"its token for the role ({grant.reason})",
                            (proof, *grant.evidence), weakest(level, grant.confidence))
                held = edges.get(grant.role)
                if held is None or CONFIDENCE_ORDER.index(edge.confidence) < \
                        CONFIDENCE_ORDER.index(held.confidence):
                    edges[grant.role] = edge
    for pool, edges in via_pool.items():
        level, role, permission_proof = permissions[pool]
        yield Edge(pool, ids.hub_id(CAPABILITY, pool_set_scope([pool], len(inv.pools))),
                   f"a foothold on pool {ids.parse(pool).name} holds node role "
                   f"{role_name(role)}, which may call {ACTION}", permission_proof, level,
                   HUB_COST)
        yield from edges.values()


_AWS = """
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}
---
{"association": {"clusterName": "prod", "namespace": "shop", "serviceAccount": "api",
  "roleArn": "arn:aws:iam::111122223333:role/api", "associationId": "a-1",
  "associationArn": "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-1"}}
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [
  {"InstanceId": "i-0aaa1111bbbb2222c", "Placement": {"AvailabilityZone": "us-east-1a"},
   "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/eks-node"}}]}]}
---
{"RoleDetailList": [
  {"RoleName": "api", "Arn": "arn:aws:iam::111122223333:role/api",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
     "Principal": {"Service": "pods.eks.amazonaws.com"},
     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}},
  {"RoleName": "eks-node", "Arn": "arn:aws:iam::111122223333:role/eks-node",
   "InstanceProfileList": [{"InstanceProfileName": "eks-node",
     "Arn": "arn:aws:iam::111122223333:instance-profile/eks-node", "Roles": []}],
   "RolePolicyList": [{"PolicyName": "node", "PolicyDocument": {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "%s", "Resource": "*"}]}}]}],
 "Policies": []}
"""

_PODS = """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Pod
metadata: {name: api-7d9f, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: api
  automountServiceAccountToken: false
  containers: [{name: app, image: api}]
---
kind: Pod
metadata: {name: other, namespace: shop}
spec:
  nodeName: n1
  containers: [{name: app, image: x}]
"""

_API = "arn:aws:iam::111122223333:role/api"

TECHNIQUE = Technique(
    id="node.pod-identity",
    title="Root on a node gets the Pod Identity roles of the pods there",
    severity="high",
    mitre="T1552.005",
    remediation="Run workloads whose Pod Identity roles matter on their own node group (taints "
                "and node affinity), and keep IMDS closed to pods so a container breakout is "
                "needed to get the node role.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "node role may call AssumeRoleForPodIdentity: node and its pool reach the pod's role",
            _PODS + _AWS % "eks-auth:AssumeRoleForPodIdentity",
            frozenset({("k8s:Node:n1", _API),
                       ("k8s:NodePool:general", "hub:node-pod-identity:pools/all"),
                       ("hub:node-pod-identity:pools/all", _API)}),
            {("k8s:Node:n1", _API): "certain",
             ("hub:node-pod-identity:pools/all", _API): "possible"},
        ),
        Example(
            "node role without the permission",
            _PODS + _AWS % "ecr:GetAuthorizationToken",
        ),
    ),
)
