"""node.os-image: nodes run a general-purpose OS rather than a minimal container OS.

Read from each EKS node group's ``amiType`` and each node's ``status.nodeInfo.osImage``:
Bottlerocket has no shell, no package manager and a read-only root, so an escape to the
node finds less to work with. Windows nodes are left alone (no Bottlerocket for them).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory


def _minimal(name: str) -> bool:
    lowered = name.lower()
    return "bottlerocket" in lowered or "windows" in lowered


def find(inv: Inventory) -> Iterator[Finding]:
    for group in inv.aws.nodegroups:
        if group.ami_type and not _minimal(group.ami_type) and group.nodegroup_arn:
            yield Finding(group.nodegroup_arn,
                          f"node group {group.nodegroup_name} runs {group.ami_type}",
                          (f"{group.nodegroup_arn}: amiType={group.ami_type}",))
    for node in inv.nodes:
        info = node.status.get("nodeInfo")
        image = info.get("osImage") if isinstance(info, dict) else None
        if isinstance(image, str) and image and not _minimal(image):
            vertex = ids.k8s_id("Node", node.name)
            yield Finding(vertex, f"node {node.name} runs {image}",
                          (f"{vertex}: status.nodeInfo.osImage={image}",))


_NODE = """
kind: Node
metadata: {name: ip-10-0-1-5.ec2.internal}
status:
  nodeInfo: {osImage: '%s'}
"""

CHECK = Check(
    id="node.os-image",
    title="Node OS is not a minimal container OS",
    severity="low",
    remediation="Move node groups to a Bottlerocket AMI type (BOTTLEROCKET_x86_64 or "
                "BOTTLEROCKET_ARM_64).",
    find=find,
    examples=(
        Example("Amazon Linux node and node group", _NODE % "Amazon Linux 2023.5.20240805" + """
---
{"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
  "nodegroupArn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/general/1",
  "amiType": "AL2023_x86_64_STANDARD"}}
""", frozenset({"k8s:Node:ip-10-0-1-5.ec2.internal",
                "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/general/1"})),
        Example("Bottlerocket", _NODE % "Bottlerocket OS 1.20.5 (aws-k8s-1.30)" + """
---
{"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
  "nodegroupArn": "arn:aws:eks:us-east-1:111122223333:nodegroup/prod/general/1",
  "amiType": "BOTTLEROCKET_x86_64"}}
"""),
    ),
)
