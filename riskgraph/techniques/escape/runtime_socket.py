"""escape.runtime-socket: the container runtime's socket starts a privileged container on the node.

A read-only mount protects nothing: connecting to a Unix socket is not a write to the file.
The socket is ``root:root`` 0660, so the container's user must be able to write root-only
files (:mod:`riskgraph.techniques.escape._identity`): a proven non-root user without
``CAP_DAC_OVERRIDE`` cannot connect.

Assumed node layout: the EKS-optimised Amazon Linux 2 and 2023 AMIs (Bottlerocket and
Ubuntu alike), where ``/var/run`` is a symlink to ``/run``. A hostPath of ``/var/run`` is
resolved by the kubelet on the host and reaches ``/run/containerd``; a hostPath of ``/var``
is not, as its ``run`` entry is a symlink the container resolves in its own mount
namespace. So ``/``, ``/run``, ``/var/run``, ``/run/containerd`` and the socket itself reach
the socket, ``/var`` does not.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import escape_edges
from riskgraph.techniques.escape._hostpath import exposures
from riskgraph.techniques.escape._identity import Need

RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
)


def find(inv: Inventory) -> Iterator[Edge]:
    for found in exposures(inv.pods, RUNTIME_SOCKETS, Need.WRITE):
        yield from escape_edges(
            inv, found.pod, found.container,
            f"container {found.pod.name}/{found.container.name} mounts {found.describe()}, "
            f"so it can start a privileged container on the node{found.access.why}",
            found.evidence(), found.access.confidence)


_HOST_ROOT = """
kind: Pod
metadata: {name: node-debug, namespace: ops}
spec:
  nodeName: n1
  volumes:
  - {name: host, hostPath: {path: /}}
  - {name: var, hostPath: {path: /var}}
  securityContext: %s
  containers:%s"""

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
            "who connects: root certain, the image's user likely, non-root with "
            "CAP_DAC_OVERRIDE likely",
            _HOST_ROOT % ("{}", """
  - name: root
    image: tools
    securityContext: {runAsUser: 0, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
  - name: image-user
    image: tools
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
  - name: dac
    image: tools
    securityContext: {runAsUser: 1000, capabilities: {add: [CAP_DAC_OVERRIDE]}}
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
"""),
            frozenset({(f"k8s:Container:ops/node-debug/{name}", "k8s:Node:n1")
                       for name in ("root", "image-user", "dac")}),
            {("k8s:Container:ops/node-debug/root", "k8s:Node:n1"): "certain",
             ("k8s:Container:ops/node-debug/image-user", "k8s:Node:n1"): "likely",
             ("k8s:Container:ops/node-debug/dac", "k8s:Node:n1"): "likely"},
        ),
        Example(
            "a non-root user without DAC capabilities cannot open the root-owned socket, and "
            "the host's /var holds no socket (its run is a symlink resolved in the container)",
            _HOST_ROOT % ("{runAsNonRoot: true}", """
  - name: nobody
    image: tools
    securityContext:
      runAsUser: 65534
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
  - name: non-root-pod
    image: tools
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
  - name: var
    image: tools
    securityContext: {runAsUser: 0}
    volumeMounts: [{name: var, mountPath: /host-var}]
"""),
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
