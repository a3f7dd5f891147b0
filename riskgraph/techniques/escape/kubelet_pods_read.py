"""escape.kubelet-pods-read: a hostPath over /var/lib/kubelet/pods discloses other pods' tokens.

The kubelet keeps each pod's volumes under ``/var/lib/kubelet/pods/<uid>/volumes``,
service-account tokens included, so a container that mounts that directory (read-only is
enough) reads the tokens of the pods on its node. Tokens live on tmpfs mounts the kubelet
adds as pods start, and a hostPath mount without propagation sees only those present when
the container started: the step is ``likely``.

Edges go through hubs so they grow with containers plus pods, never their product: a
container -> ``hub:kubelet-pods-read:node/<node>`` -> the service accounts of the pods on
that node; a template container -> ``hub:kubelet-pods-read:pool/<pool>`` -> each node hub of
the pool and the service accounts of the template pods placed there.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    api_token_volumes,
    automount_decision,
    container_vertex,
    evidence,
    namespace_of,
)
from riskgraph.techniques.escape._hostpath import exposures
from riskgraph.techniques.escape._identity import Need

KUBELET_PODS = ("/var/lib/kubelet/pods",)
CAPABILITY = "kubelet-pods-read"
#: Cost of a step out of a hub: reading the file was paid for on the way in.
HUB_COST = 0.1


def node_hub(node: str) -> str:
    return ids.hub_id(CAPABILITY, f"node/{node}")


def pool_hub(pool: str) -> str:
    return ids.hub_id(CAPABILITY, f"pool/{pool}")


def token_on_disk(inv: Inventory, pod: Pod) -> str | None:
    """Evidence that the kubelet writes a token the API server accepts for the pod's service
    account, else None: automounted, or a projected token for the API server's audience."""
    automounted, decided = automount_decision(inv, pod)
    if automounted:
        return decided
    for index in api_token_volumes(pod).values():
        return evidence(pod, f"volumes[{index}].projected", "serviceAccountToken")
    return None


def _account(pod: Pod) -> str:
    return ids.k8s_id("ServiceAccount", pod.spec.effective_service_account, namespace_of(pod))


def _entries(inv: Inventory) -> Iterator[tuple[Edge, str | None, list[str]]]:
    """Edges from containers into hubs, with the node or the pools each enters."""
    for found in exposures(inv.pods, KUBELET_PODS, Need.READ):
        pod, container = found.pod, found.container
        source, proof = container_vertex(pod, container), found.evidence()
        base = (f"container {pod.name}/{container.name} mounts {found.describe()}, where the "
                f"kubelet keeps the service-account tokens of the pods on its node"
                f"{found.access.why}")
        for node, replica in pod.placed_on.items():
            who = "it" if replica == pod.name else f"its replica {replica}"
            yield (Edge(source, node_hub(node), f"{base}; {who} runs on node {node}", proof,
                        "likely"), node, [])
        if pod.is_bound and not pod.is_template:
            continue
        for place in inv.placements(pod):
            if place.target.startswith(ids.NODE_PREFIX):
                continue
            pool = ids.parse(place.target).name
            yield (Edge(source, pool_hub(pool), f"{base}; {place.reason}", proof,
                        weakest("likely", place.confidence)), None, [pool])


def _fan_out(inv: Inventory, nodes: dict[str, None], pools: dict[str, None]) -> Iterator[Edge]:
    best: dict[tuple[str, str], Edge] = {}

    def offer(edge: Edge) -> None:
        # Many pods share a service account: one edge each, the strongest.
        seen = best.get((edge.source, edge.target))
        if seen is None or (CONFIDENCE_ORDER.index(edge.confidence)
                            < CONFIDENCE_ORDER.index(seen.confidence)):
            best[(edge.source, edge.target)] = edge

    nodes = dict(nodes)
    for pool in pools:
        for node in (n.name for n in inv.pools.get(pool, [])):
            nodes[node] = None
            offer(Edge(pool_hub(pool), node_hub(node),
                       f"a foothold on pool {pool} is on one of its nodes, which may be {node}",
                       (), "possible", HUB_COST))
    for pod in inv.pods:
        bound = [node for node in pod.placed_on if node in nodes]
        places = [p for p in inv.placements(pod) if not p.target.startswith(ids.NODE_PREFIX)
                  and ids.parse(p.target).name in pools] \
            if pod.is_template or not pod.is_bound else []
        if not (bound or places):
            continue
        proof = token_on_disk(inv, pod)
        if proof is None:
            continue
        who = f"{pod.template_kind or 'pod'} {namespace_of(pod)}/{pod.name}"
        account = pod.spec.effective_service_account
        for node in bound:
            offer(Edge(node_hub(node), _account(pod),
                       f"{who} runs on node {node} with the token of service account {account} "
                       "on disk", (proof,), "certain", HUB_COST))
        for place in places:
            pool = ids.parse(place.target).name
            # A DaemonSet pod that fits every node of the pool is on the attacker's too.
            every_node = pod.template_kind == "DaemonSet" and place.confidence == "certain"
            confidence: Confidence = "certain" if every_node else "possible"
            where = (f"runs on every node of pool {pool}" if every_node
                     else f"may run beside the attacker on pool {pool}")
            offer(Edge(pool_hub(pool), _account(pod),
                       f"{who} {where} with the token of service account {account} on disk",
                       (proof,), confidence, HUB_COST))
    yield from best.values()


def find(inv: Inventory) -> Iterator[Edge]:
    nodes: dict[str, None] = {}
    pools: dict[str, None] = {}
    for edge, node, entered in _entries(inv):
        if node is not None:
            nodes[node] = None
        pools.update(dict.fromkeys(entered))
        yield edge
    if nodes or pools:
        yield from _fan_out(inv, nodes, pools)


TECHNIQUE = Technique(
    id="escape.kubelet-pods-read",
    title="hostPath over the kubelet's pods directory discloses other pods' tokens",
    severity="high",
    mitre="T1528",
    remediation="Remove the hostPath volume over /var/lib/kubelet or /var/lib/kubelet/pods "
                "(log and metrics agents need /var/log/pods, not the kubelet's directory); "
                "set automountServiceAccountToken: false on pods that do not call the API, and "
                "restrict hostPath with the 'baseline' Pod Security level.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "live pod reads the tokens on its own node only",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Pod
metadata: {name: logger, namespace: monitoring}
spec:
  nodeName: n1
  volumes: [{name: kubelet, hostPath: {path: /var/lib/kubelet}}]
  containers:
  - name: agent
    image: agent
    volumeMounts: [{name: kubelet, mountPath: /host/kubelet, readOnly: true}]
---
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: web-sa
  containers: [{name: app, image: web}]
---
kind: Pod
metadata: {name: quiet, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: quiet-sa
  automountServiceAccountToken: false
  containers: [{name: app, image: x}]
---
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  nodeName: n2
  serviceAccountName: api-sa
  containers: [{name: app, image: api}]
""",
            frozenset({("k8s:Container:monitoring/logger/agent", "hub:kubelet-pods-read:node/n1"),
                       ("hub:kubelet-pods-read:node/n1", "k8s:ServiceAccount:shop/web-sa"),
                       ("hub:kubelet-pods-read:node/n1",
                        "k8s:ServiceAccount:monitoring/default")}),
            {("k8s:Container:monitoring/logger/agent", "hub:kubelet-pods-read:node/n1"):
                "likely"},
        ),
        Example(
            "DaemonSet reaches its pool's nodes and the template pods placed there",
            """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: web-sa
  containers: [{name: app, image: web}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: collector, namespace: monitoring}
spec:
  template:
    spec:
      serviceAccountName: collector
      volumes: [{name: pods, hostPath: {path: /var/lib/kubelet/pods/}}]
      containers:
      - name: c
        image: collector
        volumeMounts: [{name: pods, mountPath: /pods, readOnly: true}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: pay}
spec:
  template:
    spec:
      serviceAccountName: pay-sa
      containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: vaulted, namespace: pay}
spec:
  template:
    spec:
      serviceAccountName: vault-only
      automountServiceAccountToken: false
      volumes:
      - name: tok
        projected: {sources: [{serviceAccountToken: {path: token, audience: vault}}]}
      containers: [{name: c, image: x, volumeMounts: [{name: tok, mountPath: /tok}]}]
""",
            frozenset({("k8s:Container:monitoring/collector/c",
                        "hub:kubelet-pods-read:pool/general"),
                       ("hub:kubelet-pods-read:pool/general", "hub:kubelet-pods-read:node/n1"),
                       ("hub:kubelet-pods-read:node/n1", "k8s:ServiceAccount:shop/web-sa"),
                       ("hub:kubelet-pods-read:pool/general",
                        "k8s:ServiceAccount:monitoring/collector"),
                       ("hub:kubelet-pods-read:pool/general", "k8s:ServiceAccount:pay/pay-sa")}),
            {("k8s:Container:monitoring/collector/c", "hub:kubelet-pods-read:pool/general"):
                "likely",
             ("hub:kubelet-pods-read:pool/general", "k8s:ServiceAccount:pay/pay-sa"): "possible",
             ("hub:kubelet-pods-read:pool/general", "k8s:ServiceAccount:monitoring/collector"):
                "certain"},
        ),
        Example(
            "near misses: the kubelet's pki, one pod's own directory, /var/log/pods, unmounted",
            """
kind: Pod
metadata: {name: agent, namespace: monitoring}
spec:
  nodeName: n1
  volumes:
  - {name: pki, hostPath: {path: /var/lib/kubelet/pki}}
  - {name: one, hostPath: {path: /var/lib/kubelet/pods/1234-abcd}}
  - {name: logs, hostPath: {path: /var/log/pods}}
  - {name: all, hostPath: {path: /var/lib/kubelet}}
  containers:
  - name: c
    image: x
    volumeMounts:
    - {name: pki, mountPath: /pki, readOnly: true}
    - {name: one, mountPath: /one}
    - {name: logs, mountPath: /var/log/pods}
""",
        ),
    ),
)
