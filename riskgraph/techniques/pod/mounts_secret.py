"""pod.mounts-secret: a container can read the secrets mounted into it or put in its env."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import containers, evidence, namespace_of

# Environment variables leak through logs, crash dumps and /proc: an easier read than files.
ENV_COST = 0.3


def _volume_secrets(pod: Pod) -> dict[str, list[tuple[str, str]]]:
    """Volume name -> [(secret name, evidence)] for secret and projected volumes.

    The evidence names the volume, so it is built once for every container that mounts it.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for index, volume in enumerate(pod.spec.volumes):
        if volume.secret is not None and volume.secret.secret_name:
            secret = volume.secret.secret_name
            found.setdefault(volume.name, []).append(
                (secret, evidence(pod, f"volumes[{index}].secret.secretName", secret)))
        if volume.projected is not None:
            for s_index, source in enumerate(volume.projected.sources):
                if source.secret is not None and source.secret.name:
                    secret = source.secret.name
                    path = f"volumes[{index}].projected.sources[{s_index}].secret.name"
                    found.setdefault(volume.name, []).append(
                        (secret, evidence(pod, path, secret)))
    return found


def _env_secrets(container: Container, path: str) -> Iterator[tuple[str, str]]:
    for index, var in enumerate(container.env):
        ref = var.value_from.secret_key_ref if var.value_from else None
        if ref is not None and ref.name:
            yield ref.name, f"{path}.env[{index}].valueFrom.secretKeyRef.name"
    for index, source in enumerate(container.env_from):
        if source.secret_ref is not None and source.secret_ref.name:
            yield source.secret_ref.name, f"{path}.envFrom[{index}].secretRef.name"


def find(inv: Inventory) -> Iterator[Edge]:
    for pod in inv.pods:
        ns, name = namespace_of(pod), pod.name
        by_volume = _volume_secrets(pod)
        for container, path in containers(pod):
            source = ids.container_id(ns, name, container.name)
            for mount in container.volume_mounts:
                for secret, proof in by_volume.get(mount.name, ()):
                    yield Edge(source, ids.k8s_id("Secret", secret, ns),
                               Reason("container {}/{} mounts secret {}/{} as files at {}",
                                      name, container.name, ns, secret, mount.mount_path),
                               (proof,))
            for secret, field in _env_secrets(container, path):
                yield Edge(source, ids.k8s_id("Secret", secret, ns),
                           Reason("container {}/{} gets secret {}/{} in its environment "
                                  "(visible in /proc and often in logs)",
                                  name, container.name, ns, secret),
                           (evidence(pod, field, secret),), cost=ENV_COST)


TECHNIQUE = Technique(
    id="pod.mounts-secret",
    title="Container reads the secrets it mounts or receives as environment variables",
    severity="medium",
    mitre="T1552.001",
    remediation="Mount only the secrets a container needs, prefer files over environment "
                "variables, and keep secrets of sensitive workloads off pods the internet "
                "can reach.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "volume, projected volume, env and envFrom",
            """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    spec:
      volumes:
      - {name: tls, secret: {secretName: db-tls}}
      - name: both
        projected: {sources: [{secret: {name: db-admin}}, {configMap: {name: cfg}}]}
      containers:
      - name: postgres
        image: postgres
        volumeMounts: [{name: tls, mountPath: /tls}, {name: both, mountPath: /etc/x}]
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: db-password, key: pw}}
        - {name: PLAIN, value: not-a-ref}
      - name: exporter
        image: exporter
        envFrom: [{secretRef: {name: exporter-creds}}]
""",
            frozenset({("k8s:Container:data/db/postgres", "k8s:Secret:data/db-tls"),
                       ("k8s:Container:data/db/postgres", "k8s:Secret:data/db-admin"),
                       ("k8s:Container:data/db/postgres", "k8s:Secret:data/db-password"),
                       ("k8s:Container:data/db/exporter", "k8s:Secret:data/exporter-creds")}),
        ),
        Example(
            "secret volume that no container mounts, and a configMap ref",
            """
kind: Pod
metadata: {name: p, namespace: data}
spec:
  volumes: [{name: unused, secret: {secretName: db-tls}}]
  containers:
  - name: c
    image: x
    envFrom: [{configMapRef: {name: settings}}]
""",
        ),
    ),
)
