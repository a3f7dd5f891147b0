"""escape.hostpath-read: a hostPath over the node's credential files discloses them.

SSH keys, password hashes, the kubelet's client certificate and kubeconfig, and the
control-plane files under ``/etc/kubernetes`` let the reader act as the node. They are
closed to users other than root, so the container's user counts
(:mod:`riskgraph.techniques.escape._identity`): a proven non-root user without
``CAP_DAC_OVERRIDE`` or ``CAP_DAC_READ_SEARCH`` reads none of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import escape_edges
from riskgraph.techniques.escape._hostpath import exposures
from riskgraph.techniques.escape._identity import Need

CREDENTIAL_PATHS = (
    "/root/.ssh", "/home/*/.ssh", "/etc/shadow", "/var/lib/kubelet/pki",
    "/var/lib/kubelet/kubeconfig", "/etc/kubernetes",
)


def find(inv: Inventory) -> Iterator[Edge]:
    for found in exposures(inv.pods, CREDENTIAL_PATHS, Need.READ):
        yield from escape_edges(
            inv, found.pod, found.container,
            f"container {found.pod.name}/{found.container.name} mounts {found.describe()}, "
            f"so it can read the node's credentials{found.access.why}",
            found.evidence(), found.access.confidence)


_NON_ROOT = """
kind: Pod
metadata: {name: inspector, namespace: ops}
spec:
  nodeName: n1
  volumes: [{name: host, hostPath: {path: /}}]
  containers:
  - name: scan
    image: scanner
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
    securityContext: %s
"""

TECHNIQUE = Technique(
    id="escape.hostpath-read",
    title="hostPath exposes the node's credential files",
    severity="high",
    mitre="T1552.001",
    remediation="Remove the hostPath volume or narrow it to a directory without credentials "
                "(never /, /root, /home, /etc or /var/lib/kubelet); restrict hostPath with the "
                "'baseline' Pod Security level or an admission policy allow-list.",
    # Credentials must still be put to use, and the kubelet's are limited by NodeRestriction.
    cost=2.0,
    find=find,
    examples=(
        Example(
            "deployment mounting /home read-only exposes users' SSH keys",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: indexer, namespace: search}
spec:
  template:
    spec:
      volumes: [{name: home, hostPath: {path: /home/}}]
      containers:
      - name: crawler
        image: crawler
        volumeMounts: [{name: home, mountPath: /data, readOnly: true}]
""",
            frozenset({("k8s:Container:search/indexer/crawler", "k8s:NodePool:any")}),
        ),
        Example(
            "live pod mounting the kubelet's pki and one user's .ssh",
            """
kind: Pod
metadata: {name: certwatch, namespace: monitoring}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  volumes:
  - {name: pki, hostPath: {path: /var/lib/kubelet/pki}}
  - {name: ssh, hostPath: {path: /home/ec2-user/.ssh}}
  containers:
  - name: exporter
    image: cert-exporter
    volumeMounts: [{name: pki, mountPath: /pki, readOnly: true}]
  ephemeralContainers:
  - name: debug
    image: busybox
    volumeMounts: [{name: ssh, mountPath: /ssh, readOnly: true}]
""",
            frozenset({("k8s:Container:monitoring/certwatch/exporter",
                        "k8s:Node:ip-10-0-1-5.ec2.internal"),
                       ("k8s:Container:monitoring/certwatch/debug",
                        "k8s:Node:ip-10-0-1-5.ec2.internal")}),
        ),
        Example(
            "read-only / mounted by a non-root user: CAP_DAC_READ_SEARCH reads, likely",
            _NON_ROOT % "{runAsUser: 65534, capabilities: {add: [DAC_READ_SEARCH]}}",
            frozenset({("k8s:Container:ops/inspector/scan", "k8s:Node:n1")}),
            {("k8s:Container:ops/inspector/scan", "k8s:Node:n1"): "likely"},
        ),
        Example(
            "read-only / mounted by a non-root user without DAC capabilities: nothing to read",
            _NON_ROOT % """
      runAsUser: 65534
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}""",
        ),
        Example(
            "near misses: kubelet pods dir, a project dir beside .ssh, an unmounted /root",
            """
kind: Pod
metadata: {name: logger, namespace: default}
spec:
  volumes:
  - {name: pods, hostPath: {path: /var/lib/kubelet/pods}}
  - {name: proj, hostPath: {path: /home/bob/projects}}
  - {name: certs, hostPath: {path: /etc/ssl/certs}}
  - {name: root, hostPath: {path: /root}}
  containers:
  - name: app
    image: app
    volumeMounts:
    - {name: pods, mountPath: /pods}
    - {name: proj, mountPath: /src}
    - {name: certs, mountPath: /etc/ssl/certs, readOnly: true}
  - {name: plain, image: busybox}
""",
        ),
    ),
)
