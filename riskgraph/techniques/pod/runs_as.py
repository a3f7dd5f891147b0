"""pod.runs-as: a container holding its service account's token acts as that account."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    api_token_volumes,
    automount_decision,
    containers,
    evidence,
    namespace_of,
)


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        ns, name, sa_name = namespace_of(pod), pod.name, pod.spec.effective_service_account
        sa_id = ids.k8s_id("ServiceAccount", sa_name, ns)
        automounted, proof = automount_decision(inv, pod)
        if automounted:
            for container in pod.spec.all_containers:
                yield Edge(ids.container_id(ns, name, container.name), sa_id,
                           Reason("container {}/{} has the token of service account {}/{} "
                                  "mounted", name, container.name, ns, sa_name), (proof,))
            continue
        token_volumes = api_token_volumes(pod)
        if not token_volumes:
            continue
        for container, path in containers(pod):
            mounts = [m for m in container.volume_mounts if m.name in token_volumes]
            if mounts:
                index = token_volumes[mounts[0].name]
                yield Edge(ids.container_id(ns, name, container.name), sa_id,
                           Reason("container {}/{} mounts a projected token of service "
                                  "account {}/{}", name, container.name, ns, sa_name),
                           (evidence(pod, f"volumes[{index}].projected", "serviceAccountToken"),
                            evidence(pod, f"{path}.volumeMounts", mounts[0].mount_path)))


TECHNIQUE = Technique(
    id="pod.runs-as",
    title="Container uses its mounted service-account token",
    severity="medium",
    mitre="T1528",
    remediation="Set automountServiceAccountToken: false on pods (or their service account) "
                "that do not call the Kubernetes API, and give each workload its own "
                "least-privilege service account.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "default automount, named and default service accounts",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: api-sa
      containers: [{name: app, image: api}]
---
kind: Pod
metadata: {name: tool, namespace: shop}
spec:
  containers: [{name: sh, image: busybox}]
""",
            frozenset({("k8s:Container:shop/api/app", "k8s:ServiceAccount:shop/api-sa"),
                       ("k8s:Container:shop/tool/sh", "k8s:ServiceAccount:shop/default")}),
        ),
        Example(
            "service account opts out, pod opts back in; projected API token only where mounted",
            """
kind: ServiceAccount
metadata: {name: quiet, namespace: shop}
automountServiceAccountToken: false
---
kind: Pod
metadata: {name: optin, namespace: shop}
spec:
  serviceAccountName: quiet
  automountServiceAccountToken: true
  containers: [{name: c, image: x}]
---
kind: Pod
metadata: {name: projected, namespace: shop}
spec:
  serviceAccountName: quiet
  volumes:
  - name: tok
    projected: {sources: [{serviceAccountToken: {path: token}}]}
  - name: vault
    projected: {sources: [{serviceAccountToken: {path: token, audience: vault}}]}
  containers:
  - {name: uses, image: x, volumeMounts: [{name: tok, mountPath: /var/run/tok}]}
  - {name: other, image: x, volumeMounts: [{name: vault, mountPath: /var/run/vault}]}
""",
            frozenset({("k8s:Container:shop/optin/c", "k8s:ServiceAccount:shop/quiet"),
                       ("k8s:Container:shop/projected/uses", "k8s:ServiceAccount:shop/quiet")}),
        ),
        Example(
            "automount disabled on the service account and on a pod",
            """
kind: ServiceAccount
metadata: {name: quiet, namespace: shop}
automountServiceAccountToken: false
---
kind: Pod
metadata: {name: a, namespace: shop}
spec:
  serviceAccountName: quiet
  containers: [{name: c, image: x}]
---
kind: Pod
metadata: {name: b, namespace: shop}
spec:
  automountServiceAccountToken: false
  containers: [{name: c, image: x}]
""",
        ),
    ),
)
