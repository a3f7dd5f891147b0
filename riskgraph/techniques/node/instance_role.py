"""node.instance-role: root on a node holds the IAM role of its instance profile.

Root reaches the instance metadata service whatever its settings (it can use the node's own
network namespace, and IMDSv2 tokens with it), so the role is the node's. Where roles come
from, and how sure a foothold on a node pool is of each, is the rule of
:mod:`riskgraph.techniques._shared.aws_nodes`: the
instance's profile, else the EKS node group's node role; ``certain`` on a node, on a pool
``certain`` when every node carries the role, and the pool ``any`` of a manifests-only input
``likely`` when the AWS input shows one role for all of the cluster's compute. Fargate nodes
have no instance role.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.aws_nodes import place_roles, role_name


def find(inv: Inventory) -> Iterator[Edge]:
    for place, roles in place_roles(inv).items():
        for role in roles:
            yield Edge(place, role.arn,
                       f"root there reads the credentials of IAM role {role_name(role.arn)} "
                       f"from the instance metadata service: {role.reason}",
                       role.evidence, role.confidence)


_ROLES = """
---
{"RoleDetailList": [
  {"RoleName": "eks-node", "Arn": "arn:aws:iam::111122223333:role/eks-node",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
     "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
   "InstanceProfileList": [{"InstanceProfileName": "eks-node",
     "Arn": "arn:aws:iam::111122223333:instance-profile/eks-node",
     "Roles": [{"RoleName": "eks-node", "Arn": "arn:aws:iam::111122223333:role/eks-node"}]}]}],
 "Policies": []}
"""

TECHNIQUE = Technique(
    id="node.instance-role",
    title="Root on a node holds its instance's IAM role",
    severity="high",
    mitre="T1552.005",
    remediation="Give node roles only what the kubelet and CNI need (AmazonEKSWorkerNodePolicy, "
                "AmazonEC2ContainerRegistryReadOnly, the CNI policy through IRSA or Pod "
                "Identity instead), and move workload permissions to IRSA or Pod Identity.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "node through its instance profile; pool through its node group; Fargate none",
            """
kind: Node
metadata:
  name: ip-10-0-1-5.ec2.internal
  labels: {eks.amazonaws.com/nodegroup: general}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Node
metadata:
  name: fargate-ip-10-0-9-9.ec2.internal
  labels: {eks.amazonaws.com/compute-type: fargate}
spec: {providerID: "aws:///us-east-1a/a1b2c3/fargate-ip-10-0-9-9.ec2.internal"}
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [
  {"InstanceId": "i-0aaa1111bbbb2222c", "Placement": {"AvailabilityZone": "us-east-1a"},
   "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/eks-node"}}]}]}
""" + _ROLES,
            frozenset({
                ("k8s:Node:ip-10-0-1-5.ec2.internal", "arn:aws:iam::111122223333:role/eks-node"),
                ("k8s:NodePool:general", "arn:aws:iam::111122223333:role/eks-node")}),
            {("k8s:NodePool:general", "arn:aws:iam::111122223333:role/eks-node"): "certain"},
        ),
        Example(
            "manifests-only pool any and the one node role of the cluster's node groups",
            """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers: [{name: app, image: nginx}]
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}
---
{"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
  "nodegroupArn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/general/abc",
  "nodeRole": "arn:aws:iam::111122223333:role/eks-node"}}
""",
            frozenset({("k8s:NodePool:any", "arn:aws:iam::111122223333:role/eks-node")}),
            {("k8s:NodePool:any", "arn:aws:iam::111122223333:role/eks-node"): "likely"},
        ),
        Example(
            "nodes without AWS input, and an instance whose profile has no role in the input",
            """
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Node
metadata: {name: n2}
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [
  {"InstanceId": "i-0aaa1111bbbb2222c", "Placement": {"AvailabilityZone": "us-east-1a"},
   "IamInstanceProfile": {"Arn": "arn:aws:iam::111122223333:instance-profile/other"}}]}]}
""" + _ROLES,
        ),
    ),
)
