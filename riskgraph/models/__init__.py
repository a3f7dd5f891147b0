"""Pydantic models of the API objects riskgraph reads."""

from riskgraph.models.base import K8sObject, ObjectMeta
from riskgraph.models.k8s import (
    MODEL_BY_KIND,
    WORKLOAD_KINDS,
    ConfigMap,
    Ingress,
    Namespace,
    NetworkPolicy,
    Node,
    Secret,
    Service,
    ServiceAccount,
    Workload,
)
from riskgraph.models.pod import Container, Pod, PodSpec, Volume
from riskgraph.models.rbac import PolicyRule, Role, RoleBinding, Subject

__all__ = [
    "MODEL_BY_KIND", "WORKLOAD_KINDS", "ConfigMap", "Container", "Ingress", "K8sObject",
    "Namespace", "NetworkPolicy", "Node", "ObjectMeta", "Pod", "PodSpec", "PolicyRule", "Role",
    "RoleBinding", "Secret", "Service", "ServiceAccount", "Subject", "Volume", "Workload",
]
