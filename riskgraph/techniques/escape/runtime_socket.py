"""escape.runtime-socket: the container runtime's socket starts a privileged container on the node.

A read-only mount protects nothing: connecting to a Unix socket is not a write to the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import escape_edges
from riskgraph.techniques.escape._hostpath import exposures

RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
)


def find(inv: Inventory) -> Iterator[Edge]:
    for found in exposures(inv.pods, RUNTIME_SOCKETS):
        yield from escape_edges(
            inv, found.pod, found.container,
            f"container {found.pod.name}/{found.container.name} mounts {found.describe()}, "
            "so it can start a privileged container on the node",
            found.evidence())


TECHNIQUE = Technique(
    id="escape.runtime-socket",
    title="Container runtime socket mounted into a container",
    severity="critical",
    mitre="T1611",
    remediation="Remove the hostPath volume that exposes the container runtime socket (or its "
                "directory); workloads that need container metadata should use the Kubernetes "
                "API or a read-only node agent instead, and restrict hostPath with the "
                "'baseline' Pod Security level.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "deployment mounting the docker socket lands on the any pool",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shipper, namespace: logging}
spec:
  template:
    spec:
      volumes:
      - {name: logs, hostPath: {path: /var/log}}
      - {name: docker, hostPath: {path: /var/run/docker.sock, type: Socket}}
      containers:
      - name: fluentd
        image: fluentd
        volumeMounts:
        - {name: logs, mountPath: /var/log}
        - {name: docker, mountPath: /var/run/docker.sock, readOnly: true}
""",
            frozenset({("k8s:Container:logging/shipper/fluentd", "k8s:NodePool:any")}),
        ),
        Example(
            "live pod: /run with subPath containerd, and an odd spelling of /var/run",
            """
kind: Pod
metadata: {name: builder, namespace: ci}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  volumes:
  - {name: run, hostPath: {path: /run}}
  - {name: varrun, hostPath: {path: "//var//run/"}}
  containers:
  - name: buildkit
    image: buildkit
    volumeMounts: [{name: run, mountPath: /run/containerd, subPath: containerd}]
  - name: cleaner
    image: busybox
    volumeMounts: [{name: varrun, mountPath: /host-run}]
""",
            frozenset({("k8s:Container:ci/builder/buildkit", "k8s:Node:ip-10-0-1-5.ec2.internal"),
                       ("k8s:Container:ci/builder/cleaner", "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example(
            "near misses: /var/log, a socket volume nobody mounts, paths below or beside it",
            """
kind: Pod
metadata: {name: agent, namespace: monitoring}
spec:
  volumes:
  - {name: logs, hostPath: {path: /var/log}}
  - {name: docker, hostPath: {path: /var/run/docker.sock}}
  - {name: shim, hostPath: {path: /run/containerd/io.containerd.runtime.v2.task}}
  - {name: run, hostPath: {path: /var/run}}
  - {name: scratch, emptyDir: {}}
  containers:
  - name: collector
    image: collector
    volumeMounts:
    - {name: logs, mountPath: /var/log}
    - {name: shim, mountPath: /tasks}
    - {name: run, mountPath: /run/secrets, subPath: secrets}
    - {name: scratch, mountPath: /var/run/docker.sock}
  - {name: plain, image: busybox}
""",
        ),
    ),
)
