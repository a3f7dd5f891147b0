"""pod.csi-secret: a container reads the AWS secrets its Secrets Store CSI volume mounts.

A pod volume of driver ``secrets-store.csi.k8s.io`` names a SecretProviderClass of the pod's
namespace (``volumeAttributes.secretProviderClass``); for the AWS provider its
``parameters.objects`` list Secrets Manager secrets and SSM parameters, which the driver
fetches with the pod's own AWS identity and writes as files. Containers that mount the
volume read them; the others of the pod do not.

Targets are ARNs. An object named by its full ARN is that ARN, even without AWS input (a
Secrets Manager ARN written without its random suffix resolves to the secret in the AWS input
that it prefixes). An object named by name is looked up in the AWS input. An SSM parameter
the input lacks still has a known ARN when the account and region are (the cluster's, or the
class's ``region``): ``likely``. A Secrets Manager secret named by name and absent from the
AWS input has no ARN we could know (AWS adds a random suffix): no edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.inventory import Inventory
from riskgraph.models import CsiObject, Pod, SecretProviderClass
from riskgraph.models.aws import account_of
from riskgraph.models.csi import SECRETS_MANAGER
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import containers, evidence, json_value, namespace_of


class Target(NamedTuple):
    arn: str
    confidence: Confidence
    evidence: tuple[str, ...]


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


class _Resolver:
    """Object names to ARNs, with the AWS input indexed once."""

    def __init__(self, aws: AwsInventory) -> None:
        self._secret_arns = {s.arn: s.arn for s in aws.secrets}
        self._secrets: dict[str, list[str]] = {}
        for secret in aws.secrets:
            self._secrets.setdefault(secret.name, []).append(secret.arn)
            # A partial ARN is the full one less "-" and six random characters.
            if secret.arn[-7:-6] == "-":
                self._secret_arns.setdefault(secret.arn[:-7], secret.arn)
        self._parameters: dict[str, list[str]] = {}
        for parameter in aws.parameters:
            self._parameters.setdefault(parameter.name, []).append(parameter.arn)
        cluster = aws.cluster
        accounts = aws.accounts
        self._account = account_of(cluster.arn) if cluster else \
            next(iter(accounts)) if len(accounts) == 1 else ""
        self._region = _region_of(cluster.arn) if cluster else ""

    def resolve(self, item: CsiObject, region: str | None) -> Target | None:
        if item.is_arn:
            known = self._secret_arns.get(item.name, item.name) \
                if item.object_type == SECRETS_MANAGER else item.name
            return Target(known, "certain", ())
        by_name = self._secrets if item.object_type == SECRETS_MANAGER else self._parameters
        arns = by_name.get(item.name, [])
        region = region or self._region
        # ASCP reads the class's region (else the node's) in the pod's account.
        here = [a for a in arns if _region_of(a) in ("", region)
                and account_of(a) in ("", self._account)] or arns
        if len(here) == 1:
            return Target(here[0], "certain", (f"{here[0]}: Name={json_value(item.name)}",))
        if item.object_type == SECRETS_MANAGER or here or not (region and self._account):
            return None
        arn = f"arn:aws:ssm:{region}:{self._account}:parameter/{item.name.lstrip('/')}"
        return Target(arn, "likely", ())


def _class_targets(spc: SecretProviderClass, resolver: _Resolver
                   ) -> list[tuple[CsiObject, Target]]:
    objects, _ = spc.aws_objects()
    return [(item, target) for item in objects
            if (target := resolver.resolve(item, spc.region)) is not None]


def _volume_targets(inv: Inventory, pod: Pod, resolver: _Resolver,
                    cache: dict[tuple[str, str], list[tuple[CsiObject, Target]]]
                    ) -> dict[str, tuple[str, str, list[tuple[CsiObject, Target]]]]:
    """Volume name -> (class name, evidence of the volume, the class's targets)."""
    ns = namespace_of(pod)
    found = {}
    for index, volume in enumerate(pod.spec.volumes):
        name = volume.csi.secret_provider_class if volume.csi is not None else None
        if not name:
            continue
        targets = cache.get((ns, name))
        if targets is None:
            spc = inv.secret_provider_class(ns, name)
            targets = cache[(ns, name)] = _class_targets(spc, resolver) if spc else []
        if targets:
            found[volume.name] = (name, evidence(
                pod, f"volumes[{index}].csi.volumeAttributes.secretProviderClass", name), targets)
    return found


def find(inv: Inventory) -> Iterator[Edge]:
    if not inv.secret_provider_classes:
        return
    resolver = _Resolver(inv.aws)
    cache: dict[tuple[str, str], list[tuple[CsiObject, Target]]] = {}
    for pod in inv.pods:
        if not any(v.csi is not None for v in pod.spec.volumes):
            continue
        volumes = _volume_targets(inv, pod, resolver, cache)
        ns = namespace_of(pod)
        for container, path in containers(pod):
            for index, mount in enumerate(container.volume_mounts):
                if mount.name not in volumes:
                    continue
                spc_name, volume_proof, targets = volumes[mount.name]
                spc_id = ids.k8s_id("SecretProviderClass", spc_name, ns)
                mount_proof = evidence(pod, f"{path}.volumeMounts[{index}].name", mount.name)
                for item, target in targets:
                    kind = "secret" if item.object_type == SECRETS_MANAGER else "SSM parameter"
                    yield Edge(ids.container_id(ns, pod.name, container.name), target.arn,
                               f"container {pod.name}/{container.name} mounts CSI volume "
                               f"{mount.name} at {mount.mount_path}, which holds {kind} "
                               f"{item.name} named by SecretProviderClass {ns}/{spc_name}",
                               (volume_proof, mount_proof,
                                f"{spc_id}: {item.path}.objectName={json_value(item.name)}",
                                *target.evidence), target.confidence)


_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
_SPC = """
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {name: db, namespace: shop}
spec:
  provider: aws
  parameters:
    objects: |
      - objectName: "prod/db"
        objectType: "secretsmanager"
      - objectName: "arn:aws:ssm:us-east-1:111122223333:parameter/prod/api-key"
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}
---
{"SecretList": [{"ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
                 "Name": "prod/db"}]}
"""

TECHNIQUE = Technique(
    id="pod.csi-secret",
    title="Container reads the AWS secrets its Secrets Store CSI volume mounts",
    severity="medium",
    mitre="T1552.001",
    remediation="Mount a SecretProviderClass only into the containers that need it, list only "
                "the secrets they use, and keep such pods off the internet-facing path.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "the mounting container reads a secret by name and a parameter by ARN",
            _SPC + """---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      volumes:
      - name: creds
        csi: {driver: secrets-store.csi.k8s.io, readOnly: true,
              volumeAttributes: {secretProviderClass: db}}
      containers:
      - {name: app, image: api, volumeMounts: [{name: creds, mountPath: /mnt/secrets}]}
      - {name: sidecar, image: envoy}
""",
            frozenset({("k8s:Container:shop/api/app", _SECRET),
                       ("k8s:Container:shop/api/app",
                        "arn:aws:ssm:us-east-1:111122223333:parameter/prod/api-key")}),
        ),
        Example(
            "class in another namespace, another driver, and a volume nobody mounts",
            _SPC + """---
kind: Pod
metadata: {name: p, namespace: web}
spec:
  volumes:
  - name: creds
    csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: {secretProviderClass: db}}
  containers:
  - {name: app, image: x, volumeMounts: [{name: creds, mountPath: /s}]}
---
kind: Pod
metadata: {name: q, namespace: shop}
spec:
  volumes:
  - name: ebs
    csi: {driver: ebs.csi.aws.com, volumeAttributes: {secretProviderClass: db}}
  - name: creds
    csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: {secretProviderClass: db}}
  containers:
  - {name: app, image: x, volumeMounts: [{name: ebs, mountPath: /data}]}
""",
        ),
    ),
)
