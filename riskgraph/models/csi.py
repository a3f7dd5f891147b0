"""The Secrets Store CSI driver's SecretProviderClass, and the AWS objects a class names.

A pod that mounts a Secrets Store CSI volume gets, as files, the secrets its
SecretProviderClass lists. For the AWS provider (ASCP) the list is YAML text in
``spec.parameters.objects``: Secrets Manager secrets and SSM parameters, by name or ARN,
fetched with the pod's own AWS identity (IRSA, or Pod Identity with ``usePodIdentity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass as k8s_dataclass

from riskgraph.errors import Problem
from riskgraph.models.base import K8S_CONFIG, K8sObject
from riskgraph.models.kube_yaml import load_document

#: ``spec.provider`` of the AWS Secrets and Configuration Provider.
AWS_PROVIDER = "aws"
SECRETS_MANAGER = "secretsmanager"
SSM_PARAMETER = "ssmparameter"
OBJECT_TYPES = frozenset({SECRETS_MANAGER, SSM_PARAMETER})
#: The ARN service of each object type, which lets an ARN stand without ``objectType``.
_TYPE_OF_SERVICE = {"secretsmanager": SECRETS_MANAGER, "ssm": SSM_PARAMETER}


@dataclass(frozen=True, slots=True)
class CsiObject:
    """One AWS object a SecretProviderClass mounts.

    ``name`` is as written: a secret or parameter name, or a full ARN (see :attr:`is_arn`);
    ``path`` locates it for evidence (``spec.parameters.objects[0]``).
    """

    object_type: str
    name: str
    alias: str | None
    jmes_paths: tuple[str, ...]
    path: str

    @property
    def is_arn(self) -> bool:
        return self.name.startswith("arn:")


def _parameter_text(value: Any) -> Any:
    """Parameters are strings in the API; a YAML manifest may leave a flag or number bare."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {k: ("true" if v else "false") if isinstance(v, bool) else v
                for k, v in value.items()}
    return value


@k8s_dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class SecretProviderClassSpec:
    provider: str = ""
    parameters: dict[str, str] = Field(default_factory=dict)

    _parameters = field_validator("parameters", mode="before")(_parameter_text)


class SecretProviderClass(K8sObject):
    """``secrets-store.csi.x-k8s.io`` (v1 or v1alpha1) SecretProviderClass."""

    spec: SecretProviderClassSpec = Field(default_factory=lambda: SecretProviderClassSpec())

    @property
    def region(self) -> str | None:
        """The region ASCP reads from; None: the region of the node the pod runs on."""
        return self.spec.parameters.get("region") or None

    @property
    def uses_pod_identity(self) -> bool:
        """Whether ASCP fetches with the pod's EKS Pod Identity role instead of IRSA."""
        return self.spec.parameters.get("usePodIdentity", "").lower() == "true"

    def aws_objects(self, source: str = "input") -> tuple[list[CsiObject], list[Problem]]:
        """The secrets and parameters this class names (none unless the provider is AWS),
        and a problem for each entry of ``objects`` that cannot be read.

        ``source`` names the file the class came from, for the problems.
        """
        if self.spec.provider != AWS_PROVIDER:
            return [], []
        text = self.spec.parameters.get("objects", "")
        try:
            entries = load_document(text) if text.strip() else []
        except yaml.YAMLError as error:
            reason = getattr(error, "problem", None) or str(error).splitlines()[0]
            return [], [Problem(source, f"spec.parameters.objects is not valid YAML ({reason});"
                                " the objects it names are ignored", obj=self.ref)]
        if not isinstance(entries, list):
            return [], [Problem(source, "spec.parameters.objects is not a YAML list; the "
                                "objects it names are ignored", obj=self.ref)]
        found: list[CsiObject] = []
        problems: list[Problem] = []
        for index, entry in enumerate(entries):
            path = f"spec.parameters.objects[{index}]"
            item = _object(entry, path)
            if isinstance(item, str):
                problems.append(Problem(source, f"{path}: {item}; ignored", obj=self.ref))
            else:
                found.append(item)
        return found, problems


def _object(entry: Any, path: str) -> CsiObject | str:
    """One ``objects`` entry, or why it cannot be read."""
    if not isinstance(entry, dict):
        return "not a mapping"
    name = entry.get("objectName")
    if not isinstance(name, str) or not name:
        return "no objectName"
    declared = entry.get("objectType")
    object_type = declared.lower() if isinstance(declared, str) else None
    if object_type is None and name.startswith("arn:"):
        object_type = _TYPE_OF_SERVICE.get(name.split(":")[2] if name.count(":") > 2 else "")
    if object_type is None or object_type not in OBJECT_TYPES:
        return (f"objectType {declared!r} is not secretsmanager or ssmparameter"
                if declared is not None else "no objectType, and objectName is no ARN")
    jmes = entry.get("jmesPath")
    paths = tuple(p["path"] for p in jmes if isinstance(p, dict)
                  and isinstance(p.get("path"), str)) if isinstance(jmes, list) else ()
    alias = entry.get("objectAlias")
    return CsiObject(object_type, name, alias if isinstance(alias, str) else None, paths, path)
