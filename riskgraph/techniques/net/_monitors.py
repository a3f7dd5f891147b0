"""The container ports other objects say serve metrics or an admission webhook.

A ServiceMonitor scrapes a port of the Services it selects (by the Service port's name, or
the pods' port behind it), a PodMonitor a port of the pods it selects (by name or number),
and a webhook configuration has the API server call a Service on one of its ports: the
container ports those reach are side ports, a scraped one only beside an application port
(:mod:`riskgraph.techniques.net._exploit`). A
port is followed through the Service to the declared container ports of the pods the
Service selects; a port no container declares is not marked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod, Service
from riskgraph.models.monitors import NamespaceSelector
from riskgraph.models.selectors import LabelSelector
from riskgraph.netpol.selectors import Selector
from riskgraph.techniques._shared.common import container_vertex

#: (container vertex, container port number) -> why that port is a side port.
Marks = dict[tuple[str, int], str]
_Selectable = TypeVar("_Selectable", Service, Pod)


def mark(marks: Marks, pods: Iterable[Pod], target: int | str, why: str) -> None:
    """Mark the declared container ports of ``pods`` that ``target`` (a port name or
    number, as a Service's ``targetPort``) names; the first reason found is kept."""
    for pod in pods:
        for container in pod.spec.containers:
            for declared in container.ports:
                if declared.name == target or declared.container_port == target:
                    marks.setdefault((container_vertex(pod, container),
                                      declared.container_port), why)


def _selected(everything: list[_Selectable], in_namespace: Callable[[str], list[_Selectable]],
              own_namespace: str, namespaces: NamespaceSelector, selector: LabelSelector
              ) -> list[_Selectable]:
    """The objects of the namespaces a monitor covers whose labels its selector matches."""
    covered, matcher = namespaces.namespaces(own_namespace), Selector.compile(selector)
    pools = [everything] if covered is None else [in_namespace(ns) for ns in sorted(covered)]
    return [o for pool in pools for o in pool if matcher.matches(o.metadata.labels)]


def _service_monitor_marks(inv: Inventory, marks: Marks) -> None:
    services: dict[str, list[Service]] = defaultdict(list)
    for service in inv.services:
        services[service.namespace or "default"].append(service)
    for monitor in inv.service_monitors:
        own = monitor.namespace or "default"
        spec = monitor.spec
        for service in _selected(inv.services, lambda ns: services.get(ns, []), own,
                                 spec.namespace_selector, spec.selector):
            pods = inv.pods_matching(service.namespace or "default", service.spec.selector)
            where = f"ServiceMonitor {own}/{monitor.name} scrapes it through service " \
                    f"{service.namespace or 'default'}/{service.name}"
            for endpoint in spec.endpoints:
                if endpoint.port is not None:
                    for port in service.spec.ports:
                        if port.name == endpoint.port:
                            target = port.target_port if port.target_port is not None \
                                else port.port
                            mark(marks, pods, target, f"{where} port {endpoint.port}")
                elif endpoint.target_port is not None:
                    mark(marks, pods, endpoint.target_port,
                         f"{where} target port {endpoint.target_port}")


def _pod_monitor_marks(inv: Inventory, marks: Marks) -> None:
    for monitor in inv.pod_monitors:
        own = monitor.namespace or "default"
        spec = monitor.spec
        pods = _selected(inv.pods, inv.pods_in, own, spec.namespace_selector, spec.selector)
        for endpoint in spec.pod_metrics_endpoints:
            for target in (endpoint.port, endpoint.port_number, endpoint.target_port):
                if target is not None:
                    mark(marks, pods, target,
                         f"PodMonitor {own}/{monitor.name} scrapes it as port {target}")


def _webhook_marks(inv: Inventory, marks: Marks) -> None:
    services = {(s.namespace or "default", s.name): s for s in inv.services}
    for config in inv.webhook_configurations:
        for webhook in config.webhooks:
            ref = webhook.client_config.service
            service = services.get((ref.namespace, ref.name)) if ref is not None else None
            if ref is None or service is None:
                continue
            pods = inv.pods_matching(ref.namespace, service.spec.selector)
            for port in service.spec.ports:
                if port.port == ref.port:
                    mark(marks, pods, port.target_port if port.target_port is not None
                         else port.port, f"{config.kind} {config.name} calls it (webhook "
                         f"{webhook.name} on service {ref.namespace}/{ref.name} port {ref.port})")


def scraped_ports(inv: Inventory) -> Marks:
    """The container ports ServiceMonitors and PodMonitors scrape, each with the monitor."""
    marks: Marks = {}
    _service_monitor_marks(inv, marks)
    _pod_monitor_marks(inv, marks)
    return marks


def webhook_ports(inv: Inventory) -> Marks:
    """The container ports webhook configurations call, each with the configuration."""
    marks: Marks = {}
    _webhook_marks(inv, marks)
    return marks
