"""pod.secret-env: a Secret reaches a container as environment variables.

Environment values leak through crash dumps, ``/proc/<pid>/environ``, child processes and
debug endpoints; a mounted volume (or the Secrets Store CSI driver) does not. Read from
``env[].valueFrom.secretKeyRef`` and ``envFrom[].secretRef``.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import Verdict, container_findings
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import evidence


def _judge(pod: Pod, container: Container, path: str) -> Verdict:
    proof, secrets = [], []
    for index, var in enumerate(container.env):
        ref = var.value_from.secret_key_ref if var.value_from is not None else None
        if ref is not None and ref.name:
            secrets.append(f"{var.name} from Secret {ref.name}")
            proof.append(evidence(pod, f"{path}.env[{index}].valueFrom.secretKeyRef.name",
                                  ref.name))
    for index, source in enumerate(container.env_from):
        if source.secret_ref is not None and source.secret_ref.name:
            secrets.append(f"every key of Secret {source.secret_ref.name}")
            proof.append(evidence(pod, f"{path}.envFrom[{index}].secretRef.name",
                                  source.secret_ref.name))
    if not secrets:
        return None
    return (f"container {container.name} gets {', '.join(secrets)} as environment variables",
            tuple(proof), "certain")


def find(inv: Inventory) -> Iterator[Finding]:
    return container_findings(inv.pods, _judge)


CHECK = Check(
    id="pod.secret-env",
    title="Secret passed as environment variables",
    severity="medium",
    remediation="Mount the Secret as a read-only volume, or read it from Secrets Manager "
                "through the Secrets Store CSI driver, instead of env/envFrom.",
    find=find,
    examples=(
        Example("secretKeyRef and envFrom", """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: pay}
spec:
  template:
    spec:
      containers:
      - name: api
        image: api
        env:
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: db, key: password}}
---
kind: Pod
metadata: {name: job, namespace: pay}
spec:
  containers:
  - name: a
    image: tool
    envFrom:
    - secretRef: {name: creds}
""", frozenset({"k8s:Deployment:pay/api", "k8s:Pod:pay/job"})),
        Example("ConfigMap values and a mounted Secret", """
kind: Pod
metadata: {name: web, namespace: pay}
spec:
  containers:
  - name: a
    image: nginx
    env:
    - name: MODE
      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
    envFrom:
    - configMapRef: {name: settings}
    volumeMounts:
    - {name: tls, mountPath: /tls, readOnly: true}
  volumes:
  - name: tls
    secret: {secretName: tls}
"""),
    ),
)
