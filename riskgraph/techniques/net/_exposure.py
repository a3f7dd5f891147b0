"""Security-group rule matching, and which nodes the internet reaches on a port.

A security group admits traffic when one of its inbound permissions covers the protocol
and port and names the source. AWS unions the permissions of every group an interface
carries. Protocol ``-1`` is every protocol on every port; TCP, UDP, ICMP and ICMPv6 rules
carry a port range; any other protocol number admits all of its ports. The internet is the
source only for a CIDR of length zero (``0.0.0.0/0``, ``::/0``): a rule that names another
security group, a prefix list or a narrower CIDR does not open the port to everyone.

A node is reached from the internet when its EC2 instance has a public IPv4 address and
its groups admit the port from ``0.0.0.0/0``. A rule open only to ``::/0`` leaves it
unknown: EC2 IPv6 addresses are public, but whether the instance has one is not read.
Verdicts are computed once per distinct (public address?, security groups) shape, so an
estate of thousands of nodes built from a few launch templates costs a few lookups.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence
from riskgraph.estate.aws_inventory import CLUSTER_TAG_PREFIX, CLUSTER_TAGS, AwsInventory
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Node
from riskgraph.models.aws import Ec2Instance, IpPermission, SecurityGroup
from riskgraph.techniques._shared.aws_nodes import is_fargate
from riskgraph.techniques._shared.common import json_value

ALL_PROTOCOLS = "-1"
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "sctp": "132",
                     "all": ALL_PROTOCOLS}
#: Protocols whose rules carry a port (or ICMP type) range; others admit every port.
_PORTED = frozenset({"6", "17", "1", "58"})


def protocol_number(name: str) -> str:
    """The IANA number AWS matches a protocol by (``tcp`` -> ``6``); ``-1`` for all.

    >>> protocol_number("TCP"), protocol_number("17"), protocol_number("-1")
    ('6', '17', '-1')
    """
    lowered = name.strip().lower()
    return _PROTOCOL_NUMBERS.get(lowered, lowered)


class PortRange(NamedTuple):
    """Traffic to admit: a protocol (name or number) and an inclusive port range."""

    protocol: str
    low: int
    high: int

    def __str__(self) -> str:
        port = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        return f"{self.protocol.lower()}/{port}"


def covers(permission: IpPermission, wanted: PortRange) -> bool:
    """Whether a permission admits every port of ``wanted`` (its sources aside)."""
    rule_protocol = protocol_number(permission.ip_protocol)
    if rule_protocol == ALL_PROTOCOLS:
        return True
    if rule_protocol != protocol_number(wanted.protocol):
        return False
    if rule_protocol not in _PORTED or permission.from_port is None \
            or permission.to_port is None or permission.from_port == -1:
        return True
    return permission.from_port <= wanted.low and wanted.high <= permission.to_port


def _is_everyone(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Opening:
    """One inbound rule that admits the whole internet, as evidence can name it."""

    group_id: str
    path: str
    cidr: str
    family: Literal[4, 6]

    @property
    def evidence(self) -> str:
        return f"{self.group_id}: {self.path}={json_value(self.cidr)}"


def internet_openings(group: SecurityGroup) -> Iterator[tuple[IpPermission, Opening]]:
    """Every (permission, open CIDR) of a group's inbound rules that names all addresses."""
    for index, permission in enumerate(group.ip_permissions):
        base = f"IpPermissions[{index}]"
        for n, v4 in enumerate(permission.ip_ranges):
            if _is_everyone(v4.cidr_ip):
                yield permission, Opening(group.group_id, f"{base}.IpRanges[{n}].CidrIp",
                                          v4.cidr_ip, 4)
        for n, v6 in enumerate(permission.ipv6_ranges):
            if _is_everyone(v6.cidr_ipv6):
                yield permission, Opening(group.group_id, f"{base}.Ipv6Ranges[{n}].CidrIpv6",
                                          v6.cidr_ipv6, 6)


class Admission(NamedTuple):
    """How a set of groups treats the internet on a port: the rules that let it in (IPv4
    first) and the groups that were not in the input, so could add more."""

    openings: tuple[Opening, ...]
    missing: tuple[str, ...]

    def first(self, family: Literal[4, 6]) -> Opening | None:
        return next((o for o in self.openings if o.family == family), None)


class SecurityGroupIndex:
    """Security groups by id, with their internet-open rules found once."""

    def __init__(self, groups: Iterable[SecurityGroup]) -> None:
        self._open = {g.group_id: list(internet_openings(g)) for g in groups}
        self._cache: dict[tuple[tuple[str, ...], PortRange], Admission] = {}

    def __contains__(self, group_id: object) -> bool:
        return group_id in self._open

    def internet_admission(self, group_ids: Iterable[str], wanted: PortRange) -> Admission:
        """The union of some groups' rules that admit the internet to ``wanted``."""
        key = (tuple(sorted(set(group_ids))), wanted)
        found = self._cache.get(key)
        if found is None:
            openings = [o for gid in key[0] for permission, o in self._open.get(gid, ())
                        if covers(permission, wanted)]
            openings.sort(key=lambda o: o.family)
            found = self._cache[key] = Admission(
                tuple(openings), tuple(g for g in key[0] if g not in self._open))
        return found


HostState = Literal["open", "unknown", "closed"]


class HostVerdict(NamedTuple):
    """Whether the internet reaches one host (or hosts alike) on a port, and why."""

    state: HostState
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]

    @property
    def rank(self) -> tuple[int, int]:
        """Sorts the most exposed first: open before unknown before closed, then by
        confidence."""
        return _STATES.index(self.state), CONFIDENCE_ORDER.index(self.confidence)


_STATES: tuple[HostState, ...] = ("open", "unknown", "closed")
CLOSED = HostVerdict("closed", "possible", "", ())


class _Host(NamedTuple):
    """A node or instance as evidence names it; ``instance`` None: not in the input."""

    label: str
    proof: tuple[str, ...]
    instance: Ec2Instance | None
    fargate: bool = False


_Shape = tuple[bool, bool, tuple[str, ...]]  # (instance known, public IPv4, group ids)


def _shape(host: _Host) -> _Shape:
    instance = host.instance
    if host.fargate or instance is None:
        return (host.fargate, False, ())
    return (True, instance.public_ip_address is not None,
            tuple(sorted(g.group_id for g in instance.security_groups)))


def cluster_instances(aws: AwsInventory) -> list[Ec2Instance]:
    """The instances of the cluster (by its tags; untagged ones too) for an input without
    Node objects."""
    cluster = aws.cluster_name
    found = []
    for instance in aws.instances:
        tagged = {t.value for t in instance.tags if t.key in CLUSTER_TAGS} | {
            t.key.removeprefix(CLUSTER_TAG_PREFIX) for t in instance.tags
            if t.key.startswith(CLUSTER_TAG_PREFIX)}
        if cluster is None or not tagged or cluster in tagged:
            found.append(instance)
    return found


class HostExposure:
    """Which nodes (or node pools) the internet reaches on a port, from the AWS input.

    ``decides`` is False when the input holds no EC2 instance for any node: then nothing
    here is known and callers fall back to what the manifests say.
    """

    def __init__(self, inv: Inventory) -> None:
        aws = inv.aws
        self._groups = SecurityGroupIndex(aws.security_groups)
        self._node_hosts = {node.name: _node_host(aws, node) for node in inv.nodes}
        self._examples: dict[_Shape, _Host] = {}
        self._node_shape = {name: self._add(host) for name, host in self._node_hosts.items()}
        self._cluster_shapes = {self._add(_Host(f"instance {i.instance_id}", (), i))
                                for i in cluster_instances(aws)} if not inv.nodes else set()
        self._pool_shapes = {name: {self._node_shape[n.name] for n in nodes}
                             for name, nodes in inv.pools.items()}
        self._pool_shapes.setdefault(ids.ANY_POOL, set()).update(self._cluster_shapes)
        # Every node serves a NodePort: their few distinct shapes, gathered once.
        self._all_shapes = set(self._node_shape.values()) | self._cluster_shapes
        self.decides = any(shape[0] and not host.fargate
                           for shape, host in self._examples.items())
        self._verdicts: dict[tuple[_Shape, PortRange], HostVerdict] = {}

    def _add(self, host: _Host) -> _Shape:
        shape = _shape(host)
        self._examples.setdefault(shape, host)
        return shape

    def _verdict(self, shape: _Shape, wanted: PortRange) -> HostVerdict:
        found = self._verdicts.get((shape, wanted))
        if found is None:
            found = self._verdicts[(shape, wanted)] = self._judge(self._examples[shape],
                                                                  wanted)
        return found

    def _judge(self, host: _Host, wanted: PortRange) -> HostVerdict:
        instance = host.instance
        if host.fargate:
            return CLOSED
        if instance is None:
            return HostVerdict("unknown", "likely", f"{host.label}'s EC2 instance is not in "
                               "the AWS input", host.proof)
        admission = self._groups.internet_admission(
            (g.group_id for g in instance.security_groups), wanted)
        public = instance.public_ip_address
        where = f"{host.label} (instance {instance.instance_id}"
        v4, v6 = admission.first(4), admission.first(6)
        if public is not None and v4 is not None:
            return HostVerdict("open", "certain",
                               f"{where}, public IP {public}) admits {wanted} from {v4.cidr} "
                               f"through {v4.group_id}",
                               (*host.proof, f"{instance.arn}: PublicIpAddress="
                                f"{json_value(public)}", v4.evidence))
        if v6 is not None:
            return HostVerdict("unknown", "likely",
                               f"{where}) admits {wanted} from {v6.cidr} through "
                               f"{v6.group_id}, but whether it has an IPv6 address is not in "
                               "the input", (*host.proof, v6.evidence))
        if public is not None and admission.missing:
            return HostVerdict("unknown", "likely",
                               f"{where}, public IP {public}) has security groups not in the "
                               f"input ({', '.join(admission.missing)})",
                               (*host.proof, f"{instance.arn}: PublicIpAddress="
                                f"{json_value(public)}"))
        return CLOSED

    def best(self, shapes: Iterable[_Shape], wanted: PortRange) -> tuple[HostVerdict, bool]:
        """The most exposed verdict among some host shapes, and whether every one is open."""
        best, every = CLOSED, True
        for shape in shapes:
            verdict = self._verdict(shape, wanted)
            best = min(best, verdict, key=lambda v: v.rank)
            every = every and verdict.state == "open"
        return best, every and best.state == "open"

    def any_node(self, wanted: PortRange) -> HostVerdict:
        """The most exposed node of the cluster (every node serves a NodePort)."""
        return self.best(self._all_shapes, wanted)[0]

    def place(self, target: str, wanted: PortRange) -> tuple[HostVerdict, bool]:
        """Verdict for a placement target (a node id or a node pool id)."""
        parsed = ids.parse(target)
        if parsed.kind != "Node":
            return self.best(self._pool_shapes.get(parsed.name, ()), wanted)
        host = self._node_hosts.get(parsed.name)
        if host is None:
            return CLOSED, False
        # Judged as itself, not as the first node of its shape, so the reason names it.
        verdict = self._judge(host, wanted) \
            if self._verdict(_shape(host), wanted).state != "closed" else CLOSED
        return verdict, verdict.state == "open"


def _node_host(aws: AwsInventory, node: Node) -> _Host:
    proof = (f"{ids.k8s_id('Node', node.name)}: spec.providerID="
             f"{json_value(node.spec.provider_id)}",) if node.spec.provider_id else ()
    return _Host(f"node {node.name}", proof, aws.instance_for(node), is_fargate(node))
