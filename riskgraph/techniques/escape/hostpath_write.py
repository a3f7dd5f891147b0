"""escape.hostpath-write: a writable hostPath over a sensitive host path plants code the node runs.

Writing ``/etc/cron.d``, systemd units, ``/root/.ssh``, binaries, kubelet state or sysctls
gives code execution as root on the node.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import escape_edges
from riskgraph.techniques.escape._hostpath import exposures
from riskgraph.techniques.escape._identity import Need

SENSITIVE_PATHS = (
    "/", "/etc", "/root", "/home", "/usr", "/bin", "/sbin", "/lib", "/boot",
    "/var/lib/kubelet", "/etc/kubernetes", "/var/spool/cron", "/etc/cron.d", "/etc/systemd",
    "/proc/sys/kernel",
)


def find(inv: Inventory) -> Iterator[Edge]:
    for found in exposures(inv.pods, SENSITIVE_PATHS, Need.WRITE, writable_only=True):
        yield from escape_edges(
            inv, found.pod, found.container,
            f"container {found.pod.name}/{found.container.name} mounts {found.describe()} "
            f"writable, so it can plant code that the node runs as root{found.access.why}",
            found.evidence(), found.access.confidence)


TECHNIQUE = Technique(
    id="escape.hostpath-write",
    title="Writable hostPath over a sensitive host directory",
    severity="critical",
    mitre="T1611",
    remediation="Remove the hostPath volume, or narrow it to the one directory the workload "
                "needs and set readOnly: true on its volumeMounts; restrict hostPath with the "
                "'baseline' Pod Security level or an admission policy allow-list.",
    # The planted file must still be run by the host (cron, systemd, login, kubelet).
    cost=1.5,
    find=find,
    examples=(
        Example(
            "deployment mounting the host root writable lands on the any pool",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: rescue, namespace: ops}
spec:
  template:
    spec:
      volumes: [{name: host, hostPath: {path: /}}]
      containers:
      - name: shell
        image: busybox
        volumeMounts: [{name: host, mountPath: /host}]
""",
            frozenset({("k8s:Container:ops/rescue/shell", "k8s:NodePool:any")}),
        ),
        Example(
            "live pod: /etc with subPath cron.d, and /var/lib/kubelet/../kubelet",
            """
kind: Pod
metadata: {name: patcher, namespace: kube-system}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  volumes:
  - {name: etc, hostPath: {path: /etc}}
  - {name: kubelet, hostPath: {path: /var/lib/kubelet/../kubelet/}}
  initContainers:
  - name: cron
    image: busybox
    volumeMounts: [{name: etc, mountPath: /cron, subPath: cron.d}]
  containers:
  - name: csi
    image: csi
    volumeMounts: [{name: kubelet, mountPath: /var/lib/kubelet}]
""",
            frozenset({("k8s:Container:kube-system/patcher/cron",
                        "k8s:Node:ip-10-0-1-5.ec2.internal"),
                       ("k8s:Container:kube-system/patcher/csi",
                        "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example(
            "near misses: /etc read-only, /var/log, /etc/foo below /etc, an unmounted volume",
            """
kind: Pod
metadata: {name: reader, namespace: default}
spec:
  volumes:
  - {name: etc, hostPath: {path: /etc}}
  - {name: logs, hostPath: {path: /var/log}}
  - {name: foo, hostPath: {path: /etc/foo}}
  - {name: root, hostPath: {path: /}}
  containers:
  - name: app
    image: app
    volumeMounts:
    - {name: etc, mountPath: /host/etc, readOnly: true}
    - {name: logs, mountPath: /var/log}
    - {name: foo, mountPath: /foo}
  - {name: plain, image: busybox}
""",
        ),
    ),
)
