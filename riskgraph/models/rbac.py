"""RBAC: roles, cluster roles and their bindings."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject, none_is_empty_list


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class PolicyRule:
    api_groups: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    verbs: list[str] = Field(default_factory=list)
    resource_names: list[str] = Field(default_factory=list)
    non_resource_ur_ls: list[str] = Field(default_factory=list, alias="nonResourceURLs")

    _lists = field_validator(
        "api_groups", "resources", "verbs", "resource_names", "non_resource_ur_ls", mode="before"
    )(none_is_empty_list)


class Role(K8sObject):
    """A Role or a ClusterRole (``kind`` tells which)."""

    rules: list[PolicyRule] = Field(default_factory=list)
    aggregation_rule: dict[str, Any] | None = None

    _rules = field_validator("rules", mode="before")(none_is_empty_list)


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class RoleRef:
    api_group: str = "rbac.authorization.k8s.io"
    kind: str
    name: str


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class Subject:
    kind: str
    name: str
    namespace: str | None = None
    api_group: str | None = None


class RoleBinding(K8sObject):
    """A RoleBinding or a ClusterRoleBinding (``kind`` tells which)."""

    role_ref: RoleRef
    subjects: list[Subject] = Field(default_factory=list)

    _subjects = field_validator("subjects", mode="before")(none_is_empty_list)

    @property
    def is_cluster_wide(self) -> bool:
        return self.kind == "ClusterRoleBinding"
