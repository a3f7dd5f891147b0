"""aws.ssm-node: a principal opens a shell on a Kubernetes node through AWS Systems Manager.

``ssm:StartSession`` or ``ssm:SendCommand`` on the node's EC2 instance (found through the
node's ``spec.providerID``) runs commands as root on it. Conditions on the instance's tags
are decided with the tags the input holds. A grant over every instance of the account (and
the account's admin) goes through ``hub:aws-ssm-node:aws/<account>``, which fans out to the
nodes whose instances are in that account. Only nodes the input holds are targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws import Ec2Instance
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import Target, account_grant_edges, setup

ACTIONS = ("ssm:StartSession", "ssm:SendCommand")


def _tags(instance: Ec2Instance) -> dict[str, str]:
    return {f"{prefix}/{t.key}": t.value for t in instance.tags
            for prefix in ("ssm:resourceTag", "aws:ResourceTag")}


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    nodes: dict[str, list[Target]] = defaultdict(list)
    for node in inv.nodes:
        instance = inv.aws.instance_for(node)
        if instance is not None and instance.account and instance.region:
            vertex = ids.k8s_id("Node", node.name)
            nodes[instance.account].append(Target(
                instance.arn, f"{instance.instance_id} (node {node.name})", vertex,
                _tags(instance), f"{vertex}: spec.providerID={node.spec.provider_id}"))
    yield from account_grant_edges(access, actors, "aws-ssm-node", ACTIONS, nodes,
                                   "arn:aws:ec2:{p}:{account}:instance/{p}", "instance",
                                   "run commands through SSM on")


_NODES = """
kind: Node
metadata: {name: ip-10-0-1-5.ec2.internal}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111"}
---
kind: Node
metadata: {name: ip-10-0-2-9.ec2.internal}
spec: {providerID: "aws:///us-east-1b/i-0bbb2222"}
---
Reservations:
- OwnerId: "111122223333"
  Instances:
  - InstanceId: i-0aaa1111
    Placement: {AvailabilityZone: us-east-1a}
    Tags: [{Key: team, Value: web}]
  - InstanceId: i-0bbb2222
    Placement: {AvailabilityZone: us-east-1b}
    Tags: [{Key: team, Value: data}]
"""

_GRANTS = """
RoleDetailList:
- RoleName: web-oncall
  Arn: arn:aws:iam::111122223333:role/web-oncall
  RolePolicyList:
  - PolicyName: web-sessions
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: ssm:StartSession
        Resource: "arn:aws:ec2:*:*:instance/*"
        Condition: {StringEquals: {"ssm:resourceTag/team": web}}
- RoleName: fleet-ops
  Arn: arn:aws:iam::111122223333:role/fleet-ops
  RolePolicyList:
  - PolicyName: run-commands
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "ssm:SendCommand", Resource: "*"}]
"""

_NO_NODES = """
kind: Node
metadata: {name: fargate-ip-10-0-3-3.ec2.internal}
spec: {providerID: "aws:///us-east-1a/fargate-ip-10-0-3-3"}
---
RoleDetailList:
- RoleName: fleet-ops
  Arn: arn:aws:iam::111122223333:role/fleet-ops
  RolePolicyList:
  - PolicyName: run-commands
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "ssm:SendCommand", Resource: "*"}]
"""

_HUB = "hub:aws-ssm-node:aws/111122223333"

TECHNIQUE = Technique(
    id="aws.ssm-node",
    title="Principal runs commands on a node through AWS Systems Manager",
    severity="high",
    mitre="T1651",
    remediation="Grant ssm:StartSession and ssm:SendCommand only on the instances an "
                "operator needs (with ssm:resourceTag conditions); keep cluster nodes out of "
                "broad Session Manager access.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "a session grant on tagged instances, commands on every instance",
            _NODES + "---" + _GRANTS,
            frozenset({
                ("arn:aws:iam::111122223333:role/web-oncall",
                 "k8s:Node:ip-10-0-1-5.ec2.internal"),
                ("arn:aws:iam::111122223333:role/fleet-ops", _HUB),
                ("aws:Admin:111122223333", _HUB),
                (_HUB, "k8s:Node:ip-10-0-1-5.ec2.internal"),
                (_HUB, "k8s:Node:ip-10-0-2-9.ec2.internal"),
            }),
        ),
        Example("a Fargate node has no instance to reach", _NO_NODES),
    ),
)
