"""The network services of the synthetic AWS account, and the security groups guarding
them: ElastiCache clusters and serverless caches, OpenSearch domains and Redshift clusters,
most in the cluster's VPC and some in a second VPC.

In the cluster's VPC about half admit the node group's security group on their port (so
every pod on a node reaches them), a quarter the VPC's CIDR and a quarter only an
application group no node carries; in the other VPC they admit the node group too, a
reference that does not cross VPCs. The node group's own security group is not described
(the account's other numbers stay as they were), so its egress is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench._aws_data import DataStores
from bench._iam_docs import arn
from bench._plan import ACCOUNT, REGION, TEAMS

#: How many of each service the account holds.
CACHE_CLUSTERS, SERVERLESS_CACHES, DOMAINS, WAREHOUSES = 200, 40, 60, 20
#: The share of services in the second VPC.
OTHER_VPC_SHARE = 0.2


class Endpoints(DataStores):
    """The documents of the account's VPC network services."""

    def endpoints(self) -> Iterator[Iterator[str]]:
        cluster_vpc = self.vpc
        other_vpc = f"vpc-0{self.hex(64)}"
        groups: list[dict[str, Any]] = []

        def guard(name: str, port: int) -> tuple[str, str]:
            """A new security group for one service: its id and the VPC it is in."""
            vpc = other_vpc if self.rng.random() < OTHER_VPC_SHARE else cluster_vpc
            draw = self.rng.random()
            peer: dict[str, Any] = {"UserIdGroupPairs": [{"GroupId": self.node_sg,
                                                          "UserId": ACCOUNT}]}
            if vpc == cluster_vpc and draw >= 0.5:
                peer = {"IpRanges": [{"CidrIp": "10.0.0.0/16"}]} if draw < 0.75 else {
                    "UserIdGroupPairs": [{"GroupId": f"sg-0{self.hex(64)}", "UserId": ACCOUNT}]}
            group = f"sg-0{self.hex(64)}"
            groups.append({
                "GroupId": group, "GroupName": name, "Description": f"{name} clients",
                "OwnerId": ACCOUNT, "VpcId": vpc,
                "IpPermissions": [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                                   "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                                   "UserIdGroupPairs": [], **peer}],
                "IpPermissionsEgress": []})
            return group, vpc

        caches, serverless, domains, warehouses = [], [], [], []
        for i in range(CACHE_CLUSTERS):
            name = f"{TEAMS[i % len(TEAMS)]}-cache-{i:03d}"
            engine, port = ("memcached", 11211) if i % 5 == 0 else ("redis", 6379)
            group, _ = guard(name, port)
            caches.append({
                "CacheClusterId": name, "ARN": arn("elasticache", f"cluster:{name}"),
                "CacheNodeType": "cache.r6g.large", "Engine": engine,
                "CacheClusterStatus": "available", "NumCacheNodes": 1,
                "CacheClusterCreateTime": self.when(),
                "CacheNodes": [{"CacheNodeId": "0001", "Endpoint": {
                    "Address": f"{name}.abc123.0001.use1.cache.amazonaws.com", "Port": port}}],
                "SecurityGroups": [{"SecurityGroupId": group, "Status": "active"}]})
        for i in range(SERVERLESS_CACHES):
            name = f"{TEAMS[i % len(TEAMS)]}-serverless-{i:02d}"
            group, _ = guard(name, 6379)
            serverless.append({
                "ServerlessCacheName": name, "Engine": "valkey", "Status": "available",
                "ARN": arn("elasticache", f"serverlesscache:{name}"),
                "CreateTime": self.when(), "SecurityGroupIds": [group],
                "Endpoint": {"Address": f"{name}-abc123.serverless.use1.cache.amazonaws.com",
                             "Port": 6379}})
        for i in range(DOMAINS):
            name = f"{TEAMS[i % len(TEAMS)]}-search-{i:02d}"
            group, vpc = guard(name, 443)
            domains.append({
                "DomainId": f"{ACCOUNT}/{name}", "DomainName": name,
                "ARN": arn("es", f"domain/{name}"), "Created": True, "Deleted": False,
                "EngineVersion": "OpenSearch_2.13",
                "Endpoints": {"vpc": f"vpc-{name}-{self.hex(64)}.{REGION}.es.amazonaws.com"},
                "VPCOptions": {"VPCId": vpc, "SecurityGroupIds": [group]}})
        for i in range(WAREHOUSES):
            name = f"{TEAMS[i % len(TEAMS)]}-warehouse-{i:02d}"
            group, vpc = guard(name, 5439)
            warehouses.append({
                "ClusterIdentifier": name, "NodeType": "ra3.xlplus",
                "ClusterStatus": "available", "VpcId": vpc, "PubliclyAccessible": False,
                "ClusterNamespaceArn": arn("redshift", f"namespace:{self.uuid()}"),
                "Endpoint": {"Address": f"{name}.abc123.{REGION}.redshift.amazonaws.com",
                             "Port": 5439},
                "VpcSecurityGroups": [{"VpcSecurityGroupId": group, "Status": "active"}]})
        yield self.document([("CacheClusters", caches)])
        yield self.document([("ServerlessCaches", serverless)])
        yield self.document([("DomainStatusList", domains)])
        yield self.document([("Clusters", warehouses)])
        yield self.document([("SecurityGroups", groups)])
