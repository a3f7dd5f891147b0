"""escape.dac-read-search: CAP_DAC_READ_SEARCH opens host files by handle (open_by_handle_at).

Any file on a host filesystem the container has a bind mount from (``/etc/hosts`` always
is) gives a handle to walk that whole filesystem: the node's credentials included.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.escape._confinement import capability_escapes


def find(inv: Inventory) -> Iterator[Edge]:
    return capability_escapes(inv, "DAC_READ_SEARCH",
                              "can open host files by handle and read "
                              "the node's credentials")


_NODE = "k8s:Node:ip-10-0-4-2.ec2.internal"

TECHNIQUE = Technique(
    id="escape.dac-read-search",
    title="CAP_DAC_READ_SEARCH container reads host files",
    severity="high",
    mitre="T1611",
    remediation="Drop DAC_READ_SEARCH from securityContext.capabilities.add (drop ALL and add "
                "back only what the workload needs) and enforce the 'baseline' Pod Security "
                "level on the namespace.",
    # Reading credentials is one step short of root: they must still be put to use.
    cost=2.0,
    find=find,
    examples=(
        Example(
            "cronjob adding DAC_READ_SEARCH lands on the any pool",
            """
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: ops}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: restic
            image: restic
            securityContext: {capabilities: {add: [CAP_DAC_READ_SEARCH]}}
""",
            frozenset({("k8s:Container:ops/backup/restic", "k8s:NodePool:any")}),
        ),
        Example(
            "live pod with DAC_READ_SEARCH escapes to its node; as a non-root user only "
            "likely (the capability must be raised again after exec)",
            """
kind: Pod
metadata: {name: scanner, namespace: security}
spec:
  nodeName: ip-10-0-4-2.ec2.internal
  containers:
  - name: scan
    image: scanner
    securityContext: {capabilities: {add: [dac_read_search]}}
  - name: scan-as-user
    image: scanner
    securityContext: {runAsUser: 1000, capabilities: {add: [DAC_READ_SEARCH]}}
""",
            frozenset({("k8s:Container:security/scanner/scan", _NODE),
                       ("k8s:Container:security/scanner/scan-as-user", _NODE)}),
            {("k8s:Container:security/scanner/scan", _NODE): "certain",
             ("k8s:Container:security/scanner/scan-as-user", _NODE): "likely"},
        ),
        Example(
            "DAC_OVERRIDE is not DAC_READ_SEARCH; plain container",
            """
kind: Pod
metadata: {name: files, namespace: default}
spec:
  containers:
  - name: copier
    image: busybox
    securityContext: {capabilities: {add: [DAC_OVERRIDE, CHOWN]}}
  - {name: plain, image: busybox}
""",
        ),
    ),
)
