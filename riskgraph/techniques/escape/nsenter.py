"""escape.nsenter: a privileged container in the host's PID namespace enters PID 1's namespaces."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import containers, escape_edges, evidence, is_privileged


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        if not pod.spec.host_pid:
            continue
        for container, path in containers(pod):
            if is_privileged(container):
                yield from escape_edges(
                    inv, pod, container,
                    f"container {pod.name}/{container.name} is privileged and shares the host's "
                    "PID namespace, so `nsenter -t 1` gives it a root shell on the node",
                    (evidence(pod, "hostPID", True),
                     evidence(pod, f"{path}.securityContext.privileged", True)))


TECHNIQUE = Technique(
    id="escape.nsenter",
    title="Privileged hostPID container enters the node's namespaces",
    severity="critical",
    mitre="T1611",
    remediation="Remove hostPID and securityContext.privileged from the pod spec and enforce "
                "the 'baseline' Pod Security level on the namespace.",
    # One command, no exploit: the easiest escape there is.
    cost=0.5,
    find=find,
    examples=(
        Example(
            "privileged hostPID deployment lands on the any pool",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: node-shell, namespace: ops}
spec:
  template:
    spec:
      hostPID: true
      containers:
      - name: shell
        image: alpine
        securityContext: {privileged: true}
      - {name: sidecar, image: busybox}
""",
            frozenset({("k8s:Container:ops/node-shell/shell", "k8s:NodePool:any")}),
        ),
        Example(
            "live privileged hostPID pod enters its own node",
            """
kind: Pod
metadata: {name: debug, namespace: default}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  hostPID: true
  initContainers:
  - {name: setup, image: busybox, securityContext: {privileged: true}}
  containers:
  - {name: app, image: busybox}
""",
            frozenset({("k8s:Container:default/debug/setup", "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example(
            "privileged without hostPID, and hostPID without privileged",
            """
kind: Pod
metadata: {name: priv, namespace: default}
spec:
  hostPID: false
  containers:
  - {name: shell, image: busybox, securityContext: {privileged: true}}
---
kind: Pod
metadata: {name: pidonly, namespace: default}
spec:
  hostPID: true
  containers:
  - {name: top, image: busybox, securityContext: {privileged: false}}
---
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers: [{name: nginx, image: nginx}]
""",
        ),
    ),
)
