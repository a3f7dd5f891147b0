"""The other Kubernetes kinds riskgraph reads, and the kind -> model registry."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject, none_is_empty_list
from riskgraph.models.csi import SecretProviderClass
from riskgraph.models.monitors import PodMonitor, ServiceMonitor, WebhookConfiguration
from riskgraph.models.network_policy import NetworkPolicy
from riskgraph.models.pod import Pod, PodTemplateSpec
from riskgraph.models.rbac import Role, RoleBinding
from riskgraph.models.sgp import SecurityGroupPolicy


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class JobSpec:
    template: PodTemplateSpec | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class JobTemplateSpec:
    spec: JobSpec


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class WorkloadSpec:
    template: PodTemplateSpec | None = None
    job_template: JobTemplateSpec | None = None

    @property
    def pod_template(self) -> PodTemplateSpec | None:
        """The pod template, one level deeper for a CronJob."""
        if self.job_template is not None:
            return self.job_template.spec.template
        return self.template


class Workload(K8sObject):
    """Any pod controller: Deployment, DaemonSet, StatefulSet, ReplicaSet,
    ReplicationController, Job or CronJob."""

    spec: WorkloadSpec = Field(default_factory=lambda: WorkloadSpec())


class ServiceAccount(K8sObject):
    automount_service_account_token: bool | None = None


class Secret(K8sObject):
    """Metadata and type only: the model has no field for values, so none are ever kept."""

    type: str = "Opaque"


#: (namespace, name) of EKS's map of IAM roles and users to Kubernetes users and groups.
AWS_AUTH = ("kube-system", "aws-auth")
#: (namespace, name) of the Amazon VPC CNI's settings, and its network policy switch.
VPC_CNI_CONFIG = ("kube-system", "amazon-vpc-cni")
VPC_CNI_POLICY_KEY = "enable-network-policy-controller"
#: The ConfigMaps whose ``data`` is kept, with the keys kept (None: every key).
KEPT_CONFIG_DATA: dict[tuple[str, str], frozenset[str] | None] = {
    AWS_AUTH: None, VPC_CNI_CONFIG: frozenset({VPC_CNI_POLICY_KEY})}


def strip_config_data(item: dict[str, Any]) -> None:
    """Drop, in place, the data of a raw ConfigMap that :data:`KEPT_CONFIG_DATA` does not
    keep (and ``binaryData`` always).

    >>> cni = {"metadata": {"namespace": "kube-system", "name": "amazon-vpc-cni"},
    ...        "data": {"enable-network-policy-controller": "true", "warm-ip-target": "5"}}
    >>> strip_config_data(cni)
    >>> cni["data"]
    {'enable-network-policy-controller': 'true'}
    """
    meta = item.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    item.pop("binaryData", None)
    key = (meta.get("namespace"), meta.get("name"))
    if key not in KEPT_CONFIG_DATA:
        item.pop("data", None)
        return
    keys, data = KEPT_CONFIG_DATA[key], item.get("data")
    if keys is not None and isinstance(data, dict):
        item["data"] = {k: v for k, v in data.items() if k in keys}


class ConfigMap(K8sObject):
    """Name only, but for the ConfigMaps of :data:`KEPT_CONFIG_DATA` (``kube-system/
    aws-auth``, and the VPC CNI's network policy switch), whose ``data`` is kept: no
    attacker step reads another ConfigMap's data, and ConfigMaps can be big."""

    data: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_only_read_data(cls, value: Any) -> Any:
        if not isinstance(value, dict) or ("data" not in value and "binaryData" not in value):
            return value
        value = dict(value)
        strip_config_data(value)
        return value

    @field_validator("data", mode="before")
    @classmethod
    def _none_is_empty_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def is_aws_auth(self) -> bool:
        return (self.metadata.namespace, self.name) == AWS_AUTH


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ServicePort:
    name: str | None = None
    port: int
    target_port: int | str | None = None
    protocol: str = "TCP"
    node_port: int | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ServiceSpec:
    type: str = "ClusterIP"
    selector: dict[str, str] = Field(default_factory=dict)
    ports: list[ServicePort] = Field(default_factory=list)
    load_balancer_source_ranges: list[str] = Field(default_factory=list)
    load_balancer_class: str | None = None

    @field_validator("selector", mode="before")
    @classmethod
    def _none_is_empty_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    _lists = field_validator("ports", "load_balancer_source_ranges", mode="before")(
        none_is_empty_list
    )


class Service(K8sObject):
    spec: ServiceSpec = Field(default_factory=lambda: ServiceSpec())


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IngressServiceBackend:
    name: str
    port: dict[str, Any] | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IngressBackend:
    service: IngressServiceBackend | None = None
    service_name: str | None = None
    service_port: int | str | None = None

    @property
    def target_service(self) -> str | None:
        """The Service this backend sends to (``networking.k8s.io/v1`` or the older beta form)."""
        return self.service.name if self.service is not None else self.service_name


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IngressPath:
    path: str | None = None
    backend: IngressBackend


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IngressHTTP:
    paths: list[IngressPath] = Field(default_factory=list)


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IngressRule:
    host: str | None = None
    http: IngressHTTP | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IngressSpec:
    ingress_class_name: str | None = None
    default_backend: IngressBackend | None = None
    backend: IngressBackend | None = None
    rules: list[IngressRule] = Field(default_factory=list)

    _rules = field_validator("rules", mode="before")(none_is_empty_list)

    def backends(self) -> list[IngressBackend]:
        found = [b for b in (self.default_backend, self.backend) if b is not None]
        for rule in self.rules:
            if rule.http is not None:
                found.extend(p.backend for p in rule.http.paths)
        return found


class Ingress(K8sObject):
    spec: IngressSpec = Field(default_factory=lambda: IngressSpec())


class Namespace(K8sObject):
    """Labels carry the Pod Security Admission levels (``pod-security.kubernetes.io/*``)."""


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NodeSpec:
    provider_id: str | None = Field(default=None, alias="providerID")
    taints: list[dict[str, Any]] = Field(default_factory=list)

    _taints = field_validator("taints", mode="before")(none_is_empty_list)


class Node(K8sObject):
    spec: NodeSpec = Field(default_factory=lambda: NodeSpec())
    status: dict[str, Any] = Field(default_factory=dict)


#: Kinds whose pod template becomes a template pod.
WORKLOAD_KINDS = frozenset(
    {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job",
     "CronJob"}
)

#: The model that parses each kind riskgraph reads.
MODEL_BY_KIND: dict[str, type[K8sObject]] = {
    "Pod": Pod,
    **dict.fromkeys(WORKLOAD_KINDS, Workload),
    "ServiceAccount": ServiceAccount,
    "Secret": Secret,
    "ConfigMap": ConfigMap,
    "Role": Role,
    "ClusterRole": Role,
    "RoleBinding": RoleBinding,
    "ClusterRoleBinding": RoleBinding,
    "Service": Service,
    "Ingress": Ingress,
    "NetworkPolicy": NetworkPolicy,
    "Namespace": Namespace,
    "Node": Node,
    "SecretProviderClass": SecretProviderClass,
    "SecurityGroupPolicy": SecurityGroupPolicy,
    "ServiceMonitor": ServiceMonitor,
    "PodMonitor": PodMonitor,
    "ValidatingWebhookConfiguration": WebhookConfiguration,
    "MutatingWebhookConfiguration": WebhookConfiguration,
}
