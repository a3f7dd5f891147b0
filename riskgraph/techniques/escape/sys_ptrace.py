"""escape.sys-ptrace: with the host's PID namespace and CAP_SYS_PTRACE, inject into a host process.

AppArmor's default container profile forbids tracing processes outside the container, so
the step is ``likely`` unless AppArmor is Unconfined for the container (a privileged
container always runs unconfined).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    containers,
    escape_edges,
    evidence,
    has_capability,
    is_privileged,
)
from riskgraph.techniques.escape._confinement import apparmor_unconfined, capability_evidence


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        if not pod.spec.host_pid:
            continue
        for container, path in containers(pod):
            if not has_capability(container, "SYS_PTRACE"):
                continue
            proof = [evidence(pod, "hostPID", True), capability_evidence(pod, container, path)]
            unconfined = (evidence(pod, f"{path}.securityContext.privileged", True)
                          if is_privileged(container)
                          else apparmor_unconfined(pod, container, path))
            confidence: Confidence = "likely"
            guard = "unless AppArmor blocks it"
            if unconfined:
                confidence, guard = "certain", "AppArmor does not confine it"
                proof.append(unconfined)
            yield from escape_edges(
                inv, pod, container,
                f"container {pod.name}/{container.name} shares the host's PID namespace and has "
                f"CAP_SYS_PTRACE, so it can inject code into a host process running as root "
                f"({guard})",
                tuple(proof), confidence)


_GDB_ON_NODE = ("k8s:Container:default/debugger/gdb", "k8s:Node:ip-10-0-2-7.ec2.internal")

TECHNIQUE = Technique(
    id="escape.sys-ptrace",
    title="hostPID container with CAP_SYS_PTRACE injects into host processes",
    severity="high",
    mitre="T1611",
    remediation="Remove hostPID from the pod spec and drop SYS_PTRACE from "
                "securityContext.capabilities.add; keep the RuntimeDefault AppArmor profile "
                "and enforce the 'baseline' Pod Security level on the namespace.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "hostPID DaemonSet with SYS_PTRACE is likely to escape under default AppArmor",
            """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: profiler, namespace: observability}
spec:
  template:
    spec:
      hostPID: true
      containers:
      - name: agent
        image: profiler
        securityContext: {capabilities: {add: [SYS_PTRACE]}}
      - {name: sidecar, image: busybox}
""",
            frozenset({("k8s:Container:observability/profiler/agent", "k8s:NodePool:any")}),
            {("k8s:Container:observability/profiler/agent", "k8s:NodePool:any"): "likely"},
        ),
        Example(
            "live hostPID pod with AppArmor unconfined at pod level is certain",
            """
kind: Pod
metadata: {name: debugger, namespace: default}
spec:
  nodeName: ip-10-0-2-7.ec2.internal
  hostPID: true
  securityContext: {appArmorProfile: {type: Unconfined}}
  ephemeralContainers:
  - name: gdb
    image: gdb
    securityContext: {capabilities: {add: [CAP_SYS_PTRACE]}}
""",
            frozenset({_GDB_ON_NODE}),
            {_GDB_ON_NODE: "certain"},
        ),
        Example(
            "SYS_PTRACE without hostPID, and hostPID without SYS_PTRACE",
            """
kind: Pod
metadata: {name: strace, namespace: default}
spec:
  containers:
  - name: tracer
    image: strace
    securityContext: {capabilities: {add: [SYS_PTRACE]}}
---
kind: Pod
metadata: {name: top, namespace: default}
spec:
  hostPID: true
  containers:
  - name: htop
    image: htop
    securityContext: {capabilities: {add: [NET_ADMIN]}}
---
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers: [{name: nginx, image: nginx}]
""",
        ),
    ),
)
