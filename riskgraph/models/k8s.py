"""The other Kubernetes kinds riskgraph reads, and the kind -> model registry."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject
from riskgraph.models.csi import SecretProviderClass
from riskgraph.models.pod import Pod, PodTemplateSpec
from riskgraph.models.rbac import Role, RoleBinding
from riskgraph.models.selectors import LabelSelector
from riskgraph.models.sgp import SecurityGroupPolicy


def _none_is_empty_list(value: Any) -> Any:
    return [] if value is None else value


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
        _none_is_empty_list
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

    _rules = field_validator("rules", mode="before")(_none_is_empty_list)

    def backends(self) -> list[IngressBackend]:
        found = [b for b in (self.default_backend, self.backend) if b is not None]
        for rule in self.rules:
            if rule.http is not None:
                found.extend(p.backend for p in rule.http.paths)
        return found


class Ingress(K8sObject):
    spec: IngressSpec = Field(default_factory=lambda: IngressSpec())


#: Protocols a NetworkPolicy port may name.
POLICY_PROTOCOLS = frozenset({"TCP", "UDP", "SCTP"})


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IPBlock:
    cidr: str
    except_: list[str] = Field(default_factory=list, alias="except")

    _except = field_validator("except_", mode="before")(_none_is_empty_list)

    @model_validator(mode="after")
    def _check(self) -> IPBlock:
        block = ip_network(self.cidr, strict=False)
        for hole in self.except_:
            inner = ip_network(hole, strict=False)
            if inner.version != block.version or not inner.subnet_of(block):  # type: ignore[arg-type]
                raise ValueError(f"except {hole} is not inside {self.cidr}")
        return self


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NetworkPolicyPeer:
    """One peer: selectors (ANDed when both are set) or an ipBlock, never both."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    @model_validator(mode="after")
    def _check(self) -> NetworkPolicyPeer:
        selects = self.pod_selector is not None or self.namespace_selector is not None
        if self.ip_block is not None and selects:
            raise ValueError("ipBlock cannot be combined with podSelector or namespaceSelector")
        if self.ip_block is None and not selects:
            raise ValueError("a peer needs podSelector, namespaceSelector or ipBlock")
        return self


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NetworkPolicyPort:
    """A port (number or container port name; none means every port) of a protocol."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None

    @field_validator("protocol", mode="before")
    @classmethod
    def _none_is_tcp(cls, value: Any) -> Any:
        return "TCP" if value is None else value

    @model_validator(mode="after")
    def _check(self) -> NetworkPolicyPort:
        if self.protocol not in POLICY_PROTOCOLS:
            raise ValueError(f"unsupported protocol {self.protocol!r}")
        if isinstance(self.port, int) and not 1 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is out of range")
        if isinstance(self.port, str) and not any(c.isalpha() for c in self.port):
            raise ValueError(f"port {self.port!r} is neither a number nor a port name")
        if self.end_port is not None:
            if not isinstance(self.port, int):
                raise ValueError("endPort needs a numeric port")
            if not self.port <= self.end_port <= 65535:
                raise ValueError(f"endPort {self.end_port} is below port {self.port} "
                                 "or out of range")
        return self


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NetworkPolicyIngressRule:
    """Traffic from ``from`` (empty: from anywhere) on ``ports`` (empty: every port)."""

    from_: list[NetworkPolicyPeer] = Field(default_factory=list, alias="from")
    ports: list[NetworkPolicyPort] = Field(default_factory=list)

    _lists = field_validator("from_", "ports", mode="before")(_none_is_empty_list)

    @property
    def peers(self) -> list[NetworkPolicyPeer]:
        return self.from_


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NetworkPolicyEgressRule:
    """Traffic to ``to`` (empty: anywhere) on ``ports`` (empty: every port)."""

    to: list[NetworkPolicyPeer] = Field(default_factory=list)
    ports: list[NetworkPolicyPort] = Field(default_factory=list)

    _lists = field_validator("to", "ports", mode="before")(_none_is_empty_list)

    @property
    def peers(self) -> list[NetworkPolicyPeer]:
        return self.to


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NetworkPolicySpec:
    pod_selector: LabelSelector = Field(default_factory=lambda: LabelSelector())
    policy_types: list[str] | None = None
    ingress: list[NetworkPolicyIngressRule] = Field(default_factory=list)
    egress: list[NetworkPolicyEgressRule] = Field(default_factory=list)

    @field_validator("pod_selector", mode="before")
    @classmethod
    def _none_selects_all(cls, value: Any) -> Any:
        return {} if value is None else value

    _rules = field_validator("ingress", "egress", mode="before")(_none_is_empty_list)

    @model_validator(mode="after")
    def _check(self) -> NetworkPolicySpec:
        unknown = set(self.policy_types or ()) - {"Ingress", "Egress"}
        if unknown:
            raise ValueError(f"unknown policyTypes {sorted(unknown)}")
        return self

    @property
    def effective_policy_types(self) -> frozenset[str]:
        """``policyTypes`` as the API server defaults it: Ingress always, Egress when the
        policy has egress rules."""
        if self.policy_types:
            return frozenset(self.policy_types)
        return frozenset({"Ingress", "Egress"} if self.egress else {"Ingress"})


class NetworkPolicy(K8sObject):
    spec: NetworkPolicySpec = Field(default_factory=lambda: NetworkPolicySpec())


class Namespace(K8sObject):
    """Labels carry the Pod Security Admission levels (``pod-security.kubernetes.io/*``)."""


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NodeSpec:
    provider_id: str | None = Field(default=None, alias="providerID")
    taints: list[dict[str, Any]] = Field(default_factory=list)

    _taints = field_validator("taints", mode="before")(_none_is_empty_list)


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
}
