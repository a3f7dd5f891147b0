"""escape.sys-admin: CAP_SYS_ADMIN lets an unprivileged container break out via mounts or cgroups.

Whether it works depends on the seccomp and AppArmor profiles the runtime applies, so the
step is ``likely`` unless both are explicitly ``Unconfined`` for the container.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    containers_with_security_context,
    escape_edges,
    has_capability,
    is_privileged,
)
from riskgraph.techniques.escape._confinement import (
    apparmor_unconfined,
    capability_evidence,
    seccomp_unconfined,
)


def find(inv: Inventory) -> Iterator[Edge]:
    for pod, container, path in containers_with_security_context(inv.pods):
        if is_privileged(container) or not has_capability(container, "SYS_ADMIN"):
            continue
        proof = [capability_evidence(pod, container, path)]
        seccomp = seccomp_unconfined(pod, container, path)
        apparmor = apparmor_unconfined(pod, container, path)
        confidence: Confidence = "likely"
        guard = "unless seccomp or AppArmor blocks it"
        if seccomp and apparmor:
            confidence, guard = "certain", "with seccomp and AppArmor unconfined"
            proof += [seccomp, apparmor]
        yield from escape_edges(
            inv, pod, container,
            f"container {pod.name}/{container.name} has CAP_SYS_ADMIN, so it can mount "
            f"cgroups or host filesystems and run code on the node as root ({guard})",
            tuple(proof), confidence)


TECHNIQUE = Technique(
    id="escape.sys-admin",
    title="CAP_SYS_ADMIN container escapes to its node",
    severity="high",
    mitre="T1611",
    remediation="Drop SYS_ADMIN from securityContext.capabilities.add (drop ALL and add back "
                "only what the workload needs); keep the RuntimeDefault seccomp and AppArmor "
                "profiles and enforce the 'baseline' Pod Security level on the namespace.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "deployment with SYS_ADMIN under default profiles is likely to escape",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: fuse, namespace: storage}
spec:
  template:
    spec:
      containers:
      - name: mounter
        image: fuse
        securityContext: {capabilities: {add: [SYS_ADMIN]}}
""",
            frozenset({("k8s:Container:storage/fuse/mounter", "k8s:NodePool:any")}),
            {("k8s:Container:storage/fuse/mounter", "k8s:NodePool:any"): "likely"},
        ),
        Example(
            "live pod with CAP_SYS_ADMIN, seccomp and AppArmor unconfined is certain",
            """
kind: Pod
metadata:
  name: tools
  namespace: ops
  annotations: {container.apparmor.security.beta.kubernetes.io/shell: unconfined}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  securityContext: {seccompProfile: {type: Unconfined}}
  initContainers:
  - name: shell
    image: busybox
    securityContext: {capabilities: {add: [cap_sys_admin]}}
  containers:
  - name: app
    image: busybox
    securityContext:
      capabilities: {add: [ALL]}
      seccompProfile: {type: RuntimeDefault}
      appArmorProfile: {type: Unconfined}
""",
            frozenset({("k8s:Container:ops/tools/shell", "k8s:Node:ip-10-0-1-5.ec2.internal"),
                       ("k8s:Container:ops/tools/app", "k8s:Node:ip-10-0-1-5.ec2.internal")}),
            {("k8s:Container:ops/tools/shell", "k8s:Node:ip-10-0-1-5.ec2.internal"): "certain",
             ("k8s:Container:ops/tools/app", "k8s:Node:ip-10-0-1-5.ec2.internal"): "likely"},
        ),
        Example(
            "SYS_ADMIN on a privileged container (escape.privileged covers it), other caps",
            """
kind: Pod
metadata: {name: node-agent, namespace: kube-system}
spec:
  containers:
  - name: agent
    image: agent
    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}
  - name: net
    image: agent
    securityContext: {capabilities: {add: [NET_ADMIN, SYS_TIME]}}
  - {name: plain, image: nginx}
""",
        ),
    ),
)
