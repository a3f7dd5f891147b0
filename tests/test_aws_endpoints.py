"""VPC network services (ElastiCache, OpenSearch, Redshift) read from CLI output files, shown
as data-store vertices, and reached by ``net.reach-aws`` only inside their VPC."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ingest import inventory_from_text, load_k8s
from queries.selectors import resolve_targets
from riskgraph import ids
from riskgraph.builder import build_graph
from riskgraph.techniques import Edge
from riskgraph.techniques.net import reach_aws as net_reach_aws

ACCOUNT = "111122223333"
CACHE = f"arn:aws:elasticache:us-east-1:{ACCOUNT}:cluster:sessions-001"
MEMCACHED = f"arn:aws:elasticache:us-east-1:{ACCOUNT}:cluster:pages"
SERVERLESS = f"arn:aws:elasticache:us-east-1:{ACCOUNT}:serverlesscache:carts"
DOMAIN = f"arn:aws:es:us-east-1:{ACCOUNT}:domain/logs"
PUBLIC_DOMAIN = f"arn:aws:es:us-east-1:{ACCOUNT}:domain/old-search"
WAREHOUSE = f"arn:aws:redshift:us-east-1:{ACCOUNT}:cluster:warehouse"
NODE_HUB = ids.hub_id("net-reach-aws", "sg/sg-nodes")
WORKER = "k8s:Container:shop/worker/worker"

CACHE_CLUSTERS = {"CacheClusters": [
    {"CacheClusterId": "sessions-001", "ARN": CACHE, "Engine": "redis",
     "ReplicationGroupId": "sessions", "CacheSubnetGroupName": "private",
     "SecurityGroups": [{"SecurityGroupId": "sg-cache", "Status": "active"},
                        {"SecurityGroupId": "sg-gone", "Status": "revoked"}],
     "CacheNodes": [{"CacheNodeId": "0001", "Endpoint": {
         "Address": "sessions-001.x.cache.amazonaws.com", "Port": 6380}}]},
    {"CacheClusterId": "pages", "ARN": MEMCACHED, "Engine": "memcached",
     "ConfigurationEndpoint": {"Address": "pages.cfg.cache.amazonaws.com", "Port": 11211},
     "SecurityGroups": [{"SecurityGroupId": "sg-cache", "Status": "active"}]},
    {"CacheClusterId": "no-arn", "Engine": "redis"}]}
SERVERLESS_CACHES = {"ServerlessCaches": [
    {"ServerlessCacheName": "carts", "ARN": SERVERLESS, "Engine": "valkey",
     "SecurityGroupIds": ["sg-cache"], "SubnetIds": ["subnet-1"],
     "Endpoint": {"Address": "carts.serverless.cache.amazonaws.com", "Port": 6379}},
    {"ServerlessCacheName": "bad", "ARN": SERVERLESS + "-bad", "Engine": "redis",
     "Endpoint": {"Port": "six"}}]}
DOMAINS = {"DomainStatusList": [
    {"DomainName": "logs", "ARN": DOMAIN, "EngineVersion": "OpenSearch_2.13",
     "Endpoints": {"vpc": "vpc-logs-abc.us-east-1.es.amazonaws.com"},
     "VPCOptions": {"VPCId": "vpc-main", "SubnetIds": ["subnet-1"],
                    "SecurityGroupIds": ["sg-search"]}},
    {"DomainName": "old-search", "ARN": PUBLIC_DOMAIN, "ElasticsearchVersion": "7.10",
     "Endpoint": "search-old-search-abc.us-east-1.es.amazonaws.com"}]}
REDSHIFT = {"Clusters": [
    {"ClusterIdentifier": "warehouse", "NodeType": "ra3.xlplus", "VpcId": "vpc-main",
     "ClusterNamespaceArn": f"arn:aws:redshift:us-east-1:{ACCOUNT}:namespace:5b7a1c2d",
     "Endpoint": {"Address": "warehouse.abc.us-east-1.redshift.amazonaws.com", "Port": 5439},
     "PubliclyAccessible": True,
     "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-warehouse", "Status": "active"}]},
    {"ClusterIdentifier": "no-namespace", "VpcId": "vpc-main"}]}


def files(tmp_path: Path, documents: dict[str, Any]) -> Path:
    for name, document in documents.items():
        (tmp_path / name).write_text(json.dumps(document))
    return tmp_path


def test_each_service_becomes_an_endpoint_and_bad_entries_are_named(tmp_path: Path) -> None:
    inv = load_k8s([files(tmp_path, {
        "elasticache-describe-cache-clusters.json": CACHE_CLUSTERS,
        "elasticache-describe-serverless-caches.json": SERVERLESS_CACHES,
        "opensearch-describe-domains.json": DOMAINS, "redshift-describe-clusters.json": REDSHIFT,
        "emr-list-clusters.json": {"Clusters": [{"Id": "j-1", "Name": "spark"}]}})])
    found = {e.arn: (e.service, e.kind, e.identifier, e.engine, e.address, e.port, e.vpc_id,
                     e.security_group_ids, e.publicly_accessible) for e in inv.aws.endpoints}
    assert found == {
        CACHE: ("ElastiCache", "cache cluster", "sessions-001", "redis",
                "sessions-001.x.cache.amazonaws.com", 6380, None, ["sg-cache"], False),
        MEMCACHED: ("ElastiCache", "cache cluster", "pages", "memcached",
                    "pages.cfg.cache.amazonaws.com", 11211, None, ["sg-cache"], False),
        SERVERLESS: ("ElastiCache", "serverless cache", "carts", "valkey",
                     "carts.serverless.cache.amazonaws.com", 6379, None, ["sg-cache"], False),
        DOMAIN: ("OpenSearch", "domain", "logs", "opensearch",
                 "vpc-logs-abc.us-east-1.es.amazonaws.com", 443, "vpc-main", ["sg-search"],
                 False),
        # Outside any VPC: public, no groups, so the network does not guard it.
        PUBLIC_DOMAIN: ("OpenSearch", "domain", "old-search", "elasticsearch",
                        "search-old-search-abc.us-east-1.es.amazonaws.com", 443, None, [],
                        True),
        WAREHOUSE: ("Redshift", "cluster", "warehouse", "redshift",
                    "warehouse.abc.us-east-1.redshift.amazonaws.com", 5439, "vpc-main",
                    ["sg-warehouse"], True)}
    problems = {(Path(p.source).name, p.obj): p.message for p in inv.problems}
    assert problems[("elasticache-describe-cache-clusters.json", "ElastiCache cluster no-arn")
                    ] == "CacheClusters[2]: no ARN; skipped"
    assert "ServerlessCaches[1].Port" in problems[(
        "elasticache-describe-serverless-caches.json", "ElastiCache serverless cache bad")]
    assert problems[("redshift-describe-clusters.json", "Redshift cluster no-namespace")] == \
        "Clusters[1]: no ClusterNamespaceArn; skipped"
    # Another service's "Clusters" is not taken for Redshift's.
    assert any(source == "emr-list-clusters.json" and "no 'kind'" in message
               for (source, _), message in problems.items())
    assert {ids.parse(arn).kind for arn in found} == {
        "ElastiCacheCluster", "ElastiCacheServerlessCache", "OpenSearchDomain",
        "RedshiftCluster"}


def test_endpoints_are_data_store_vertices(tmp_path: Path) -> None:
    inv = load_k8s([files(tmp_path, {"a.json": CACHE_CLUSTERS, "b.json": REDSHIFT,
                                     "c.json": DOMAINS})])
    graph = build_graph(inv)
    assert graph.nodes[CACHE]["crown_jewel"] == "data-store"
    assert (graph.nodes[WAREHOUSE]["kind"], graph.nodes[WAREHOUSE]["port"],
            graph.nodes[WAREHOUSE]["publicly_accessible"]) == ("RedshiftCluster", 5439, True)
    assert {CACHE, MEMCACHED, DOMAIN, PUBLIC_DOMAIN, WAREHOUSE} <= resolve_targets(
        graph, "data-store")


def test_rds_instance_takes_its_vpc_from_the_subnet_group() -> None:
    inv = inventory_from_text("---\n" + json.dumps({"DBInstances": [
        {"DBInstanceIdentifier": "orders", "Engine": "postgres",
         "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders",
         "DBSubnetGroup": {"DBSubnetGroupName": "private", "VpcId": "vpc-main"}},
        {"DBInstanceIdentifier": "classic", "Engine": "mysql",
         "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:classic"}]}))
    assert [(d.identifier, d.vpc_id) for d in inv.aws.databases] == [
        ("orders", "vpc-main"), ("classic", None)]


# Reaching them, VPC by VPC -------------------------------------------------------------


def estate(cache_vpc: str | None, *, instance_vpc: str | None = None,
           cluster_vpc: str | None = None, cache: dict[str, Any] | None = None) -> str:
    """A worker pod on a node with sg-nodes; a redis cluster whose sg-cache admits sg-nodes."""
    instance: dict[str, Any] = {"InstanceId": "i-0aaa1111bbbb2222c",
                                "Placement": {"AvailabilityZone": "us-east-1a"},
                                "SecurityGroups": [{"GroupId": "sg-nodes"}]}
    if instance_vpc:
        instance["VpcId"] = instance_vpc
    documents: list[dict[str, Any]] = [
        {"Reservations": [{"OwnerId": ACCOUNT, "Instances": [instance]}]},
        {"SecurityGroups": [
            {"GroupId": "sg-cache", **({"VpcId": cache_vpc} if cache_vpc else {}),
             "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379,
                                "UserIdGroupPairs": [{"GroupId": "sg-nodes"}]}]},
            {"GroupId": "sg-nodes", "IpPermissionsEgress": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]},
        cache or {"CacheClusters": [{"CacheClusterId": "sessions-001", "ARN": CACHE,
                                     "Engine": "redis", "SecurityGroups": [
                                         {"SecurityGroupId": "sg-cache"}]}]}]
    if cluster_vpc:
        documents.append({"cluster": {
            "name": "prod", "arn": f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/prod",
            "resourcesVpcConfig": {"vpcId": cluster_vpc}}})
    return """
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-0aaa1111bbbb2222c"}
---
kind: Pod
metadata: {name: worker, namespace: shop}
spec: {nodeName: n1, containers: [{name: worker, image: worker}]}
""" + "".join("---\n" + json.dumps(d) + "\n" for d in documents)


def run(text: str) -> list[Edge]:
    inv = inventory_from_text(text)
    assert not inv.problems, [str(p) for p in inv.problems]
    return list(net_reach_aws.find(inv))


def test_reason_names_the_service_kind_engine_and_port() -> None:
    [into_hub, reach] = sorted(run(estate("vpc-main", instance_vpc="vpc-main")),
                               key=lambda e: e.target != NODE_HUB)
    assert (into_hub.source, into_hub.target, reach.source, reach.target) == (
        WORKER, NODE_HUB, NODE_HUB, CACHE)
    assert reach.reason.startswith("traffic with security groups sg-nodes reaches "
                                   "ElastiCache cache cluster sessions-001 (redis) on 6379: "
                                   "sg-cache names sg-nodes")


def test_another_vpc_is_out_of_reach_and_an_unknown_vpc_is_not() -> None:
    # The node's instance says vpc-main; the cache's group is in vpc-other.
    assert run(estate("vpc-other", instance_vpc="vpc-main")) == []
    # The cluster's VPC speaks for every pod, before the instance's.
    assert run(estate("vpc-other", instance_vpc="vpc-other", cluster_vpc="vpc-main")) == []
    assert len(run(estate("vpc-main", instance_vpc="vpc-other", cluster_vpc="vpc-main"))) == 2
    # Either side unknown: assumed to be one VPC, as before VPCs were read.
    assert len(run(estate(None, instance_vpc="vpc-main"))) == 2
    assert len(run(estate("vpc-other"))) == 2


def test_an_endpoint_names_its_own_vpc_before_its_groups() -> None:
    domain = {"DomainStatusList": [{"DomainName": "logs", "ARN": DOMAIN, "VPCOptions": {
        "VPCId": "vpc-other", "SecurityGroupIds": ["sg-cache"]}}]}
    open_domain = json.loads(json.dumps(domain).replace("6379", "443"))
    text = estate("vpc-main", instance_vpc="vpc-main", cache=open_domain)
    assert run(text.replace('"FromPort": 6379, "ToPort": 6379',
                            '"FromPort": 443, "ToPort": 443')) == []
    same = text.replace("vpc-other", "vpc-main").replace(
        '"FromPort": 6379, "ToPort": 6379', '"FromPort": 443, "ToPort": 443')
    assert {e.target for e in run(same)} == {NODE_HUB, DOMAIN}


def test_public_domain_without_groups_is_not_judged() -> None:
    public = {"DomainStatusList": [{"DomainName": "old-search", "ARN": PUBLIC_DOMAIN,
                                    "Endpoint": "search-old-search.example"}]}
    assert run(estate("vpc-main", cache=public)) == []


def test_many_endpoints_share_the_hub() -> None:
    caches = {"CacheClusters": [
        {"CacheClusterId": f"c{i}", "ARN": f"{CACHE}-{i}", "Engine": "redis",
         "SecurityGroups": [{"SecurityGroupId": "sg-cache"}]} for i in range(500)]}
    pods = "".join(f"""---
kind: Pod
metadata: {{name: p{i}, namespace: shop}}
spec: {{nodeName: n1, containers: [{{name: app, image: app}}]}}
""" for i in range(500))
    inv = inventory_from_text(estate("vpc-main", instance_vpc="vpc-main", cache=caches) + pods)
    started = time.perf_counter()
    edges = list(net_reach_aws.find(inv))
    assert time.perf_counter() - started < 2.0
    assert len(edges) == 501 + 500  # containers into the one hub, the hub to each cache


def test_ipv6_ranges_admit_pods_of_ipv6_clusters_only() -> None:
    # The cache admits ::/0 alone (no group reference): IPv4 pods and nodes have no IPv6
    # address, so only an IPv6 cluster's pods get in, and then for certain.
    only_ipv6 = estate("vpc-main", cluster_vpc="vpc-main").replace(
        '"UserIdGroupPairs": [{"GroupId": "sg-nodes"}]', '"Ipv6Ranges": [{"CidrIpv6": "::/0"}]')
    assert run(only_ipv6) == []
    ipv6_cluster = only_ipv6.replace(
        '"resourcesVpcConfig"', '"kubernetesNetworkConfig": {"ipFamily": "ipv6"}, '
        '"resourcesVpcConfig"')
    reach = [e for e in run(ipv6_cluster) if e.target == CACHE]
    assert [(e.source, e.confidence) for e in reach] == [(NODE_HUB, "certain")]
    assert "sg-cache admits ::/0 for tcp/6379" in reach[0].reason
