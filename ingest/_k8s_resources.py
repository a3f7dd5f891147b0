"""The kinds riskgraph lists from a live cluster, and where the API serves each list."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from kubernetes.client import ApiClient


# The kubernetes package takes a third of a second to import, so list_call imports it:
# commands that read files only do not pay for it.
_API_BY_VERSION = {
    "v1": "CoreV1Api", "apps/v1": "AppsV1Api", "batch/v1": "BatchV1Api",
    "networking.k8s.io/v1": "NetworkingV1Api",
    "rbac.authorization.k8s.io/v1": "RbacAuthorizationV1Api",
    "admissionregistration.k8s.io/v1": "AdmissionregistrationV1Api",
}


class Resource(NamedTuple):
    """One kind riskgraph reads, and where the API serves its list."""

    kind: str
    api_version: str
    plural: str
    namespaced: bool = True

    @property
    def path(self) -> str:
        """The URL path of the list in every namespace, as ``kubectl get --raw`` takes it."""
        return f"/{'apis' if '/' in self.api_version else 'api'}/{self.api_version}/{self.plural}"

    def list_call(self, api_client: ApiClient) -> Callable[..., Any]:
        """The client's method for that list (``CoreV1Api.list_pod_for_all_namespaces``;
        ``CustomObjectsApi.list_cluster_custom_object`` for a custom resource)."""
        from kubernetes import client

        if self.api_version not in _API_BY_VERSION:
            group, version = self.api_version.split("/")
            custom = client.CustomObjectsApi(api_client)
            return functools.partial(custom.list_cluster_custom_object, group, version,
                                     self.plural)
        words = re.sub(r"(?<!^)(?=[A-Z])", "_", self.kind).lower()
        api = getattr(client, _API_BY_VERSION[self.api_version])(api_client)
        method: Callable[..., Any] = getattr(
            api, f"list_{words}_for_all_namespaces" if self.namespaced else f"list_{words}")
        return method


_RBAC = "rbac.authorization.k8s.io/v1"
_ADMISSION = "admissionregistration.k8s.io/v1"
#: Every kind the offline parser knows (``riskgraph.models.MODEL_BY_KIND``), in the order
#: listed: cluster-scoped first, then the objects that refer to them.
RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "v1", "namespaces", namespaced=False),
    Resource("Node", "v1", "nodes", namespaced=False),
    Resource("ClusterRole", _RBAC, "clusterroles", namespaced=False),
    Resource("ClusterRoleBinding", _RBAC, "clusterrolebindings", namespaced=False),
    Resource("Role", _RBAC, "roles"),
    Resource("RoleBinding", _RBAC, "rolebindings"),
    Resource("ServiceAccount", "v1", "serviceaccounts"),
    Resource("Secret", "v1", "secrets"),
    Resource("ConfigMap", "v1", "configmaps"),
    Resource("Service", "v1", "services"),
    Resource("Ingress", "networking.k8s.io/v1", "ingresses"),
    Resource("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
    Resource("Deployment", "apps/v1", "deployments"),
    Resource("DaemonSet", "apps/v1", "daemonsets"),
    Resource("StatefulSet", "apps/v1", "statefulsets"),
    Resource("ReplicaSet", "apps/v1", "replicasets"),
    Resource("ReplicationController", "v1", "replicationcontrollers"),
    Resource("CronJob", "batch/v1", "cronjobs"),
    Resource("Job", "batch/v1", "jobs"),
    Resource("Pod", "v1", "pods"),
    # A custom resource: absent (404) where the secrets-store CSI driver is not installed.
    Resource("SecretProviderClass", "secrets-store.csi.x-k8s.io/v1", "secretproviderclasses"),
    # Absent where security groups for pods (the VPC resource controller) is not in use.
    Resource("SecurityGroupPolicy", "vpcresources.k8s.aws/v1beta1", "securitygrouppolicies"),
    # Absent where the Prometheus Operator's custom resources are not installed.
    Resource("ServiceMonitor", "monitoring.coreos.com/v1", "servicemonitors"),
    Resource("PodMonitor", "monitoring.coreos.com/v1", "podmonitors"),
    # Cluster-scoped, but they name Services: read last.
    Resource("ValidatingWebhookConfiguration", _ADMISSION, "validatingwebhookconfigurations",
             namespaced=False),
    Resource("MutatingWebhookConfiguration", _ADMISSION, "mutatingwebhookconfigurations",
             namespaced=False),
)
