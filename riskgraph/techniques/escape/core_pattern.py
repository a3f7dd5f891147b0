"""escape.core-pattern: a writable host core_pattern makes the kernel run a program as host root.

A ``|``-prefixed core_pattern names a usermode helper the kernel starts, as root in the
host's namespaces, whenever a process dumps core; the container then crashes a process.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import escape_edges
from riskgraph.techniques.escape._hostpath import exposures
from riskgraph.techniques.escape._identity import Need

CORE_PATTERN = ("/proc/sys/kernel/core_pattern",)


def find(inv: Inventory) -> Iterator[Edge]:
    for found in exposures(inv.pods, CORE_PATTERN, Need.WRITE, writable_only=True):
        yield from escape_edges(
            inv, found.pod, found.container,
            f"container {found.pod.name}/{found.container.name} mounts {found.describe()} "
            "writable, so it can point core_pattern at its own program, which the kernel runs "
            f"as root on the node when a process crashes{found.access.why}",
            found.evidence(), found.access.confidence)


TECHNIQUE = Technique(
    id="escape.core-pattern",
    title="Writable host core_pattern runs code as node root",
    severity="critical",
    mitre="T1611",
    remediation="Remove the hostPath volume over /proc (or /proc/sys); set sysctls through "
                "the pod's securityContext.sysctls or the node image instead, and restrict "
                "hostPath with the 'baseline' Pod Security level.",
    # Needs the helper's path as the host sees it (the container's overlay upper directory).
    cost=1.5,
    find=find,
    examples=(
        Example(
            "deployment mounting /proc/sys/kernel writable lands on the any pool",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: tuner, namespace: ops}
spec:
  template:
    spec:
      volumes: [{name: kernel, hostPath: {path: /proc/sys/kernel}}]
      containers:
      - name: sysctl
        image: busybox
        volumeMounts: [{name: kernel, mountPath: /host/kernel}]
""",
            frozenset({("k8s:Container:ops/tuner/sysctl", "k8s:NodePool:any")}),
        ),
        Example(
            "live pod mounting the host's /proc writable",
            """
kind: Pod
metadata: {name: procfs, namespace: default}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  volumes: [{name: proc, hostPath: {path: /proc}}]
  containers:
  - name: agent
    image: agent
    volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: false}]
""",
            frozenset({("k8s:Container:default/procfs/agent",
                        "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example(
            "near misses: read-only /proc, a sibling sysctl, /proc/sys/net",
            """
kind: Pod
metadata: {name: exporter, namespace: monitoring}
spec:
  volumes:
  - {name: proc, hostPath: {path: /proc}}
  - {name: panic, hostPath: {path: /proc/sys/kernel/panic}}
  - {name: net, hostPath: {path: /proc/sys/net}}
  containers:
  - name: node-exporter
    image: node-exporter
    volumeMounts:
    - {name: proc, mountPath: /host/proc, readOnly: true}
    - {name: panic, mountPath: /panic}
    - {name: net, mountPath: /net}
  - {name: plain, image: busybox}
""",
        ),
    ),
)
