"""escape.sys-module: CAP_SYS_MODULE loads a kernel module, which runs in the node's kernel."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.escape._confinement import capability_escapes


def find(inv: Inventory) -> Iterator[Edge]:
    return capability_escapes(inv, "SYS_MODULE",
                              "can load a kernel module that runs code "
                              "in the node's kernel")


TECHNIQUE = Technique(
    id="escape.sys-module",
    title="CAP_SYS_MODULE container loads a kernel module on its node",
    severity="critical",
    mitre="T1611",
    remediation="Drop SYS_MODULE from securityContext.capabilities.add; load the modules the "
                "workload needs on the node image instead, and enforce the 'baseline' Pod "
                "Security level on the namespace.",
    # Needs a module built for the node's exact kernel: a step more than a privileged shell.
    cost=1.5,
    find=find,
    examples=(
        Example(
            "deployment adding SYS_MODULE lands on the any pool",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: wireguard, namespace: vpn}
spec:
  template:
    spec:
      initContainers:
      - name: load-module
        image: wireguard
        securityContext: {capabilities: {add: [sys_module]}}
      containers:
      - {name: wg, image: wireguard, securityContext: {capabilities: {add: [NET_ADMIN]}}}
""",
            frozenset({("k8s:Container:vpn/wireguard/load-module", "k8s:NodePool:any")}),
        ),
        Example(
            "live pod adding ALL capabilities escapes to its node",
            """
kind: Pod
metadata: {name: toolbox, namespace: default}
spec:
  nodeName: ip-10-0-3-9.ec2.internal
  containers:
  - name: shell
    image: busybox
    securityContext: {capabilities: {add: [ALL]}}
""",
            frozenset({("k8s:Container:default/toolbox/shell",
                        "k8s:Node:ip-10-0-3-9.ec2.internal")}),
        ),
        Example(
            "SYS_MODULE only dropped, other capabilities added, plain container",
            """
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers:
  - name: nginx
    image: nginx
    securityContext: {capabilities: {drop: [SYS_MODULE], add: [NET_BIND_SERVICE, SYS_NICE]}}
  - {name: plain, image: busybox}
""",
        ),
    ),
)
