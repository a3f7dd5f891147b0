"""escape.privileged: a privileged container is root on its node."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    containers_with_security_context,
    escape_edges,
    evidence,
    is_privileged,
)


def find(inv: Inventory) -> Iterator[Edge]:
    for pod, container, path in containers_with_security_context(inv.pods):
        if is_privileged(container):
            yield from escape_edges(
                inv, pod, container,
                f"container {container.name} is privileged, so it can mount the host disk "
                "and load kernel modules",
                (evidence(pod, f"{path}.securityContext.privileged", True),))


TECHNIQUE = Technique(
    id="escape.privileged",
    title="Privileged container escapes to its node",
    severity="critical",
    mitre="T1611",
    remediation="Remove securityContext.privileged; grant only the capabilities the workload "
                "needs and enforce the 'baseline' Pod Security level on the namespace.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "privileged deployment lands on the any pool",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shipper, namespace: logging}
spec:
  template:
    spec:
      containers:
      - name: fluentd
        image: fluentd
        securityContext: {privileged: true}
""",
            frozenset({("k8s:Container:logging/shipper/fluentd", "k8s:NodePool:any")}),
        ),
        Example(
            "live privileged pod escapes to its own node",
            """
kind: Pod
metadata: {name: debug, namespace: default}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  containers:
  - {name: shell, image: busybox, securityContext: {privileged: true}}
  - {name: plain, image: busybox}
""",
            frozenset({("k8s:Container:default/debug/shell", "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example(
            "plain pod and explicitly unprivileged container",
            """
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: a, image: nginx}
  - {name: b, image: nginx, securityContext: {privileged: false}}
""",
        ),
    ),
)
