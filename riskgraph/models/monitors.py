"""The objects that point at a container's metrics or webhook port: the Prometheus
Operator's ServiceMonitor and PodMonitor, and admission webhook configurations.

A ServiceMonitor (``monitoring.coreos.com/v1``) scrapes the Services its ``spec.selector``
picks, in its own namespace unless ``spec.namespaceSelector`` says otherwise, on each of
``spec.endpoints``: a Service port by name (``port``) or the pods' port behind it
(``targetPort``). A PodMonitor scrapes the pods its selector picks on each of
``spec.podMetricsEndpoints``: a container port by name (``port``), by number
(``portNumber``) or the older ``targetPort``. A Validating- or
MutatingWebhookConfiguration (``admissionregistration.k8s.io/v1``, cluster-scoped) has the
API server call each of its ``webhooks[].clientConfig.service``: a Service by namespace and
name, on ``port`` (443 when left out).
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, K8sObject, none_is_empty_list
from riskgraph.models.selectors import LabelSelector

#: The port the API server calls a webhook Service on when ``clientConfig.service.port``
#: is left out.
WEBHOOK_DEFAULT_PORT = 443


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class NamespaceSelector:
    """Where a monitor looks: every namespace (``any``), the ones named, else its own."""

    any: bool = False
    match_names: list[str] = Field(default_factory=list)

    _names = field_validator("match_names", mode="before")(none_is_empty_list)

    def namespaces(self, own: str) -> frozenset[str] | None:
        """The namespaces covered; None: every namespace."""
        if self.any:
            return None
        return frozenset(self.match_names) if self.match_names else frozenset({own})


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class MonitorEndpoint:
    """One ``endpoints`` entry of a ServiceMonitor."""

    port: str | None = None
    target_port: int | str | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ServiceMonitorSpec:
    selector: LabelSelector = Field(default_factory=lambda: LabelSelector())
    namespace_selector: NamespaceSelector = Field(default_factory=lambda: NamespaceSelector())
    endpoints: list[MonitorEndpoint] = Field(default_factory=list)

    _endpoints = field_validator("endpoints", mode="before")(none_is_empty_list)


class ServiceMonitor(K8sObject):
    """``monitoring.coreos.com/v1`` ServiceMonitor."""

    spec: ServiceMonitorSpec = Field(default_factory=lambda: ServiceMonitorSpec())


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class PodMetricsEndpoint:
    """One ``podMetricsEndpoints`` entry of a PodMonitor."""

    port: str | None = None
    port_number: int | None = None
    target_port: int | str | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class PodMonitorSpec:
    selector: LabelSelector = Field(default_factory=lambda: LabelSelector())
    namespace_selector: NamespaceSelector = Field(default_factory=lambda: NamespaceSelector())
    pod_metrics_endpoints: list[PodMetricsEndpoint] = Field(default_factory=list)

    _endpoints = field_validator("pod_metrics_endpoints", mode="before")(none_is_empty_list)


class PodMonitor(K8sObject):
    """``monitoring.coreos.com/v1`` PodMonitor."""

    spec: PodMonitorSpec = Field(default_factory=lambda: PodMonitorSpec())


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class WebhookService:
    namespace: str
    name: str
    port: int = WEBHOOK_DEFAULT_PORT

    @field_validator("port", mode="before")
    @classmethod
    def _absent_is_default(cls, value: object) -> object:
        return WEBHOOK_DEFAULT_PORT if value is None else value


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class WebhookClientConfig:
    #: None when the webhook is called by URL (outside the cluster, or not by Service).
    service: WebhookService | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class Webhook:
    name: str = ""
    client_config: WebhookClientConfig = Field(default_factory=lambda: WebhookClientConfig())


class WebhookConfiguration(K8sObject):
    """``admissionregistration.k8s.io/v1`` ValidatingWebhookConfiguration or
    MutatingWebhookConfiguration (the two read alike here)."""

    webhooks: list[Webhook] = Field(default_factory=list)

    _webhooks = field_validator("webhooks", mode="before")(none_is_empty_list)
