"""image.mutable-tag: a container's image is not pinned by digest.

A tag can be moved to other content; only ``@sha256:...`` names one image. ``:latest`` and a
missing tag (which means ``latest``) move on every push, so they are named in the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import Verdict, container_findings
from riskgraph.checks.image._reference import parse_image
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import evidence


def _judge(pod: Pod, container: Container, path: str) -> Verdict:
    if not container.image:
        return None
    ref = parse_image(container.image)
    if ref.digest is not None:
        return None
    how = "has no tag (so latest)" if ref.tag is None else \
        "uses the moving tag latest" if ref.tag == "latest" else \
        f"uses tag {ref.tag} without a digest"
    return (f"container {container.name}'s image {how}",
            (evidence(pod, f"{path}.image", container.image),), "certain")


def find(inv: Inventory) -> Iterator[Finding]:
    return container_findings(inv.pods, _judge)


CHECK = Check(
    id="image.mutable-tag",
    title="Image is not pinned by digest",
    severity="medium",
    remediation="Reference images by digest (image: repo@sha256:...) and make the ECR "
                "repository's tags immutable.",
    find=find,
    examples=(
        Example("latest, no tag and a plain tag", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: nginx}
  - {name: b, image: 'nginx:latest'}
---
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  containers:
  - {name: a, image: 'localhost:5000/api:1.2'}
""", frozenset({"k8s:Pod:shop/web", "k8s:Pod:shop/api"})),
        Example("pinned by digest", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: 'nginx:1.27@sha256:0123456789abcdef'}
"""),
    ),
)
