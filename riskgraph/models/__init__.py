"""Pydantic models of the API objects riskgraph reads."""

from riskgraph.models.base import K8sObject, ObjectMeta
from riskgraph.models.csi import CsiObject, SecretProviderClass
from riskgraph.models.k8s import (
    AWS_AUTH,
    MODEL_BY_KIND,
    WORKLOAD_KINDS,
    ConfigMap,
    Ingress,
    Namespace,
    Node,
    Secret,
    Service,
    ServiceAccount,
    Workload,
)
from riskgraph.models.monitors import PodMonitor, ServiceMonitor, WebhookConfiguration
from riskgraph.models.network_policy import NetworkPolicy
from riskgraph.models.pod import (
    SECRETS_STORE_DRIVER,
    Container,
    CsiVolumeSource,
    Pod,
    PodSpec,
    Volume,
)
from riskgraph.models.rbac import PolicyRule, Role, RoleBinding, Subject
from riskgraph.models.sgp import SecurityGroupPolicy

__all__ = [
    "AWS_AUTH", "MODEL_BY_KIND", "SECRETS_STORE_DRIVER", "WORKLOAD_KINDS", "ConfigMap",
    "Container", "CsiObject", "CsiVolumeSource", "Ingress", "K8sObject", "Namespace",
    "NetworkPolicy", "Node", "ObjectMeta", "Pod", "PodMonitor", "PodSpec", "PolicyRule", "Role",
    "RoleBinding", "Secret", "SecretProviderClass", "SecurityGroupPolicy", "Service",
    "ServiceAccount", "ServiceMonitor", "Subject", "Volume", "WebhookConfiguration", "Workload",
]
