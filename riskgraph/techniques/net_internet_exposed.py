"""net.internet-exposed: the internet reaches a Service or Ingress.

Without AWS facts (security groups, node public IPs) exposure is ``likely``: the manifest
asks for it, but what really answers on the internet is decided outside the cluster.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.inventory import Inventory
from riskgraph.models import Ingress, Service
from riskgraph.techniques import Edge, Example, Technique

INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
}
ALB_SCHEME = "alb.ingress.kubernetes.io/scheme"
OPEN_RANGES = frozenset({"0.0.0.0/0", "::/0"})
RESTRICTED_COST = 5.0
NODEPORT_COST = 2.0


def _is_internal(service: Service) -> str | None:
    for key, value in INTERNAL_LB_ANNOTATIONS.items():
        if service.metadata.annotations.get(key, "").lower() == value:
            return key
    return None


def _service_edges(service: Service) -> Iterator[Edge]:
    sid = ids.k8s_id("Service", service.name, service.namespace)
    spec = service.spec
    if spec.type == "LoadBalancer" and _is_internal(service) is None:
        ranges = spec.load_balancer_source_ranges
        proof = (f'{sid}: spec.type="LoadBalancer"',)
        if ranges and OPEN_RANGES.isdisjoint(ranges):
            yield Edge(ids.INTERNET, sid,
                       f"service {service.namespace}/{service.name} has an internet-facing load "
                       f"balancer, limited to {', '.join(ranges)}",
                       (*proof, f"{sid}: spec.loadBalancerSourceRanges={json.dumps(ranges)}"),
                       "likely", RESTRICTED_COST)
        else:
            yield Edge(ids.INTERNET, sid,
                       f"service {service.namespace}/{service.name} is a LoadBalancer with no "
                       "internal-scheme annotation, so AWS gives it a public address",
                       proof, "likely")
    elif spec.type == "NodePort":
        ports = ", ".join(str(p.node_port) for p in spec.ports if p.node_port) or "ports"
        yield Edge(ids.INTERNET, sid,
                   f"service {service.namespace}/{service.name} opens NodePort "
                   f"{ports} on every node; reachable if a node has a "
                   "public address and its security group allows the port",
                   (f'{sid}: spec.type="NodePort"',), "likely", NODEPORT_COST)


def _ingress_edge(ingress: Ingress) -> Iterator[Edge]:
    iid = ids.k8s_id("Ingress", ingress.name, ingress.namespace)
    annotations = ingress.metadata.annotations
    ingress_class = ingress.spec.ingress_class_name or annotations.get(
        "kubernetes.io/ingress.class", "")
    scheme = annotations.get(ALB_SCHEME)
    if ingress_class == "alb" or scheme is not None:
        if scheme == "internet-facing":
            yield Edge(ids.INTERNET, iid,
                       f"ingress {ingress.namespace}/{ingress.name} asks the AWS Load Balancer "
                       "Controller for an internet-facing ALB",
                       (f'{iid}: metadata.annotations["{ALB_SCHEME}"]="internet-facing"',),
                       "likely")
        elif scheme is None:
            yield Edge(ids.INTERNET, iid,
                       f"ingress {ingress.namespace}/{ingress.name} is an ALB without a scheme "
                       "annotation: internal by default, unless its IngressClassParams say "
                       "internet-facing", (f'{iid}: spec.ingressClassName="alb"',), "possible",
                       RESTRICTED_COST)
        return
    yield Edge(ids.INTERNET, iid,
               f"ingress {ingress.namespace}/{ingress.name} is served by the "
               f"{ingress_class or 'default'} ingress controller, usually published on a "
               "public load balancer",
               (f"{iid}: spec.ingressClassName={json.dumps(ingress_class or None)}",), "likely")


def find(inv: Inventory) -> Iterator[Edge]:
    for service in inv.services:
        yield from _service_edges(service)
    for ingress in inv.ingresses:
        yield from _ingress_edge(ingress)


TECHNIQUE = Technique(
    id="net.internet-exposed",
    title="Service or Ingress reachable from the internet",
    severity="high",
    mitre="T1190",
    remediation="Use an internal load balancer scheme unless the service must be public; "
                "restrict loadBalancerSourceRanges; put a WAF in front of public ingresses; "
                "avoid NodePort services on nodes with public addresses.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "public LoadBalancer, NodePort, nginx ingress and internet-facing ALB",
            """
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
---
kind: Service
metadata: {name: debug, namespace: shop}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: shop}
spec: {ingressClassName: nginx, defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  namespace: shop
  annotations: {alb.ingress.kubernetes.io/scheme: internet-facing}
spec: {ingressClassName: alb, defaultBackend: {service: {name: web, port: {number: 80}}}}
""",
            frozenset({("internet", "k8s:Service:shop/web"),
                       ("internet", "k8s:Service:shop/debug"),
                       ("internet", "k8s:Ingress:shop/site"),
                       ("internet", "k8s:Ingress:shop/api")}),
            {("internet", "k8s:Service:shop/web"): "likely"},
        ),
        Example(
            "internal load balancers, internal ALB and ClusterIP",
            """
kind: Service
metadata:
  name: a
  annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internal}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
kind: Service
metadata:
  name: b
  annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: "true"}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
kind: Service
metadata: {name: c}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: internal
  annotations: {alb.ingress.kubernetes.io/scheme: internal}
spec: {ingressClassName: alb}
""",
        ),
    ),
)
