"""pod.writable-root-fs: a container may write to its root filesystem.

Only the container's ``securityContext.readOnlyRootFilesystem: true`` makes it read-only; the
pod-level context has no such field. A writable root lets an intruder drop tools and
persist changes for the container's life.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import Verdict, container_findings
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import evidence


def _judge(pod: Pod, container: Container, path: str) -> Verdict:
    context = container.security_context
    if context is not None and context.read_only_root_filesystem:
        return None
    value = None if context is None else context.read_only_root_filesystem
    field = "securityContext.readOnlyRootFilesystem"
    return (f"container {container.name} has a writable root filesystem",
            (evidence(pod, f"{path}.{field}", bool(value)),), "certain")


def find(inv: Inventory) -> Iterator[Finding]:
    return container_findings(inv.pods, _judge)


CHECK = Check(
    id="pod.writable-root-fs",
    title="Container root filesystem is writable",
    severity="low",
    remediation="Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir "
                "where the application must write.",
    find=find,
    examples=(
        Example("unset and false", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: nginx}
  - {name: b, image: nginx, securityContext: {readOnlyRootFilesystem: false}}
---
kind: Pod
metadata:
  name: api-5d8-x2
  namespace: shop
  labels: {pod-template-hash: 5d8}
  ownerReferences: [{kind: ReplicaSet, name: api-5d8, controller: true, apiVersion: apps/v1,
                     uid: a}]
spec:
  containers:
  - {name: a, image: api}
---
kind: Pod
metadata:
  name: api-5d8-q7
  namespace: shop
  labels: {pod-template-hash: 5d8}
  ownerReferences: [{kind: ReplicaSet, name: api-5d8, controller: true, apiVersion: apps/v1,
                     uid: a}]
spec:
  containers:
  - {name: a, image: api}
""", frozenset({"k8s:Pod:shop/web", "k8s:Deployment:shop/api"})),
        Example("read-only root", """
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - {name: a, image: tool, securityContext: {readOnlyRootFilesystem: true}}
"""),
    ),
)
