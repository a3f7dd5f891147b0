"""image.outside-ecr: a container's image comes from a registry other than a private ECR.

Images from Docker Hub, ECR Public or any other registry are pulled over the internet and
escape the account's scanning and tag policies.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import Verdict, container_findings
from riskgraph.checks.image._reference import PRIVATE_ECR, parse_image
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import evidence


def _judge(pod: Pod, container: Container, path: str) -> Verdict:
    if not container.image:
        return None
    registry = parse_image(container.image).registry
    if PRIVATE_ECR.match(registry):
        return None
    return (f"container {container.name} pulls from {registry}, not a private ECR registry",
            (evidence(pod, f"{path}.image", container.image),), "certain")


def find(inv: Inventory) -> Iterator[Finding]:
    return container_findings(inv.pods, _judge)


CHECK = Check(
    id="image.outside-ecr",
    title="Image pulled from outside the account's ECR",
    severity="low",
    remediation="Mirror the image into a private ECR repository (pull-through cache) and "
                "pull it from there, through ECR VPC endpoints.",
    find=find,
    examples=(
        Example("Docker Hub and ECR Public", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: nginx}
---
kind: Pod
metadata: {name: lb, namespace: shop}
spec:
  containers:
  - {name: a, image: 'public.ecr.aws/nginx/nginx:1.27'}
""", frozenset({"k8s:Pod:shop/web", "k8s:Pod:shop/lb"})),
        Example("private ECR", """
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  containers:
  - {name: a, image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/api:4.1'}
"""),
    ),
)
