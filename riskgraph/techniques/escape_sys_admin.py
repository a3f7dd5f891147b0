"""escape.sys-admin: CAP_SYS_ADMIN lets an unprivileged container break out via mounts or cgroups.

Whether it works depends on the seccomp and AppArmor profiles the runtime applies, so the
step is ``likely`` unless both are explicitly ``Unconfined`` for the container. The
evidence and profile helpers here are shared with the other capability escapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph.confidence import Confidence
from riskgraph.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._common import (
    containers,
    escape_edges,
    evidence,
    has_capability,
    is_privileged,
    spec_source,
)

UNCONFINED = "Unconfined"
#: The deprecated per-container AppArmor annotation, still honoured by the kubelet.
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _annotation_evidence(pod: Pod, key: str, value: str) -> str:
    owner, spec_path = spec_source(pod)
    metadata_path = spec_path.removesuffix("spec") + "metadata"
    return f"{owner}: {metadata_path}.annotations[{json.dumps(key)}]={json.dumps(value)}"


def capability_evidence(pod: Pod, container: Container, path: str) -> str:
    """Evidence naming the container's ``capabilities.add`` list as written."""
    context = container.security_context
    added = context.capabilities.add if context and context.capabilities else []
    return evidence(pod, f"{path}.securityContext.capabilities.add", added)


def seccomp_unconfined(pod: Pod, container: Container, path: str) -> str | None:
    """Evidence that the container's effective seccomp profile is Unconfined, else None.

    The container's own ``seccompProfile`` wins over the pod's.
    """
    own = container.security_context and container.security_context.seccomp_profile
    if own:
        field = f"{path}.securityContext.seccompProfile.type"
        return evidence(pod, field, own.type) if own.type == UNCONFINED else None
    pod_level = pod.spec.security_context and pod.spec.security_context.seccomp_profile
    if pod_level and pod_level.type == UNCONFINED:
        return evidence(pod, "securityContext.seccompProfile.type", pod_level.type)
    return None


def apparmor_unconfined(pod: Pod, container: Container, path: str) -> str | None:
    """Evidence that the container's effective AppArmor profile is Unconfined, else None.

    Precedence as the kubelet applies it: the container's ``appArmorProfile``, then the
    container's annotation, then the pod's ``appArmorProfile``.
    """
    own = container.security_context and container.security_context.app_armor_profile
    if own:
        field = f"{path}.securityContext.appArmorProfile.type"
        return evidence(pod, field, own.type) if own.type == UNCONFINED else None
    key = APPARMOR_ANNOTATION + container.name
    annotation = pod.metadata.annotations.get(key)
    if annotation is not None:
        return _annotation_evidence(pod, key, annotation) if annotation == "unconfined" else None
    pod_level = pod.spec.security_context and pod.spec.security_context.app_armor_profile
    if pod_level and pod_level.type == UNCONFINED:
        return evidence(pod, "securityContext.appArmorProfile.type", pod_level.type)
    return None


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        for container, path in containers(pod):
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
