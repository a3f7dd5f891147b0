"""net.reach-aws: a container opens a connection to an RDS database its security groups admit.

A pod's traffic leaves with security groups: those of the SecurityGroupPolicies selecting it
(security groups for pods, :mod:`riskgraph.models.sgp`), else those of its node's EC2
instance, else those of its node group's launch template. A template pod not bound to a
node may land on any node of its pools, so it carries each group set found there (``certain``
when they all carry one set, ``possible`` otherwise).

A database admits a group set on its port when an inbound rule of one of its groups covers
the port and names one of the set's groups (``certain``) or a CIDR: pod and node addresses
are not in the input, so ``0.0.0.0/0`` is ``certain`` and any other CIDR ``likely``. The
set's outbound rules must let the traffic out as well (to a CIDR, or to one of the
database's groups); when none of the set's groups is in the input, their egress is unknown
and the edge is ``likely``. A database whose groups are all missing is not judged.
Security groups are assumed to share the database's VPC.

Edges go container -> ``hub:net-reach-aws:sg/<sorted group ids>`` -> database ARN: one hub
per distinct group set, so they grow with containers plus sets x databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.inventory import Inventory
from riskgraph.models.aws import (
    IpPermission,
    RdsDatabase,
    SecurityGroup,
)
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._common import container_vertex, json_value
from riskgraph.techniques._exposure import PortRange, covers
from riskgraph.techniques._pod_groups import PodSources

CAPABILITY = "net-reach-aws"
#: Entering the hub is bookkeeping; the connection to the database is the step.
HUB_COST = 0.1
#: Default ports by engine prefix, for a database whose port is not in the input.
_ENGINE_PORTS = (("aurora-postgresql", 5432), ("postgres", 5432), ("aurora", 3306),
                 ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433))


class Admission(NamedTuple):
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


def _best(found: Iterable[Admission]) -> Admission | None:
    return min(found, key=lambda a: CONFIDENCE_ORDER.index(a.confidence), default=None)


def _rule_admits(group: SecurityGroup, direction: str, rules: list[IpPermission],
                 wanted: PortRange, peers: frozenset[str]) -> Iterator[Admission]:
    """Each rule of ``rules`` covering ``wanted`` that names one of ``peers`` or a CIDR."""
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
            [("Ipv6Ranges", n, r.cidr_ipv6) for n, r in enumerate(rule.ipv6_ranges)]
        for field, n, cidr in cidrs:
            sure: Confidence = "certain" if cidr.strip() == "0.0.0.0/0" else "likely"
            key = "CidrIp" if field == "IpRanges" else "CidrIpv6"
            yield Admission(sure, f"{group.group_id} admits {cidr} for {wanted}",
                            (f"{base}.{field}[{n}].{key}={json_value(cidr)}",))


def database_port(database: RdsDatabase) -> int | None:
    """The database's port, else its engine's default; None when neither is known."""
    if database.port is not None:
        return database.port
    engine = database.engine.lower()
    return next((port for prefix, port in _ENGINE_PORTS if engine.startswith(prefix)), None)


def admits(groups: Mapping[str, SecurityGroup], source: tuple[str, ...],
           database: RdsDatabase) -> Admission | None:
    """Whether traffic leaving with ``source`` groups gets into ``database`` on its port."""
    port = database_port(database)
    targets = [groups[g] for g in database.security_group_ids if g in groups]
    if port is None or not targets:
        return None
    wanted = PortRange("tcp", port, port)
    ingress = _best(a for g in targets for a in _rule_admits(
        g, "IpPermissions", g.ip_permissions, wanted, frozenset(source)))
    if ingress is None:
        return None
    senders = [groups[g] for g in source if g in groups]
    egress = _best(a for g in senders for a in _rule_admits(
        g, "IpPermissionsEgress", g.ip_permissions_egress, wanted,
        frozenset(database.security_group_ids)))
    if egress is None:
        if len(senders) == len(source):
            return None
        egress = Admission("likely", "the egress rules of some of its groups are not in "
                           "the input", ())
    return Admission(weakest(ingress.confidence, egress.confidence),
                     f"{ingress.reason}; outbound, {egress.reason}",
                     ingress.evidence + egress.evidence)


def find(inv: Inventory) -> Iterator[Edge]:
    aws = inv.aws
    if not aws.databases:
        return
    groups = {g.group_id: g for g in aws.security_groups}
    sources = PodSources(inv)
    reached: dict[tuple[str, ...], bool] = {}
    for pod in inv.pods:
        for source in sources.of(pod):
            hub = ids.hub_id(CAPABILITY, "sg/" + ",".join(source.groups))
            if source.groups not in reached:
                reached[source.groups] = False
                for database in aws.databases:
                    admission = admits(groups, source.groups, database)
                    if admission is not None:
                        reached[source.groups] = True
                        yield Edge(hub, database.arn,
                                   f"traffic with security groups {', '.join(source.groups)} "
                                   f"reaches RDS {database.identifier}: {admission.reason}",
                                   admission.evidence, admission.confidence)
            if not reached[source.groups]:
                continue
            for container in pod.spec.all_containers:
                yield Edge(container_vertex(pod, container), hub,
                           f"container {pod.name}/{container.name} connects with its pod's "
                           f"security groups: {source.reason}", source.evidence,
                           source.confidence, HUB_COST)


_DB_ARN = "arn:aws:rds:us-east-1:111122223333:db:payments-db"
_NODE_HUB = ids.hub_id(CAPABILITY, "sg/sg-0nodes")
_SGP_HUB = ids.hub_id(CAPABILITY, "sg/sg-0payments")
_API, _WORKER = "k8s:Container:shop/api/api", "k8s:Container:shop/worker/worker"

_ESTATE = """
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {nodeName: n1, containers: [{name: api, image: api}]}
---
kind: Pod
metadata: {name: worker, namespace: shop, labels: {app: worker}}
spec: {nodeName: n1, containers: [{name: worker, image: worker}]}
---
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  securityGroups: {groupIds: [sg-0payments]}
---
{"Reservations": [{"OwnerId": "111122223333", "Instances": [{
  "InstanceId": "i-0aaa1111bbbb2222c", "Placement": {"AvailabilityZone": "us-east-1a"},
  "SecurityGroups": [{"GroupId": "sg-0nodes"}]}]}]}
---
{"DBInstances": [{"DBInstanceIdentifier": "payments-db", "DBInstanceArn": "%s",
  "Engine": "postgres", "Endpoint": {"Address": "payments-db.example", "Port": 5432},
  "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0db", "Status": "active"}]}]}
---
{"SecurityGroups": [
  {"GroupId": "sg-0db", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": %d,
    "ToPort": %d, "UserIdGroupPairs": [{"GroupId": "%s"}]}]},
  {"GroupId": "sg-0nodes", "IpPermissionsEgress": [{"IpProtocol": "-1",
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
  {"GroupId": "sg-0payments", "IpPermissionsEgress": [{"IpProtocol": "-1",
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
"""


def _estate(admitted: str, port: int = 5432) -> str:
    return _ESTATE % (_DB_ARN, port, port, admitted)


TECHNIQUE = Technique(
    id="net.reach-aws",
    title="Container reaches an AWS database its security groups admit",
    severity="medium",
    mitre="T1210",
    remediation="Admit each database's port only from the security group of the pods that "
                "need it (security groups for pods), never from the node group or a VPC-wide "
                "CIDR.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "the database admits the group a SecurityGroupPolicy gives the api pod",
            _estate("sg-0payments"),
            frozenset({(_API, _SGP_HUB), (_SGP_HUB, _DB_ARN)}),
            {(_SGP_HUB, _DB_ARN): "certain", (_API, _SGP_HUB): "certain"},
        ),
        Example(
            "the database admits the node group: pods without a policy reach it",
            _estate("sg-0nodes"),
            frozenset({(_WORKER, _NODE_HUB), (_NODE_HUB, _DB_ARN)}),
            {(_NODE_HUB, _DB_ARN): "certain"},
        ),
        Example(
            "the database admits another group only",
            _estate("sg-0bastion"),
        ),
        Example(
            "the node group is admitted on another port",
            _estate("sg-0nodes", 3306),
        ),
    ),
)
