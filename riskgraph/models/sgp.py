"""The VPC resource controller's SecurityGroupPolicy (security groups for pods, EKS).

A SecurityGroupPolicy (``vpcresources.k8s.aws/v1beta1``) gives the pods it selects in its
namespace a branch network interface carrying ``spec.securityGroups.groupIds``: their
traffic leaves with those groups instead of the node's. It selects a pod by the pod's
labels (``spec.podSelector``), by the labels of the pod's ServiceAccount
(``spec.serviceAccountSelector``), or, when both are set, by both at once. A pod several
policies select carries the groups of all of them. Pods in the node's network namespace
(``hostNetwork``) get no branch interface and keep the node's groups.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject, none_is_empty_list
from riskgraph.models.selectors import LabelSelector


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class SecurityGroups:
    group_ids: list[str] = Field(default_factory=list)

    _group_ids = field_validator("group_ids", mode="before")(none_is_empty_list)


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class SecurityGroupPolicySpec:
    pod_selector: LabelSelector | None = None
    service_account_selector: LabelSelector | None = None
    security_groups: SecurityGroups = Field(default_factory=lambda: SecurityGroups())


class SecurityGroupPolicy(K8sObject):
    """``vpcresources.k8s.aws/v1beta1`` SecurityGroupPolicy."""

    spec: SecurityGroupPolicySpec = Field(default_factory=lambda: SecurityGroupPolicySpec())

    @property
    def group_ids(self) -> list[str]:
        return self.spec.security_groups.group_ids
