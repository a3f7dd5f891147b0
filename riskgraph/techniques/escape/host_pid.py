"""escape.host-pid: a container in the host's PID namespace reads host processes' secrets.

It sees every process on the node; where permissions allow, their environments and open
files under ``/proc/<pid>`` leak credentials. Whether they do depends on the users the
processes run as, so the step is ``likely``.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import containers, escape_edges, evidence


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        if not pod.spec.host_pid:
            continue
        proof = (evidence(pod, "hostPID", True),)
        for container, _ in containers(pod):
            yield from escape_edges(
                inv, pod, container,
                f"container {pod.name}/{container.name} shares the host's PID namespace, so it "
                "can read host processes' environments and open files for credentials",
                proof, "likely")


TECHNIQUE = Technique(
    id="escape.host-pid",
    title="hostPID container reads host process credentials",
    severity="medium",
    mitre="T1003.007",
    remediation="Remove hostPID from the pod spec (use shareProcessNamespace for sidecar "
                "debugging) and enforce the 'baseline' Pod Security level on the namespace.",
    # Opportunistic: it pays off only if some host process exposes a usable secret.
    cost=3.0,
    find=find,
    examples=(
        Example(
            "hostPID deployment: every container, likely",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: monitor, namespace: observability}
spec:
  template:
    spec:
      hostPID: true
      initContainers: [{name: init, image: busybox}]
      containers: [{name: exporter, image: node-exporter}]
""",
            frozenset({("k8s:Container:observability/monitor/exporter", "k8s:NodePool:any"),
                       ("k8s:Container:observability/monitor/init", "k8s:NodePool:any")}),
            {("k8s:Container:observability/monitor/exporter", "k8s:NodePool:any"): "likely"},
        ),
        Example(
            "live hostPID pod reaches its own node",
            """
kind: Pod
metadata: {name: top, namespace: default}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  hostPID: true
  containers: [{name: htop, image: htop}]
""",
            frozenset({("k8s:Container:default/top/htop", "k8s:Node:ip-10-0-1-5.ec2.internal")}),
            {("k8s:Container:default/top/htop", "k8s:Node:ip-10-0-1-5.ec2.internal"): "likely"},
        ),
        Example(
            "shareProcessNamespace and hostIPC are not hostPID; plain pod",
            """
kind: Pod
metadata: {name: sidecars, namespace: default}
spec:
  shareProcessNamespace: true
  hostIPC: true
  hostPID: false
  containers: [{name: app, image: app}, {name: debug, image: busybox}]
---
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers: [{name: nginx, image: nginx}]
""",
        ),
    ),
)
