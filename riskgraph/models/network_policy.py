"""NetworkPolicy (``networking.k8s.io/v1``): its peers, ports and rules, checked as the
API server validates them."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject, none_is_empty_list
from riskgraph.models.selectors import LabelSelector

#: Protocols a NetworkPolicy port may name.
POLICY_PROTOCOLS = frozenset({"TCP", "UDP", "SCTP"})


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class IPBlock:
    cidr: str
    except_: list[str] = Field(default_factory=list, alias="except")

    _except = field_validator("except_", mode="before")(none_is_empty_list)

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

    _lists = field_validator("from_", "ports", mode="before")(none_is_empty_list)

    @property
    def peers(self) -> list[NetworkPolicyPeer]:
        return self.from_


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NetworkPolicyEgressRule:
    """Traffic to ``to`` (empty: anywhere) on ``ports`` (empty: every port)."""

    to: list[NetworkPolicyPeer] = Field(default_factory=list)
    ports: list[NetworkPolicyPort] = Field(default_factory=list)

    _lists = field_validator("to", "ports", mode="before")(none_is_empty_list)

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

    _rules = field_validator("ingress", "egress", mode="before")(none_is_empty_list)

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
