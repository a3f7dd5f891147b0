"""Pods and the pod templates of workload controllers."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject, ObjectMeta

#: The Secrets Store CSI driver, which mounts what a SecretProviderClass names.
SECRETS_STORE_DRIVER = "secrets-store.csi.k8s.io"


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class Capabilities:
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ProfileRef:
    """A seccomp or AppArmor profile reference."""

    type: str = ""
    localhost_profile: str | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class SecurityContext:
    """Container securityContext (pod-level fields share the names that matter here)."""

    privileged: bool | None = None
    capabilities: Capabilities | None = None
    allow_privilege_escalation: bool | None = None
    run_as_user: int | None = None
    run_as_non_root: bool | None = None
    read_only_root_filesystem: bool | None = None
    seccomp_profile: ProfileRef | None = None
    app_armor_profile: ProfileRef | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ContainerPort:
    name: str | None = None
    container_port: int
    protocol: str = "TCP"
    host_port: int | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ProbeAction:
    """The port of a probe's ``httpGet``, ``tcpSocket`` or ``grpc`` action."""

    port: int | str | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class Probe:
    http_get: ProbeAction | None = None
    tcp_socket: ProbeAction | None = None
    grpc: ProbeAction | None = None

    @property
    def ports(self) -> list[int | str]:
        """The ports (numbers or container port names) the probe connects to."""
        return [a.port for a in (self.http_get, self.tcp_socket, self.grpc)
                if a is not None and a.port is not None]


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class KeyRef:
    name: str | None = None
    key: str | None = None
    optional: bool | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class EnvVarSource:
    secret_key_ref: KeyRef | None = None
    config_map_key_ref: KeyRef | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class EnvVar:
    """An environment variable: literal values are not kept (they may hold credentials)."""

    name: str
    value_from: EnvVarSource | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NameRef:
    name: str | None = None
    optional: bool | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class EnvFromSource:
    secret_ref: NameRef | None = None
    config_map_ref: NameRef | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class VolumeMount:
    name: str
    mount_path: str = ""
    read_only: bool = False
    sub_path: str | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class Container:
    name: str
    image: str | None = None
    security_context: SecurityContext | None = None
    ports: list[ContainerPort] = Field(default_factory=list)
    env: list[EnvVar] = Field(default_factory=list)
    env_from: list[EnvFromSource] = Field(default_factory=list)
    volume_mounts: list[VolumeMount] = Field(default_factory=list)
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None

    @property
    def probed_ports(self) -> set[int | str]:
        """The ports (numbers or names) any of the container's probes connect to."""
        return {port for probe in (self.liveness_probe, self.readiness_probe,
                                   self.startup_probe) if probe is not None
                for port in probe.ports}

    @field_validator("ports", "env", "env_from", "volume_mounts", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class HostPathSource:
    path: str
    type: str | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class SecretVolumeSource:
    secret_name: str | None = None
    optional: bool | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ServiceAccountTokenProjection:
    audience: str | None = None
    path: str = ""


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class VolumeProjection:
    secret: NameRef | None = None
    service_account_token: ServiceAccountTokenProjection | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ProjectedVolumeSource:
    sources: list[VolumeProjection] = Field(default_factory=list)


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class CsiVolumeSource:
    """An inline CSI volume; for the Secrets Store driver, ``volumeAttributes`` names the
    SecretProviderClass whose objects the volume holds."""

    driver: str
    volume_attributes: dict[str, str] = Field(default_factory=dict)
    read_only: bool | None = None

    @field_validator("volume_attributes", mode="before")
    @classmethod
    def _none_is_empty_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def secret_provider_class(self) -> str | None:
        """The SecretProviderClass (in the pod's namespace) a Secrets Store volume mounts."""
        if self.driver != SECRETS_STORE_DRIVER:
            return None
        return self.volume_attributes.get("secretProviderClass")


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class Volume:
    name: str
    host_path: HostPathSource | None = None
    secret: SecretVolumeSource | None = None
    projected: ProjectedVolumeSource | None = None
    csi: CsiVolumeSource | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class PodSpec:
    containers: list[Container] = Field(default_factory=list)
    init_containers: list[Container] = Field(default_factory=list)
    ephemeral_containers: list[Container] = Field(default_factory=list)
    volumes: list[Volume] = Field(default_factory=list)
    service_account_name: str | None = None
    service_account: str | None = None
    automount_service_account_token: bool | None = None
    node_name: str | None = None
    host_pid: bool = Field(default=False, alias="hostPID")
    host_ipc: bool = Field(default=False, alias="hostIPC")
    host_network: bool = False
    share_process_namespace: bool = False
    security_context: SecurityContext | None = None
    node_selector: dict[str, str] = Field(default_factory=dict)
    affinity: dict[str, Any] | None = None
    tolerations: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("containers", "init_containers", "ephemeral_containers", "volumes",
                     "tolerations", mode="before")
    @classmethod
    def _none_is_empty_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("node_selector", mode="before")
    @classmethod
    def _none_is_empty_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def all_containers(self) -> list[Container]:
        """Containers, init containers and ephemeral containers, in that order."""
        return [*self.containers, *self.init_containers, *self.ephemeral_containers]

    @property
    def effective_service_account(self) -> str:
        """The service account the API server assigns: ``default`` when none is named."""
        return self.service_account_name or self.service_account or "default"


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class PodTemplateSpec:
    metadata: ObjectMeta = Field(default_factory=lambda: ObjectMeta())
    spec: PodSpec = Field(default_factory=lambda: PodSpec())


class Pod(K8sObject):
    """A live pod, or the pod a workload controller's template describes.

    For a template, ``template_of`` is ``"<Kind>/<name>"`` of the controller, the pod's
    name is the controller's name and ``workload_metadata`` holds the controller's metadata.

    A replica class (live pods of one workload that look alike to every technique, see
    :mod:`riskgraph.estate.replicas`) is one pod named after its workload whose
    ``replicas`` maps each live pod's name to the node it runs on.
    """

    spec: PodSpec = Field(default_factory=lambda: PodSpec())
    template_of: str | None = None
    workload_metadata: ObjectMeta | None = None
    replicas: dict[str, str] = Field(default_factory=dict)

    @property
    def placed_on(self) -> dict[str, str]:
        """Each node the pod runs on, with the name of the live pod that runs there (the
        first, when several replicas share a node); empty when it is not bound to one."""
        if self.spec.node_name:
            return {self.spec.node_name: self.metadata.name}
        placed: dict[str, str] = {}
        for replica, node in self.replicas.items():
            if node:
                placed.setdefault(node, replica)
        return placed

    @property
    def is_bound(self) -> bool:
        """Whether the pod runs on known nodes (a live pod, or a class of live replicas)."""
        return bool(self.spec.node_name) or any(self.replicas.values())

    @property
    def is_template(self) -> bool:
        return self.template_of is not None

    @property
    def template_kind(self) -> str | None:
        return None if self.template_of is None else self.template_of.split("/", 1)[0]
