"""The classes ``net.reach`` routes the enforced pod network through: pods grouped by what
the NetworkPolicies read of them, and the target classes each source class could reach at
all. Also records, per node, the hostNetwork senders and the listeners bound to it, for the
node-to-pod edges of :mod:`riskgraph.techniques.net._node`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from riskgraph.confidence import Confidence, weakest
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.netpol import NetworkPolicies, PortSet, Signature
from riskgraph.techniques import Edge
from riskgraph.techniques._shared.common import container_vertex, evidence
from riskgraph.techniques.net._exploit import Assumption


def listening_ports(container: Container) -> PortSet:
    """The ports a container declares."""
    return PortSet.of(*((p.protocol.upper(), p.container_port, p.container_port)
                        for p in container.ports))


def target_edge(assumed: Assumption, hub: str, pod: Pod, index: int, container: Container,
                ports: str, who: str, confidence: Confidence, *proof: str) -> Edge | None:
    """The step from a hub onto a listening container (``containers[index]``) listening on
    ``ports`` (their text), weighed by what its ports serve
    (:mod:`riskgraph.techniques.net._exploit`); None when the assumption draws no such
    step."""
    memo = assumed.memo
    key = (id(pod), index)
    step = memo.get(key)
    if step is None:
        step = memo[key] = (
            assumed.weigh(pod, container, container.ports), container_vertex(pod, container),
            evidence(pod, f"containers[{index}].ports",
                     [p.container_port for p in container.ports]))
    weighed, vertex, declared = step
    if weighed is None:
        return None
    # weakest("certain", x) is x: the common case skips the comparison.
    return Edge(hub, vertex, Reason("{} reaches container {}/{}, listening on {}; {}", who,
                                    pod.name, container.name, ports, weighed.why),
                (declared, *proof), weighed.confidence if confidence == "certain"
                else weakest(confidence, weighed.confidence), weighed.cost)


@dataclass
class NodeMembers:
    """What runs on one node: hostNetwork containers and the other containers (each with
    its source class and vertex), and listening containers (with their target class),
    the hostNetwork ones among them also in ``hosts``."""

    senders: list[tuple[Pod, Container, int, str]] = field(default_factory=list)
    residents: list[tuple[Pod, Container, int, str]] = field(default_factory=list)
    listeners: list[tuple[Pod, int, Container, int]] = field(default_factory=list)
    hosts: list[tuple[Pod, int, Container, int]] = field(default_factory=list)
    #: The live pod on this node of each pod here, by the pod's identity: a replica
    #: class's own replica there, for evidence (the inventory's pods outlive this).
    replica_of: dict[int, str] = field(default_factory=dict)


@dataclass
class Classes:
    """Pods grouped by what the policies read of them, numbered in input order."""

    sources: list[Signature] = field(default_factory=list)
    #: Each source class's containers, with their pod, class and vertex.
    members: list[list[tuple[Pod, Container, int, str]]] = field(default_factory=list)
    targets: list[tuple[Signature, PortSet]] = field(default_factory=list)
    #: Each target class's ports as text, for reasons.
    port_texts: list[str] = field(default_factory=list)
    listeners: list[list[tuple[Pod, int, Container]]] = field(default_factory=list)
    #: Node name -> what runs there, for pods bound to a node (``spec.nodeName``) and
    #: replica classes (on each node of a replica).
    nodes: dict[str, NodeMembers] = field(default_factory=lambda: defaultdict(NodeMembers))

    @classmethod
    def of(cls, inv: Inventory, pols: NetworkPolicies) -> Classes:
        found = cls()
        nodes = found.nodes
        # A source's verdicts read its egress policies and the peers selecting it; a
        # target's, its ingress policies, peers and named ports; its declared ports say
        # which allowed ports it listens on.
        source_keys: dict[tuple[tuple[int, ...], frozenset[int]], int] = {}
        target_keys: dict[tuple[object, ...], int] = {}
        for pod in inv.pods:
            sig = pols.signature(pod)
            source = source_keys.setdefault((sig.egress, sig.peers), len(source_keys))
            if source == len(found.sources):
                found.sources.append(sig)
                found.members.append([])
            # The same containers on each node: their vertices are worked out once.
            on = [(pod, c, source, container_vertex(pod, c)) for c in pod.spec.all_containers]
            found.members[source].extend(on)
            placed, host = pod.placed_on, pod.spec.host_network
            if placed:
                for node, replica in placed.items():
                    on_node = nodes[node]
                    on_node.replica_of[id(pod)] = replica
                    (on_node.senders if host else on_node.residents).extend(on)
            listening = []
            for index, container in enumerate(pod.spec.containers):
                if not container.ports:
                    continue
                ports = listening_ports(container)
                target = target_keys.setdefault(
                    (sig.ingress, sig.peers, sig.named_ports, ports), len(target_keys))
                if target == len(found.targets):
                    found.targets.append((sig, ports))
                    found.port_texts.append(str(ports))
                    found.listeners.append([])
                found.listeners[target].append((pod, index, container))
                listening.append((pod, index, container, target))
            for node in placed if listening else ():
                nodes[node].listeners.extend(listening)
                if host:
                    nodes[node].hosts.extend(listening)
        return found


class Candidates:
    """The target classes each source class could reach at all, judged by peers alone.

    A superset of the pairs the engine allows: an ingress-isolated target admits only
    sources some ingress rule's peer matches (or rules admitting every pod), and an
    egress-isolated source reaches only targets some egress rule's peer matches. Indexing
    targets by those peers keeps the engine's questions near the allowed pairs instead of
    sources x targets.
    """

    def __init__(self, pols: NetworkPolicies, targets: list[tuple[Signature, PortSet]]
                 ) -> None:
        self._pols = pols
        self._ingress_open: set[int] = set()
        self._ingress_by_peer: dict[int, set[int]] = defaultdict(set)
        self._by_peer: dict[int, set[int]] = defaultdict(set)
        for b, (target, _) in enumerate(targets):
            for peer in target.peers:
                self._by_peer[peer].add(b)
            rules = [rule for i in target.ingress for rule in pols.policies[i].ingress]
            if not target.ingress or any(r.every_peer or r.covers_cluster for r in rules):
                self._ingress_open.add(b)
                continue
            for rule in rules:
                for peer in rule.selector_peers:
                    self._ingress_by_peer[peer].add(b)

    def of(self, source: Signature) -> set[int]:
        """The target classes ``source`` may reach on some port."""
        admitting = self._ingress_open.union(
            *(self._ingress_by_peer.get(p, ()) for p in source.peers))
        if not source.egress:
            return admitting
        rules = [rule for i in source.egress for rule in self._pols.policies[i].egress]
        if any(r.every_peer or r.covers_cluster for r in rules):
            return admitting
        reachable = set().union(*(self._by_peer.get(p, ()) for rule in rules
                                  for p in rule.selector_peers))
        return admitting & reachable
