"""net.routes-to: a Service sends traffic to the containers behind it, and an Ingress to
its Services. Reaching a listening port counts as compromising the container as far as the
``--assume-exploitable`` assumption goes (:mod:`riskgraph.techniques.net._exploit`): an
application port ``likely``; a port serving only metrics, health or a webhook ``possible``
and costly; under ``none`` no Service-to-container step is drawn."""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import weakest
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod, Service
from riskgraph.models.k8s import ServicePort
from riskgraph.models.pod import ContainerPort
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import container_vertex
from riskgraph.techniques.net._exploit import Assumption, assumption


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _target(port: ServicePort) -> int | str:
    return port.target_port if port.target_port is not None else port.port


def _listeners(pod: Pod, port: ServicePort, target: int | str
               ) -> list[tuple[Container, ContainerPort | None]]:
    """Containers that serve a service port, each with the port it declared (None when
    no container declares it).

    A numeric target port that no container declares still works (declaring ports is
    optional), so then every app container may be the listener.
    """
    protocol = port.protocol.upper()
    matches: list[tuple[Container, ContainerPort | None]] = [
        (c, p) for c in pod.spec.containers for p in c.ports
        if p.protocol.upper() == protocol
        and (p.name == target if isinstance(target, str) else p.container_port == target)]
    if matches or isinstance(target, str):
        return matches
    return [(c, None) for c in pod.spec.containers]


def _service_edges(inv: Inventory, service: Service, assumed: Assumption) -> Iterator[Edge]:
    ns = service.namespace or "default"
    sid = ids.k8s_id("Service", service.name, ns)
    pods = inv.pods_matching(ns, service.spec.selector)
    if not pods:
        return
    # The selector and each port's evidence are the same for every pod the service selects.
    selector_proof = f"{sid}: spec.selector={_json(service.spec.selector)}"
    ports = [(port, _target(port), f"{sid}: spec.ports[{index}].targetPort={_json(_target(port))}")
             for index, port in enumerate(service.spec.ports)]
    for pod in pods:
        for port, target, port_proof in ports:
            for container, declared in _listeners(pod, port, target):
                weighed = assumed.weigh(pod, container, None if declared is None else [declared])
                if weighed is None:
                    continue
                yield Edge(sid, container_vertex(pod, container),
                           Reason("service {}/{} selects pod {} and sends port {}/{} to "
                                  "container {} (target port {}); {}", ns, service.name,
                                  pod.name, port.port, port.protocol, container.name, target,
                                  weighed.why),
                           (selector_proof, port_proof),
                           weakest("certain" if declared else "likely", weighed.confidence),
                           weighed.cost)


def find(inv: Inventory) -> Iterator[Edge]:
    assumed = assumption(inv)
    for service in inv.services:
        yield from _service_edges(inv, service, assumed)
    for ingress in inv.ingresses:
        ns = ingress.namespace or "default"
        iid = ids.k8s_id("Ingress", ingress.name, ns)
        for backend in ingress.spec.backends():
            if backend.target_service:
                yield Edge(iid, ids.k8s_id("Service", backend.target_service, ns),
                           f"ingress {ns}/{ingress.name} routes requests to service "
                           f"{backend.target_service}",
                           (f"{iid}: backend.service.name={_json(backend.target_service)}",))


_METRICS_SERVICE = "k8s:Service:ops/ctl-controller-manager-metrics-service"
_WEBHOOK_SERVICE, _PROMETHEUS = ("k8s:Service:ops/ctl-webhook-service",
                                 "k8s:Service:ops/prometheus-server")
_PROXY, _MANAGER = "k8s:Container:ops/ctl/proxy", "k8s:Container:ops/ctl/manager"

TECHNIQUE = Technique(
    id="net.routes-to",
    title="Service or Ingress delivers traffic to a container's port",
    severity="info",
    mitre="T1190",
    remediation="Expose only the ports that must be served; keep admin and debug ports out "
                "of Services that face untrusted clients.",
    cost=0.5,
    find=find,
    fix_point=None,
    examples=(
        Example(
            "numeric and named target ports (a metrics port only possible), and an ingress "
            "backend",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - {name: nginx, image: nginx, ports: [{containerPort: 8080, name: http}]}
      - {name: metrics, image: exp, ports: [{containerPort: 9100, name: http-metrics}]}
---
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
---
kind: Service
metadata: {name: metrics, namespace: shop}
spec: {selector: {app: web, tier: front}, ports: [{port: 9100}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, backend: {service: {name: web, port: {number: 80}}}}
""",
            frozenset({("k8s:Service:shop/web", "k8s:Container:shop/web/nginx"),
                       ("k8s:Service:shop/metrics", "k8s:Container:shop/web/metrics"),
                       ("k8s:Ingress:shop/site", "k8s:Service:shop/web")}),
            {("k8s:Service:shop/web", "k8s:Container:shop/web/nginx"): "likely",
             ("k8s:Service:shop/metrics", "k8s:Container:shop/web/metrics"): "possible",
             ("k8s:Ingress:shop/site", "k8s:Service:shop/web"): "certain"},
        ),
        Example(
            "Services named for metrics or a webhook mark the ports they send to; one named "
            "for prometheus serves an application",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctl, namespace: ops}
spec:
  template:
    metadata: {labels: {app: ctl}}
    spec:
      containers:
      - {name: proxy, image: kube-rbac-proxy, ports: [{containerPort: 8443, name: https}]}
      - {name: manager, image: ctl, ports: [{containerPort: 9443}]}
---
kind: Service
metadata: {name: ctl-controller-manager-metrics-service, namespace: ops}
spec: {selector: {app: ctl}, ports: [{name: https, port: 8443, targetPort: https}]}
---
kind: Service
metadata: {name: ctl-webhook-service, namespace: ops}
spec: {selector: {app: ctl}, ports: [{port: 443, targetPort: 9443}]}
---
kind: Pod
metadata: {name: prometheus, namespace: ops, labels: {app: prometheus}}
spec:
  containers: [{name: server, image: prometheus, ports: [{containerPort: 9090, name: web}]}]
---
kind: Service
metadata: {name: prometheus-server, namespace: ops}
spec: {selector: {app: prometheus}, ports: [{port: 80, targetPort: web}]}
""",
            frozenset({(_METRICS_SERVICE, _PROXY), (_WEBHOOK_SERVICE, _MANAGER),
                       (_PROMETHEUS, "k8s:Container:ops/prometheus/server")}),
            {(_METRICS_SERVICE, _PROXY): "possible", (_WEBHOOK_SERVICE, _MANAGER): "possible",
             (_PROMETHEUS, "k8s:Container:ops/prometheus/server"): "likely"},
        ),
        Example(
            "selector in another namespace, unmatched labels, wrong protocol and port name",
            """
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: nginx, image: nginx, ports: [{containerPort: 80, name: http}]}]
---
kind: Service
metadata: {name: web, namespace: other}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 80}]}
---
kind: Service
metadata: {name: dns, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, protocol: UDP, targetPort: http}]}
---
kind: Service
metadata: {name: admin, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: admin}]}
---
kind: Service
metadata: {name: external, namespace: shop}
spec: {type: ExternalName, ports: [{port: 80}]}
""",
        ),
    ),
)
