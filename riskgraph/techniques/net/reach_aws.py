"""net.reach-aws: a container opens a connection to a VPC service its security groups admit:
an RDS database, an ElastiCache cache cluster or serverless cache, an OpenSearch domain or a
Redshift cluster (:mod:`riskgraph.techniques.net._aws_endpoints` sees them all one way).

A pod's traffic leaves with security groups: those of the SecurityGroupPolicies selecting it
(security groups for pods, :mod:`riskgraph.models.sgp`), else those of its node's EC2
instance, else those of its node group's launch template. A template pod not bound to a
node may land on any node of its pools, so it carries each group set found there (``certain``
when they all carry one set, ``possible`` otherwise).

A service admits a group set on its port (the input's, else its engine's default: redis and
valkey 6379, memcached 11211, OpenSearch 443, Redshift 5439, ...) when an inbound rule of
one of its groups covers the port and names one of the set's groups (``certain``) or a CIDR:
pod and node addresses are not in the input, so ``0.0.0.0/0`` is ``certain`` and any other
CIDR ``likely`` (IPv6 ranges count on IPv6 clusters only, ``::/0`` then ``certain``). The
set's outbound rules must let the traffic out as well (to a CIDR, or to one of the
service's groups); when none of the set's groups is in the input, their egress is unknown
and the edge is ``likely``. A service whose groups are all missing is not judged, nor
is an OpenSearch domain outside any VPC (its access policy guards it, not the network).

Security-group references and addresses do not cross VPCs without peering or a transit
gateway, which riskgraph does not read: when the pods' VPC (the cluster's, else their
nodes', else their groups') and the service's (its own, else its groups') are both known and
differ, no edge is drawn, so a service reached over a peering connection is missed. When
either VPC is unknown, the two are assumed to be one.

Edges go container -> ``hub:net-reach-aws:sg/<sorted group ids>`` -> service ARN: one hub
per distinct group set, so they grow with containers plus sets x services.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.netpol.pod_network import ip_family
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import container_vertex
from riskgraph.techniques.net._aws_endpoints import Vpcs, admits, targets
from riskgraph.techniques.net._pod_groups import PodSources

CAPABILITY = "net-reach-aws"
#: Entering the hub is bookkeeping; the connection to the service is the step.
HUB_COST = 0.1


def find(inv: Inventory) -> Iterator[Edge]:
    aws = inv.aws
    reachable = targets(aws)
    if not reachable:
        return
    groups = {g.group_id: g for g in aws.security_groups}
    vpcs = Vpcs(aws, groups)
    ipv6 = ip_family(inv) == 6
    placed = [(t, vpcs.of_target(t)) for t in reachable]
    sources = PodSources(inv)
    reached: dict[tuple[str, ...], bool] = {}
    for pod in inv.pods:
        for source in sources.of(pod):
            hub = ids.hub_id(CAPABILITY, "sg/" + ",".join(source.groups))
            if source.groups not in reached:
                reached[source.groups] = False
                here = vpcs.of_source(source.groups)
                for target, there in placed:
                    if here and there and here != there:
                        continue
                    admission = admits(groups, source.groups, target, ipv6)
                    if admission is not None:
                        reached[source.groups] = True
                        yield Edge(hub, target.arn,
                                   f"traffic with security groups {', '.join(source.groups)} "
                                   f"reaches {target.label} on {target.port}: "
                                   f"{admission.reason}",
                                   admission.evidence, admission.confidence)
            if not reached[source.groups]:
                continue
            for container in pod.spec.all_containers:
                yield Edge(container_vertex(pod, container), hub,
                           Reason("container {}/{} connects with its pod's security groups: {}",
                                  pod.name, container.name, source.reason), source.evidence,
                           source.confidence, HUB_COST)


_ACCOUNT_REGION = "us-east-1:111122223333"
_DB_ARN = f"arn:aws:rds:{_ACCOUNT_REGION}:db:payments-db"
_CACHE_ARN = f"arn:aws:elasticache:{_ACCOUNT_REGION}:cluster:sessions"
_SERVERLESS_ARN = f"arn:aws:elasticache:{_ACCOUNT_REGION}:serverlesscache:carts"
_DOMAIN_ARN = f"arn:aws:es:{_ACCOUNT_REGION}:domain/logs"
_WAREHOUSE_ARN = f"arn:aws:redshift:{_ACCOUNT_REGION}:cluster:warehouse"
_NODE_HUB = ids.hub_id(CAPABILITY, "sg/sg-0nodes")
_SGP_HUB = ids.hub_id(CAPABILITY, "sg/sg-0payments")
_API, _WORKER = "k8s:Container:shop/api/api", "k8s:Container:shop/worker/worker"
_TARGET_GROUP = [{"SecurityGroupId": "sg-0target", "Status": "active"}]

#: One document per kind of service, each guarded by sg-0target (ports as the CLI prints).
_SERVICES = {
    "RDS": {"DBInstances": [{
        "DBInstanceIdentifier": "payments-db", "DBInstanceArn": _DB_ARN, "Engine": "postgres",
        "Endpoint": {"Address": "payments-db.example", "Port": 5432},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0target", "Status": "active"}]}]},
    "ElastiCache": {"CacheClusters": [{
        "CacheClusterId": "sessions", "ARN": _CACHE_ARN, "Engine": "redis",
        "SecurityGroups": _TARGET_GROUP, "CacheNodes": [{
            "CacheNodeId": "0001", "Endpoint": {"Address": "sessions.example", "Port": 6379}}]}]},
    "serverless": {"ServerlessCaches": [{
        "ServerlessCacheName": "carts", "ARN": _SERVERLESS_ARN, "Engine": "valkey",
        "SecurityGroupIds": ["sg-0target"]}]},  # no endpoint yet: valkey's 6379
    "OpenSearch": {"DomainStatusList": [{
        "DomainName": "logs", "ARN": _DOMAIN_ARN, "EngineVersion": "OpenSearch_2.13",
        "Endpoints": {"vpc": "vpc-logs.example"},
        "VPCOptions": {"VPCId": "vpc-0main", "SecurityGroupIds": ["sg-0target"]}}]},
    "Redshift": {"Clusters": [{
        "ClusterIdentifier": "warehouse", "VpcId": "vpc-0main",
        "ClusterNamespaceArn": f"arn:aws:redshift:{_ACCOUNT_REGION}:namespace:0f1e2d3c",
        "Endpoint": {"Address": "warehouse.example", "Port": 5439},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0target", "Status": "active"}]}]},
}
_PORTS = {"RDS": 5432, "ElastiCache": 6379, "serverless": 6379, "OpenSearch": 443,
          "Redshift": 5439}

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
  "VpcId": "vpc-0main", "SecurityGroups": [{"GroupId": "sg-0nodes"}]}]}]}
---
{"SecurityGroups": [
  {"GroupId": "sg-0target", "VpcId": "%s", "IpPermissions": [{"IpProtocol": "tcp",
    "FromPort": %d, "ToPort": %d, "UserIdGroupPairs": [{"GroupId": "%s"}]}]},
  {"GroupId": "sg-0nodes", "VpcId": "vpc-0main", "IpPermissionsEgress": [
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
  {"GroupId": "sg-0payments", "VpcId": "vpc-0main", "IpPermissionsEgress": [
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
---
"""


def _estate(service: str, admitted: str, port: int | None = None, vpc: str = "vpc-0main"
            ) -> str:
    """The shop estate with one ``service`` whose group admits ``admitted`` on ``port``."""
    port = _PORTS[service] if port is None else port
    return _ESTATE % (vpc, port, port, admitted) + json.dumps(_SERVICES[service])


def _through_nodes(target: str) -> frozenset[tuple[str, str]]:
    return frozenset({(_WORKER, _NODE_HUB), (_NODE_HUB, target)})


TECHNIQUE = Technique(
    id="net.reach-aws",
    title="Container reaches an AWS data service (database, cache, search, warehouse) its "
          "security groups admit",
    severity="medium",
    mitre="T1210",
    remediation="Admit each service's port only from the security group of the pods that "
                "need it (security groups for pods), never from the node group or a VPC-wide "
                "CIDR.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "the database admits the group a SecurityGroupPolicy gives the api pod",
            _estate("RDS", "sg-0payments"),
            frozenset({(_API, _SGP_HUB), (_SGP_HUB, _DB_ARN)}),
            {(_SGP_HUB, _DB_ARN): "certain", (_API, _SGP_HUB): "certain"},
        ),
        Example(
            "the database admits the node group: pods without a policy reach it",
            _estate("RDS", "sg-0nodes"), _through_nodes(_DB_ARN),
            {(_NODE_HUB, _DB_ARN): "certain"},
        ),
        Example("an ElastiCache cluster admits the node group on redis's port",
                _estate("ElastiCache", "sg-0nodes"), _through_nodes(_CACHE_ARN)),
        Example("a serverless valkey cache without an endpoint yet is judged on 6379",
                _estate("serverless", "sg-0nodes"), _through_nodes(_SERVERLESS_ARN)),
        Example("an OpenSearch domain in the VPC admits the node group on 443",
                _estate("OpenSearch", "sg-0nodes"), _through_nodes(_DOMAIN_ARN)),
        Example("a Redshift cluster admits the node group on 5439",
                _estate("Redshift", "sg-0nodes"), _through_nodes(_WAREHOUSE_ARN)),
        Example("the database admits another group only", _estate("RDS", "sg-0bastion")),
        Example("the node group is admitted on another port", _estate("RDS", "sg-0nodes", 3306)),
        Example("the cache's group is in another VPC: its reference to the node group does "
                "not reach the cluster's VPC without peering",
                _estate("ElastiCache", "sg-0nodes", vpc="vpc-0other")),
        Example("the OpenSearch domain is admitted on 9200, not on its 443",
                _estate("OpenSearch", "sg-0nodes", 9200)),
    ),
)
