"""What ``net.reach-aws`` judges: every network service inside a VPC (RDS databases, and the
ElastiCache, OpenSearch and Redshift endpoints) seen one way, which VPC each side of a
connection is in, and whether security-group rules let the connection through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.models.aws import IpPermission, RdsDatabase, SecurityGroup, ServiceEndpoint
from riskgraph.techniques._shared.common import json_value
from riskgraph.techniques.net._exposure import PortRange, covers

#: Default ports by engine prefix, for a target whose port is not in the input (the longer
#: prefix first: ``aurora-postgresql`` before ``aurora``).
ENGINE_PORTS = (("aurora-postgresql", 5432), ("postgres", 5432), ("aurora", 3306),
                ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433),
                ("redis", 6379), ("valkey", 6379), ("memcached", 11211),
                ("opensearch", 443), ("elasticsearch", 443), ("redshift", 5439))


class Target(NamedTuple):
    """A network service pods may open connections to, guarded by its security groups."""

    arn: str
    #: How reasons name it: ``ElastiCache cache cluster sessions (redis)``.
    label: str
    port: int | None
    security_group_ids: tuple[str, ...]
    vpc_id: str | None


def default_port(engine: str) -> int | None:
    """The port an engine listens on unless told otherwise.

    >>> default_port("aurora-postgresql"), default_port("valkey"), default_port("db2")
    (5432, 6379, None)
    """
    engine = engine.lower()
    return next((port for prefix, port in ENGINE_PORTS if engine.startswith(prefix)), None)


def _database(database: RdsDatabase) -> Target:
    return Target(database.arn, f"RDS {database.kind} {database.identifier} "
                  f"({database.engine or 'engine unknown'})",
                  database.port if database.port is not None else default_port(database.engine),
                  tuple(database.security_group_ids), database.vpc_id)


def _endpoint(endpoint: ServiceEndpoint) -> Target:
    engine = endpoint.engine or endpoint.service
    shown = f" ({engine})" if engine.lower() != endpoint.service.lower() else ""
    return Target(endpoint.arn, f"{endpoint.service} {endpoint.kind} {endpoint.identifier}"
                  f"{shown}", endpoint.port if endpoint.port is not None else
                  default_port(engine), tuple(endpoint.security_group_ids), endpoint.vpc_id)


def targets(aws: AwsInventory) -> list[Target]:
    """The RDS databases and service endpoints of the input, as targets."""
    return [*map(_database, aws.databases), *map(_endpoint, aws.endpoints)]


def _one(found: Iterable[str | None]) -> str | None:
    """The single VPC ``found`` names, else None (none, or several)."""
    distinct = {v for v in found if v}
    return distinct.pop() if len(distinct) == 1 else None


class Vpcs:
    """Which VPC each side of a connection is in.

    Traffic leaving with a group set is in the EKS cluster's VPC, else in the VPC of the
    instances that carry exactly that set, else in its groups' VPC; a target is in its own
    VPC, else in its groups'. None when the input does not say (or says several).
    """

    def __init__(self, aws: AwsInventory, groups: Mapping[str, SecurityGroup]) -> None:
        self._groups = groups
        cluster = aws.cluster
        self._cluster = cluster.resources_vpc_config.vpc_id if cluster is not None else None
        by_set: dict[tuple[str, ...], set[str]] = {}
        for instance in aws.instances:
            if instance.vpc_id:
                key = tuple(sorted(g.group_id for g in instance.security_groups))
                by_set.setdefault(key, set()).add(instance.vpc_id)
        self._instances = by_set

    def _of_groups(self, group_ids: Iterable[str]) -> str | None:
        return _one(self._groups[g].vpc_id for g in group_ids if g in self._groups)

    def of_source(self, group_ids: tuple[str, ...]) -> str | None:
        """The VPC traffic leaving with ``group_ids`` (sorted) is in."""
        if self._cluster:
            return self._cluster
        return _one(self._instances.get(group_ids, ())) or self._of_groups(group_ids)

    def of_target(self, target: Target) -> str | None:
        """The VPC ``target`` is in."""
        return target.vpc_id or self._of_groups(target.security_group_ids)


#: CIDRs that admit every address.
_ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})


class Admission(NamedTuple):
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


def _best(found: Iterable[Admission]) -> Admission | None:
    return min(found, key=lambda a: CONFIDENCE_ORDER.index(a.confidence), default=None)


def _rule_admits(group: SecurityGroup, direction: str, rules: list[IpPermission],
                 wanted: PortRange, peers: frozenset[str], ipv6: bool) -> Iterator[Admission]:
    """Each rule of ``rules`` covering ``wanted`` that names one of ``peers`` or a CIDR.
    IPv6 ranges count only for an IPv6 cluster (``ipv6``): an IPv4 cluster's pods and nodes
    have no IPv6 address, while an IPv6 cluster's pods reach IPv4 services through their
    node's IPv4 address."""
    for index, rule in enumerate(rules):
        if not covers(rule, wanted):
            continue
        base = f"{group.group_id}: {direction}[{index}]"
        for n, pair in enumerate(rule.user_id_group_pairs):
            if pair.group_id in peers:
                yield Admission("certain", f"{group.group_id} names {pair.group_id} for "
                                f"{wanted}", (f"{base}.UserIdGroupPairs[{n}].GroupId="
                                              f"{json_value(pair.group_id)}",))
        cidrs = [("IpRanges", n, r.cidr_ip) for n, r in enumerate(rule.ip_ranges)] + \
            [("Ipv6Ranges", n, r.cidr_ipv6) for n, r in enumerate(rule.ipv6_ranges) if ipv6]
        for field, n, cidr in cidrs:
            sure: Confidence = "certain" if cidr.strip() in _ANYWHERE else "likely"
            key = "CidrIp" if field == "IpRanges" else "CidrIpv6"
            yield Admission(sure, f"{group.group_id} admits {cidr} for {wanted}",
                            (f"{base}.{field}[{n}].{key}={json_value(cidr)}",))


def admits(groups: Mapping[str, SecurityGroup], source: tuple[str, ...],
           target: Target, ipv6: bool) -> Admission | None:
    """Whether traffic leaving with ``source`` groups gets into ``target`` on its port: an
    inbound rule of the target's groups and an outbound rule of the source's (``likely``
    when the source's groups are not all in the input and none of those present lets it
    out). None when the port or all of the target's groups are unknown."""
    receivers = [groups[g] for g in target.security_group_ids if g in groups]
    if target.port is None or not receivers:
        return None
    wanted = PortRange("tcp", target.port, target.port)
    ingress = _best(a for g in receivers for a in _rule_admits(
        g, "IpPermissions", g.ip_permissions, wanted, frozenset(source), ipv6))
    if ingress is None:
        return None
    senders = [groups[g] for g in source if g in groups]
    egress = _best(a for g in senders for a in _rule_admits(
        g, "IpPermissionsEgress", g.ip_permissions_egress, wanted,
        frozenset(target.security_group_ids), ipv6))
    if egress is None:
        if len(senders) == len(source):
            return None
        egress = Admission("likely", "the egress rules of some of its groups are not in "
                           "the input", ())
    return Admission(weakest(ingress.confidence, egress.confidence),
                     f"{ingress.reason}; outbound, {egress.reason}",
                     ingress.evidence + egress.evidence)
