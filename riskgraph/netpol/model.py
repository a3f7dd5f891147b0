"""NetworkPolicies compiled into the form evaluation needs: selectors compiled, ipBlocks
parsed, ``policyTypes`` defaulted and every peer numbered.

A peer's number is what a pod's :class:`~riskgraph.netpol.evaluate.Signature` records when
the peer's selectors match the pod, so a rule's question "does this peer match?" becomes
a set lookup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from itertools import count
from operator import attrgetter

from riskgraph.models.network_policy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyEgressRule,
    NetworkPolicyIngressRule,
    NetworkPolicyPeer,
    NetworkPolicyPort,
)
from riskgraph.netpol.ports import PortSet
from riskgraph.netpol.selectors import Selector

IpAddress = IPv4Address | IPv6Address
IpNetwork = IPv4Network | IPv6Network
#: A container port a named policy port can resolve to: (name, protocol, number).
NamedPort = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class IpRange:
    """An ipBlock: ``cidr`` minus the ``except`` holes."""

    block: IpNetwork
    holes: tuple[IpNetwork, ...]

    @classmethod
    def compile(cls, ip_block: IPBlock) -> IpRange:
        return cls(ip_network(ip_block.cidr, strict=False),
                   tuple(ip_network(h, strict=False) for h in ip_block.except_))

    def contains(self, ip: IpAddress) -> bool:
        """Whether ``ip`` is in the block and in none of its holes."""
        return ip in self.block and not any(ip in hole for hole in self.holes)

    def covers(self, network: IpNetwork) -> bool:
        """Whether every address of ``network`` is in the block and in none of its holes."""
        return (network.version == self.block.version
                and network.subnet_of(self.block)  # type: ignore[arg-type]
                and not any(network.overlaps(hole) for hole in self.holes))


@dataclass(frozen=True, slots=True)
class Peer:
    """One ``from``/``to`` entry of a rule.

    A selector peer matches pods (never hostNetwork pods): ``namespace_selector`` None
    means the policy's own namespace. An ipBlock peer matches IP addresses, and matches
    pods only when it ``covers_cluster``: pod IPs are not in the inventory, so only a
    block holding the whole cluster network certainly holds a pod's.
    """

    number: int
    policy_namespace: str
    pod_selector: Selector | None
    namespace_selector: Selector | None
    ip_range: IpRange | None
    covers_cluster: bool

    def selects_namespace(self, namespace: str, labels: dict[str, str]) -> bool:
        """Whether pods of ``namespace`` (with namespace ``labels``) can match this peer."""
        if self.ip_range is not None:
            return False
        if self.namespace_selector is None:
            return namespace == self.policy_namespace
        return self.namespace_selector.matches(labels)


@dataclass(frozen=True, slots=True)
class RulePort:
    """One entry of a rule's ``ports``: a range, every port, or a container port name."""

    protocol: str
    first: int | None
    last: int | None
    name: str | None

    @classmethod
    def compile(cls, port: NetworkPolicyPort) -> RulePort:
        if isinstance(port.port, str):
            return cls(port.protocol, None, None, port.port)
        if port.port is None:
            return cls(port.protocol, None, None, None)
        return cls(port.protocol, port.port, port.end_port or port.port, None)

    def ports(self, named_ports: frozenset[NamedPort]) -> PortSet:
        """The ports this entry allows at a destination with ``named_ports``."""
        if self.name is not None:
            return PortSet.of(*((p, n, n) for name, p, n in named_ports
                                if name == self.name and p == self.protocol))
        if self.first is None or self.last is None:
            return PortSet.every_port(self.protocol)
        return PortSet.of((self.protocol, self.first, self.last))


@dataclass(frozen=True, slots=True)
class Rule:
    """An ingress or egress rule: traffic with a matching peer on one of its ports."""

    every_peer: bool
    selector_peers: frozenset[int]
    covers_cluster: bool
    ip_ranges: tuple[IpRange, ...]
    ports: tuple[RulePort, ...]

    def admits_pod(self, matching_peers: frozenset[int]) -> bool:
        """Whether a pod whose matching peer numbers are ``matching_peers`` is a peer."""
        return self.every_peer or self.covers_cluster \
            or not self.selector_peers.isdisjoint(matching_peers)

    def admits_ip(self, ip: IpAddress) -> bool:
        """Whether traffic with ``ip`` at the other end matches a peer."""
        return self.every_peer or any(r.contains(ip) for r in self.ip_ranges)

    def allowed_ports(self, named_ports: frozenset[NamedPort]) -> PortSet:
        """The ports allowed to a destination whose container ports are ``named_ports``."""
        if not self.ports:
            return PortSet.every_port()
        return PortSet.of(*(r for p in self.ports for r in p.ports(named_ports).ranges))


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A NetworkPolicy ready to evaluate; ``ref`` is ``namespace/name``."""

    ref: str
    namespace: str
    selector: Selector
    isolates_ingress: bool
    isolates_egress: bool
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    peers: tuple[Peer, ...]


class PeerIndex:
    """The selector peers of compiled policies by the namespaces they may select: those
    without a namespace selector under their policy's namespace, the others by namespace
    selector, so that each distinct selector is tried once per namespace."""

    def __init__(self, policies: Iterable[CompiledPolicy]) -> None:
        self._local: dict[str, list[Peer]] = defaultdict(list)
        self._by_selector: dict[Selector, list[Peer]] = defaultdict(list)
        for policy in policies:
            for peer in policy.peers:
                if peer.ip_range is not None:
                    continue
                if peer.namespace_selector is None:
                    self._local[peer.policy_namespace].append(peer)
                else:
                    self._by_selector[peer.namespace_selector].append(peer)

    def selecting(self, namespace: str, labels: Mapping[str, str]) -> list[Peer]:
        """The peers that :meth:`Peer.selects_namespace` for ``namespace`` (with namespace
        ``labels``), in policy order (their numbers')."""
        found = list(self._local.get(namespace, ()))
        for selector, peers in self._by_selector.items():
            if selector.matches(labels):
                found.extend(peers)
        found.sort(key=attrgetter("number"))
        return found


def compile_policies(policies: Iterable[NetworkPolicy],
                     cluster_network: Sequence[IpNetwork]) -> list[CompiledPolicy]:
    """Compile parsed NetworkPolicies, numbering their peers from 0 across all of them.

    Parameters
    ----------
    policies
        The policies as parsed (namespace already defaulted by the Inventory).
    cluster_network
        The ranges pod and node IPs come from; an ipBlock matches pods only when it
        holds all of them.
    """
    numbers = count()
    compiled = []
    for policy in policies:
        namespace = policy.metadata.namespace or "default"
        types = policy.spec.effective_policy_types
        peers: list[Peer] = []
        ingress: tuple[Rule, ...] = ()
        egress: tuple[Rule, ...] = ()
        if "Ingress" in types:
            ingress = _rules(policy.spec.ingress, namespace, cluster_network, numbers, peers)
        if "Egress" in types:
            egress = _rules(policy.spec.egress, namespace, cluster_network, numbers, peers)
        compiled.append(CompiledPolicy(
            ref=f"{namespace}/{policy.name}", namespace=namespace,
            selector=Selector.compile(policy.spec.pod_selector),
            isolates_ingress="Ingress" in types, isolates_egress="Egress" in types,
            ingress=ingress, egress=egress, peers=tuple(peers)))
    return compiled


def _rules(raw: Sequence[NetworkPolicyIngressRule | NetworkPolicyEgressRule], namespace: str,
           cluster_network: Sequence[IpNetwork], numbers: Iterator[int],
           peers: list[Peer]) -> tuple[Rule, ...]:
    """Compile one direction's rules, appending their peers to ``peers``."""
    out = []
    for rule in raw:
        rule_peers = [_peer(next(numbers), namespace, p, cluster_network) for p in rule.peers]
        peers.extend(rule_peers)
        out.append(Rule(
            every_peer=not rule_peers,
            selector_peers=frozenset(p.number for p in rule_peers if p.ip_range is None),
            covers_cluster=any(p.covers_cluster for p in rule_peers),
            ip_ranges=tuple(p.ip_range for p in rule_peers if p.ip_range is not None),
            ports=tuple(RulePort.compile(p) for p in rule.ports)))
    return tuple(out)


def _peer(number: int, namespace: str, peer: NetworkPolicyPeer,
          cluster_network: Sequence[IpNetwork]) -> Peer:
    ip_range = None if peer.ip_block is None else IpRange.compile(peer.ip_block)
    covers = ip_range is not None and bool(cluster_network) \
        and all(ip_range.covers(n) for n in cluster_network)
    return Peer(
        number, namespace,
        None if peer.pod_selector is None else Selector.compile(peer.pod_selector),
        None if peer.namespace_selector is None else Selector.compile(peer.namespace_selector),
        ip_range, covers)
