"""pod.run-as-root: a container may run as root (user 0).

The container's ``securityContext`` wins over the pod's for ``runAsUser`` and
``runAsNonRoot``. ``runAsUser: 0`` is root for certain; ``runAsNonRoot: true`` makes the
kubelet refuse a root start, and a non-zero ``runAsUser`` is no root. With neither, the
image's ``USER`` decides, which the input does not show: ``likely``, and the reason says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import Verdict, container_findings
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import evidence


def _judge(pod: Pod, container: Container, path: str) -> Verdict:
    own, shared = container.security_context, pod.spec.security_context
    for context, where in ((own, f"{path}.securityContext"), (shared, "securityContext")):
        if context is not None and context.run_as_user is not None:
            if context.run_as_user == 0:
                return (f"container {container.name} runs as user 0",
                        (evidence(pod, f"{where}.runAsUser", 0),), "certain")
            return None
    for context in (own, shared):
        if context is not None and context.run_as_non_root is not None:
            if context.run_as_non_root:
                return None
            break
    return (f"container {container.name} sets neither runAsNonRoot nor a non-zero runAsUser, "
            "so it runs as root unless its image names another USER",
            (evidence(pod, f"{path}.name", container.name),), "likely")


def find(inv: Inventory) -> Iterator[Finding]:
    return container_findings(inv.pods, _judge)


CHECK = Check(
    id="pod.run-as-root",
    title="Container runs as root",
    severity="medium",
    remediation="Set securityContext.runAsNonRoot: true and a non-zero runAsUser (pod or "
                "container level), and build images with a non-root USER.",
    find=find,
    examples=(
        Example("root by default and by user 0", """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
      - {name: app, image: app}
---
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: shell, image: busybox, securityContext: {runAsUser: 0}}
""", frozenset({"k8s:Deployment:shop/api", "k8s:Pod:shop/debug"})),
        Example("non-root at pod or container level", """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: a, image: nginx}
  - {name: b, image: nginx, securityContext: {runAsUser: 1000}}
---
kind: Pod
metadata: {name: job, namespace: shop}
spec:
  securityContext: {runAsUser: 1000}
  containers:
  - {name: a, image: tool}
"""),
    ),
)
