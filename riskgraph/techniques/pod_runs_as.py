"""pod.runs-as: a container holding its service account's token acts as that account."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.inventory import Inventory
from riskgraph.models import Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._common import containers, evidence, namespace_of


def _automount(inv: Inventory, pod: Pod, ns: str, sa_name: str) -> tuple[bool, str]:
    """Whether the token is automounted, and the field that decided it (pod wins over SA)."""
    if pod.spec.automount_service_account_token is not None:
        value = pod.spec.automount_service_account_token
        return value, evidence(pod, "automountServiceAccountToken", value)
    sa = inv.service_account(ns, sa_name)
    if sa is not None and sa.automount_service_account_token is not None:
        value = sa.automount_service_account_token
        return value, f"{ids.k8s_id('ServiceAccount', sa_name, ns)}: " \
                      f"automountServiceAccountToken={str(value).lower()}"
    return True, evidence(pod, "serviceAccountName", sa_name)


def _projected_token_volumes(pod: Pod) -> dict[str, int]:
    """Names (and indexes) of volumes that project a service-account token."""
    return {volume.name: index for index, volume in enumerate(pod.spec.volumes)
            if volume.projected is not None
            and any(s.service_account_token is not None for s in volume.projected.sources)}


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        ns, name, sa_name = namespace_of(pod), pod.name, pod.spec.effective_service_account
        sa_id = ids.k8s_id("ServiceAccount", sa_name, ns)
        automounted, proof = _automount(inv, pod, ns, sa_name)
        if automounted:
            for container in pod.spec.all_containers:
                yield Edge(ids.container_id(ns, name, container.name), sa_id,
                           f"container {name}/{container.name} has the token of service "
                           f"account {ns}/{sa_name} mounted", (proof,))
            continue
        token_volumes = _projected_token_volumes(pod)
        if not token_volumes:
            continue
        for container, path in containers(pod):
            mounts = [m for m in container.volume_mounts if m.name in token_volumes]
            if mounts:
                index = token_volumes[mounts[0].name]
                yield Edge(ids.container_id(ns, name, container.name), sa_id,
                           f"container {name}/{container.name} mounts a projected token of "
                           f"service account {ns}/{sa_name}",
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
            "service account opts out, pod opts back in; projected token only where mounted",
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
    projected: {sources: [{serviceAccountToken: {path: token, audience: vault}}]}
  containers:
  - {name: uses, image: x, volumeMounts: [{name: tok, mountPath: /var/run/tok}]}
  - {name: other, image: x}
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
