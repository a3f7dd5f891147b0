"""net.reach: a container opens a connection to a port another container listens on.

Reaching a port compromises the container only as far as ``--assume-exploitable`` assumes
(:mod:`riskgraph.techniques.net._exploit`): an application port ``likely``, only side ports
(metrics, health, webhook) ``possible`` and costly, ``none``: no edge. The confidences below
are the network's; the step onto a container takes the weaker of it and the assumption's.
Only declared ports are targets; a Service in front of them is ``net.routes-to``'s.

NetworkPolicies count only when enforced (:mod:`riskgraph.netpol.enforcement`: the
inventory's override, else a detected engine). Without enforcement, or without any
policy, the network is flat: every container enters ``hub:net-reach:cluster``, which
leads to every listening container. Those edges are ``likely`` when policies exist but no
engine was found (something outside the input may enforce them), else ``certain``.

With enforcement, pods are grouped by what the policies read of them
(:meth:`~riskgraph.netpol.NetworkPolicies.signature`): sources by egress isolation and the
peers selecting them, targets per container by ingress isolation, peers and declared
ports. Each container enters ``hub:net-reach-from:egress=<policies>/<digest>`` of its
source class; that hub leads to ``hub:net-reach-to:ingress=<policies>/<digest>`` of each
target class it may reach on some declared port; that hub leads to the class's containers
(a class is named by the policies isolating it in that direction, ``none`` when none do,
and a short digest of the peers selecting it and its ports). Edges grow with
containers plus allowed class pairs: the worst case is sources x targets classes (a few
hundred each at 150,000 pods), never pods x pods. A pair neither side isolates is allowed
without asking the engine, so only classes some policy selects cost an evaluation.

Pods a SecurityGroupPolicy selects are governed by their security groups, as on EKS: no
NetworkPolicy isolates them (peers selecting them still count on the isolated side).

Traffic between a pod and its own node is never blocked: hostNetwork containers bound to a
node enter ``hub:net-reach-node:node/<name>``, which leads to the listening containers of that
node their class hubs do not already reach; the node's other containers enter
``hub:net-reach-host:node/<name>`` toward its hostNetwork listeners their class hubs miss
(:mod:`riskgraph.techniques.net._node`).

Cost: 0.1 into and between hubs, 2.0 onto the container (exploiting is not free), 8.0 when
it listens only on side ports.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.netpol.enforcement import enforcement
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import container_vertex
from riskgraph.techniques.net._classes import listening_ports, target_edge
from riskgraph.techniques.net._enforced import CAPABILITY, HUB_COST, enforced_edges
from riskgraph.techniques.net._exploit import assumption
from riskgraph.techniques.net._node import host_hub, node_hub

FLAT_HUB = ids.hub_id(CAPABILITY, ids.CLUSTER_SCOPE)


def _listeners(inv: Inventory) -> Iterator[tuple[Pod, int, Container]]:
    """App containers declaring ports, with their index in ``containers``."""
    for pod in inv.pods:
        for index, container in enumerate(pod.spec.containers):
            if container.ports:
                yield pod, index, container


def _flat(inv: Inventory, why: str, confidence: Confidence) -> Iterator[Edge]:
    if next(_listeners(inv), None) is None:
        return
    for pod in inv.pods:
        for container in pod.spec.all_containers:
            yield Edge(container_vertex(pod, container), FLAT_HUB,
                       Reason("container {}/{} opens connections across the pod network "
                              "(network policies are {})", pod.name, container.name, why),
                       (), confidence, HUB_COST)
    assumed = assumption(inv)
    for pod, index, container in _listeners(inv):
        text = str(listening_ports(container))
        edge = target_edge(assumed, FLAT_HUB, pod, index, container, text,
                           "any pod on the flat network", confidence)
        if edge is not None:
            yield edge


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.assume_exploitable == "none":
        return
    enforced, why = enforcement(inv)
    if enforced and inv.network_policies:
        yield from enforced_edges(inv, why)
        return
    if not inv.network_policies:
        yield from _flat(inv, "absent", "certain")
        return
    unseen = inv.network_policy_enforcement is None
    yield from _flat(inv, why, "likely" if unseen else "certain")


_CALICO = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: calico-node, image: docker.io/calico/node:v3.27.0}]
---
"""

_PODS = """
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec:
  containers: [{name: curl, image: curl}]
---
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]
---
kind: Pod
metadata: {name: pg, namespace: db, labels: {app: pg}}
spec:
  containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]
"""

_DENY_DB = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: db}
spec: {podSelector: {}}
"""

_ALLOW_FROM_SHOP = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-shop-client, namespace: db}
spec:
  podSelector: {matchLabels: {app: pg}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
      podSelector: {matchLabels: {app: client}}
    ports: [{port: 5432}]
"""

_HOST_AGENT = """
kind: Pod
metadata: {name: agent, namespace: monitoring}
spec:
  nodeName: n1
  hostNetwork: true
  containers: [{name: scrape, image: prom/node-exporter}]
---
kind: Pod
metadata: {name: pg, namespace: db, labels: {app: pg}}
spec:
  nodeName: %s
  containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]
"""

_EXPORTER = """
kind: Pod
metadata: {name: exporter, namespace: monitoring}
spec:
  nodeName: n1
  hostNetwork: true
  containers: [{name: metrics, image: prom/node-exporter, ports: [{containerPort: 9100}]}]
---
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  nodeName: %s
  containers: [{name: app, image: app}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress]}
"""

_SIDE_PORTS = """
kind: Pod
metadata: {name: client, namespace: shop}
spec: {containers: [{name: curl, image: curl}]}
---
kind: Pod
metadata: {name: ctl, namespace: ops}
spec:
  containers:
  - {name: manager, image: ctl, ports: [{name: metrics, containerPort: 8082}]}
  - {name: hooks, image: hooks, ports: [{name: webhook-server, containerPort: 9443},
                                        {name: healthz, containerPort: 8081}]}
---
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  containers:
  - {name: app, image: api, ports: [{containerPort: 8080}, {containerPort: 8081, name: admin}],
     livenessProbe: {httpGet: {path: /healthz, port: admin}}}
  - {name: sidecar, image: sidecar, readinessProbe: {tcpSocket: {port: 15021}},
     ports: [{containerPort: 15090, name: http-envoy-prom}, {containerPort: 15021}],
     startupProbe: {grpc: {port: 15021}}}
---
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}],
                     readinessProbe: {httpGet: {path: /healthz, port: 80}}}]}
"""
_CTL, _HOOKS = "k8s:Container:ops/ctl/manager", "k8s:Container:ops/ctl/hooks"
_PROBED, _HEALTH_ONLY = "k8s:Container:shop/api/app", "k8s:Container:shop/api/sidecar"

_CLIENT, _WEB, _PG = ("k8s:Container:shop/client/curl", "k8s:Container:shop/web/nginx",
                      "k8s:Container:db/pg/postgres")
_CALICO_NODE = "k8s:Container:kube-system/calico-node/calico-node"


# The enforced example's classes: the client alone (a peer selects it); everything else
# (web, pg, calico-node) as sources; web and pg as targets. Hubs are named by the policies
# isolating the class and a digest of the rest of its key (see _enforced.class_hub).
_FROM_CLIENT = "hub:net-reach-from:egress=none/b74dbb"
_FROM_REST = "hub:net-reach-from:egress=none/3eb416"
_TO_WEB = "hub:net-reach-to:ingress=none/f077f9"
_TO_PG = "hub:net-reach-to:ingress=db/deny-all,db/from-shop-client/906371"


# The exporter example's classes: calico-node and the exporter (neither isolated) reach
# the exporter through the class hubs; the app, denied all egress, through none.
_METRICS = "k8s:Container:monitoring/exporter/metrics"
_FROM_HOSTS = "hub:net-reach-from:egress=none/3eb416"
_TO_METRICS = "hub:net-reach-to:ingress=none/169776"
_EXPORTER_CLASS_EDGES = frozenset({(_CALICO_NODE, _FROM_HOSTS), (_METRICS, _FROM_HOSTS),
                                   (_FROM_HOSTS, _TO_METRICS), (_TO_METRICS, _METRICS)})


TECHNIQUE = Technique(
    id="net.reach",
    title="Container reaches another container's listening port over the pod network",
    severity="medium",
    mitre="T1210",
    remediation="Run a CNI that enforces NetworkPolicies, give every namespace a default-deny "
                "ingress policy and allow only the clients each service needs.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "no policies: one flat hub to every listening container",
            _PODS,
            frozenset({(_CLIENT, FLAT_HUB), (_WEB, FLAT_HUB), (_PG, FLAT_HUB),
                       (FLAT_HUB, _WEB), (FLAT_HUB, _PG)}),
            {(FLAT_HUB, _PG): "likely", (_CLIENT, FLAT_HUB): "certain"},
        ),
        Example(
            "side ports: metrics, webhook and probe-only ports are long shots; an app port "
            "beside a probe-only one, or the one port a probe also uses, is not",
            _SIDE_PORTS,
            frozenset({(_CLIENT, FLAT_HUB), (_CTL, FLAT_HUB), (_HOOKS, FLAT_HUB),
                       (_PROBED, FLAT_HUB), (_HEALTH_ONLY, FLAT_HUB), (_WEB, FLAT_HUB),
                       (FLAT_HUB, _CTL), (FLAT_HUB, _HOOKS), (FLAT_HUB, _PROBED),
                       (FLAT_HUB, _HEALTH_ONLY), (FLAT_HUB, _WEB)}),
            {(FLAT_HUB, _CTL): "possible", (FLAT_HUB, _HOOKS): "possible",
             (FLAT_HUB, _HEALTH_ONLY): "possible", (FLAT_HUB, _PROBED): "likely",
             (FLAT_HUB, _WEB): "likely"},
        ),
        Example(
            "policies but no enforcing engine found: flat, likely",
            _PODS + _DENY_DB,
            frozenset({(_CLIENT, FLAT_HUB), (_WEB, FLAT_HUB), (_PG, FLAT_HUB),
                       (FLAT_HUB, _WEB), (FLAT_HUB, _PG)}),
            {(FLAT_HUB, _PG): "likely"},
        ),
        Example(
            "Calico enforces: only the client pod of shop reaches postgres, on 5432",
            _CALICO + _PODS + _DENY_DB + _ALLOW_FROM_SHOP,
            frozenset({(_CLIENT, _FROM_CLIENT), (_WEB, _FROM_REST), (_PG, _FROM_REST),
                       (_CALICO_NODE, _FROM_REST), (_FROM_CLIENT, _TO_WEB),
                       (_FROM_REST, _TO_WEB), (_FROM_CLIENT, _TO_PG),
                       (_TO_WEB, _WEB), (_TO_PG, _PG)}),
            {(_TO_PG, _PG): "likely"},
        ),
        Example(
            "Calico enforces deny-all ingress where the only listener runs",
            _CALICO + _PODS.split("---\nkind: Pod\nmetadata: {name: web")[0] + """
---
kind: Pod
metadata: {name: pg, namespace: db, labels: {app: pg}}
spec:
  containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]
""" + _DENY_DB,
        ),
        Example(
            "Calico enforces deny-all, but a hostNetwork pod reaches postgres on its own node",
            _CALICO + _HOST_AGENT % "n1" + _DENY_DB,
            frozenset({("k8s:Container:monitoring/agent/scrape", node_hub("n1")),
                       (node_hub("n1"), _PG)}),
            {(node_hub("n1"), _PG): "likely"},
        ),
        Example(
            "Calico enforces deny-all; the hostNetwork pod runs on another node than postgres",
            _CALICO + _HOST_AGENT % "n2" + _DENY_DB,
        ),
        Example(
            "an app denied all egress still reaches the hostNetwork exporter on its node",
            _CALICO + _EXPORTER % "n1",
            _EXPORTER_CLASS_EDGES | {("k8s:Container:shop/app/app", host_hub("n1")),
                                     (host_hub("n1"), _METRICS)},
            {(host_hub("n1"), _METRICS): "likely"},
        ),
        Example(
            "an app denied all egress on another node than the exporter reaches nothing",
            _CALICO + _EXPORTER % "n2",
            _EXPORTER_CLASS_EDGES,
        ),
    ),
)
