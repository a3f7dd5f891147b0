"""net.internet-exposed: the internet reaches a Service, an Ingress or a container's host port.

Services of type LoadBalancer go by their controller. The in-tree AWS cloud provider makes
them internet-facing unless ``aws-load-balancer-internal`` holds any value but ``"false"``
(old docs wrote ``0.0.0.0/0``). The AWS Load Balancer Controller (``aws-load-balancer-type``
``external`` or ``nlb-ip``, class ``service.k8s.aws/nlb``) makes internal NLBs unless
``aws-load-balancer-scheme`` (else the deprecated ``-internal: "false"``) says
internet-facing, and internal ALBs unless ``alb.ingress.kubernetes.io/scheme`` on the Ingress
or on any Ingress of its ``group.name`` (they share one ALB) says so. A scheme ``internal``
removes the edge. These edges are ``likely``: the manifest asks, AWS builds. Source ranges
or ``inbound-cidrs`` without an open range, and a WAF or Shield annotation, raise the cost
(the controller ignores the ranges when the object names its own security groups).

NodePorts and host ports are decided with EC2 facts (:mod:`._node_ports`). A NodePort is
``certain`` when a node has a public IP and its groups admit the port from ``0.0.0.0/0``,
and absent when the EC2 input shows no such node; without EC2 input it stays ``likely`` at
a higher cost. A node port left to the API server counts when a rule covers all of
30000-32767. A ``hostPort`` (any container port under ``hostNetwork``) is claimed only with
EC2 input proving such a node; ``possible`` when only some nodes the pod may land on do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Ingress, Service
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.net._exposure import HostExposure
from riskgraph.techniques.net._lb_schemes import (
    ALB_GROUP,
    ALB_INBOUND,
    ALB_SCHEME,
    ALB_SECURITY_GROUPS,
    BASE_COST,
    LB_SECURITY_GROUPS,
    LB_SOURCE_RANGES,
    RESTRICTED_COST,
    WAF_EXTRA_COST,
    AlbSettings,
    alb_groups,
    alb_settings,
    lb_facing,
    restriction,
    waf,
)
from riskgraph.techniques.net._node_ports import host_port_edges, node_port_edges


def _load_balancer_edge(service: Service, sid: str) -> Iterator[Edge]:
    facing = lb_facing(service, sid)
    if facing is None:
        return
    name = f"{service.namespace}/{service.name}"
    limited = restriction(sid, service.metadata.annotations,
                           service.spec.load_balancer_source_ranges, LB_SOURCE_RANGES,
                           LB_SECURITY_GROUPS)
    if limited:
        yield Edge(ids.INTERNET, sid, f"service {name} has an internet-facing load balancer "
                   f"({facing.why}), limited to {limited[0]}", (*facing.evidence, limited[1]),
                   facing.confidence, RESTRICTED_COST)
    else:
        yield Edge(ids.INTERNET, sid, f"service {name} has an internet-facing load balancer: "
                   f"{facing.why}", facing.evidence, facing.confidence)


def _ingress_edge(ingress: Ingress, groups: dict[str, AlbSettings]) -> Iterator[Edge]:
    iid = ids.k8s_id("Ingress", ingress.name, ingress.namespace)
    notes = ingress.metadata.annotations
    name = f"{ingress.namespace}/{ingress.name}"
    ingress_class = ingress.spec.ingress_class_name or notes.get("kubernetes.io/ingress.class",
                                                                 "")
    if ingress_class != "alb" and (ingress_class or ALB_SCHEME not in notes):
        yield Edge(ids.INTERNET, iid, f"ingress {name} is served by the "
                   f"{ingress_class or 'default'} ingress controller, usually published on a "
                   "public load balancer",
                   (f"{iid}: spec.ingressClassName={json.dumps(ingress_class or None)}",),
                   "likely")
        return
    settings = {**groups.get(notes.get(ALB_GROUP, ""), {}), **alb_settings(ingress)}
    scheme, scheme_proof = settings.get(ALB_SCHEME, ("", ""))
    if not scheme:
        yield Edge(ids.INTERNET, iid, f"ingress {name} is an ALB without a scheme annotation: "
                   "internal by default, unless its IngressClassParams say internet-facing",
                   (f'{iid}: spec.ingressClassName="alb"',), "possible", RESTRICTED_COST)
        return
    if scheme.strip().lower() != "internet-facing":
        return
    proof, cost, extra = [scheme_proof], BASE_COST, ""
    limited = restriction(iid, notes, [], ALB_INBOUND, ALB_SECURITY_GROUPS)
    if limited:
        proof.append(limited[1])
        cost, extra = RESTRICTED_COST, f", limited to {limited[0]}"
    protection = waf(settings)
    if protection:
        proof.append(protection)
        cost, extra = cost + WAF_EXTRA_COST, extra + ", behind a WAF"
    if not scheme_proof.startswith(iid + ":"):
        extra += f", shared with IngressGroup {notes[ALB_GROUP]}"
    yield Edge(ids.INTERNET, iid, f"ingress {name} is served by an internet-facing ALB of the "
               f"AWS Load Balancer Controller{extra}", tuple(proof), "likely",
               None if cost == BASE_COST else cost)


def find(inv: Inventory) -> Iterator[Edge]:
    hosts = HostExposure(inv)
    for service in inv.services:
        sid = ids.k8s_id("Service", service.name, service.namespace)
        if service.spec.type == "LoadBalancer":
            yield from _load_balancer_edge(service, sid)
        elif service.spec.type == "NodePort":
            yield from node_port_edges(service, sid, hosts)
    groups = alb_groups(inv.ingresses)
    for ingress in inv.ingresses:
        yield from _ingress_edge(ingress, groups)
    if hosts.decides:
        for pod in inv.pods:
            yield from host_port_edges(inv, pod, hosts)


_AWS_NODE = """
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Service
metadata: {name: debug, namespace: shop}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: agent, ports: [{containerPort: 80, hostPort: 8080}]}]}
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [{
  "InstanceId": "i-0aaa1111bbbb2222c", "Placement": {"AvailabilityZone": "us-east-1a"},
  "PublicIpAddress": "203.0.113.10", "SecurityGroups": [{"GroupId": "sg-0node"}]}]}]}
---
{"SecurityGroups": [{"GroupId": "sg-0node", "IpPermissions": %s}]}
"""
_OPEN_RULES = """[
  {"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
  {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "198.51.100.0/24"}]},
  {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]"""
_CLOSED_RULES = """[
  {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0node"}]},
  {"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
  {"IpProtocol": "udp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]"""

TECHNIQUE = Technique(
    id="net.internet-exposed",
    title="Service or Ingress reachable from the internet",
    severity="high",
    mitre="T1190",
    remediation="Use an internal load balancer scheme unless the service must be public; "
                "restrict loadBalancerSourceRanges or inbound-cidrs; put a WAF in front of "
                "public ingresses; keep nodes off public addresses, or close NodePorts and "
                "host ports to 0.0.0.0/0 and ::/0 in their security groups.",
    cost=BASE_COST,
    find=find,
    examples=(
        Example(
            "public and restricted load balancers, NodePort, nginx and internet-facing ALBs",
            """
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
---
kind: Service
metadata:
  name: nlb
  namespace: shop
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
spec: {type: LoadBalancer, loadBalancerSourceRanges: [203.0.113.0/24], ports: [{port: 80}]}
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
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/group.name: shop
    alb.ingress.kubernetes.io/wafv2-acl-arn: arn:aws:wafv2:us-east-1:111122223333:regional/webacl/w
spec: {ingressClassName: alb, defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: shop
  annotations: {alb.ingress.kubernetes.io/group.name: shop}
spec: {ingressClassName: alb, defaultBackend: {service: {name: web, port: {number: 80}}}}
""",
            frozenset({("internet", "k8s:Service:shop/web"),
                       ("internet", "k8s:Service:shop/nlb"),
                       ("internet", "k8s:Service:shop/debug"),
                       ("internet", "k8s:Ingress:shop/site"),
                       ("internet", "k8s:Ingress:shop/api"),
                       ("internet", "k8s:Ingress:shop/admin")}),
            {("internet", "k8s:Service:shop/web"): "likely",
             ("internet", "k8s:Service:shop/debug"): "likely"},
        ),
        Example(
            "internal schemes, the controller's internal default, internal ALB and ClusterIP",
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
  annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: 0.0.0.0/0}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
kind: Service
metadata:
  name: lbc
  annotations: {service.beta.kubernetes.io/aws-load-balancer-type: external}
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
        Example(
            "NodePort and hostPort on a node with a public IP whose group admits the internet",
            _AWS_NODE % _OPEN_RULES,
            frozenset({("internet", "k8s:Service:shop/debug"),
                       ("internet", "k8s:Container:ops/agent/agent")}),
            {("internet", "k8s:Service:shop/debug"): "certain",
             ("internet", "k8s:Container:ops/agent/agent"): "certain"},
        ),
        Example(
            "NodePort and hostPort admitted only from a group, a private range or over UDP",
            _AWS_NODE % _CLOSED_RULES,
        ),
    ),
)
