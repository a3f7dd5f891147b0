"""The handlers of the network services pods connect to inside a VPC: ElastiCache cache
clusters and serverless caches, OpenSearch (and Elasticsearch) domains, Redshift clusters.
Each CLI shape is mapped onto :class:`~riskgraph.models.aws.ServiceEndpoint`.

Every resource is validated on its own: a bad one becomes a problem naming the source, the
resource and the field, and the rest of the document is still read.

- ``elasticache describe-cache-clusters`` (``CacheClusters``; the address is the
  ``ConfigurationEndpoint`` of a Memcached cluster, else the first node's ``Endpoint``,
  given with ``--show-cache-node-info``). The output names the cluster's subnet group, not
  its VPC: the VPC is its security groups'.
- ``elasticache describe-serverless-caches`` (``ServerlessCaches``).
- ``opensearch describe-domains`` and ``es describe-elasticsearch-domains``
  (``DomainStatusList``), on port 443. A domain without ``VPCOptions`` has a public
  endpoint and no security groups: it is kept as a data store marked publicly accessible,
  which ``net.reach-aws`` does not judge (its access policy, not the network, guards it).
- ``redshift describe-clusters`` (``Clusters``): the output carries no cluster ARN, so it
  is built as ``arn:<partition>:redshift:<region>:<account>:cluster:<id>`` from the
  partition, region and account of ``ClusterNamespaceArn``. Other services print a
  ``Clusters`` list too (EMR, DAX, MemoryDB): a list whose entries have no
  ``ClusterIdentifier`` is not read as Redshift's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ingest._aws_document import AwsDocument, name_of
from riskgraph.models.aws import ServiceEndpoint

#: Port of every OpenSearch Service domain endpoint (HTTPS).
OPENSEARCH_PORT = 443
#: Security group membership states that no longer guard the resource.
_GONE = frozenset({"revoked", "removing", "inactive"})


def _read(d: AwsDocument, key: str, value: Any, label: str, names: tuple[str, ...],
          required: tuple[str, ...],
          fields: Callable[[dict[str, Any]], dict[str, Any]]) -> bool:
    """Each entry of the list under ``key``: ``required`` fields checked (a problem names
    the first missing), then ``fields(entry)`` mapped onto a ServiceEndpoint."""
    for index, data in enumerate(d.items(key, value)):
        where = f"{key}[{index}]"
        what = name_of(data, label, names, where)
        if isinstance(data, dict):
            missing = [f for f in required if not isinstance(data.get(f), str) or not data[f]]
            if missing:
                d.problem(f"{where}: no {' or '.join(missing)}; skipped", what)
                continue
            data = fields(data)
        endpoint = d.model(ServiceEndpoint, data, where, what)
        if endpoint is not None:
            d.out.endpoints.append(endpoint)
    return True


def _address(endpoint: Any) -> dict[str, Any]:
    """``Address`` and ``Port`` of an ``Endpoint`` object, those present."""
    if not isinstance(endpoint, dict):
        return {}
    return {k: endpoint[k] for k in ("Address", "Port") if endpoint.get(k) is not None}


def _member_groups(groups: Any, key: str) -> list[Any]:
    """Group ids of a membership list (``[{"SecurityGroupId": ..., "Status": ...}]``)."""
    if not isinstance(groups, list):
        return []
    return [g[key] for g in groups if isinstance(g, dict) and isinstance(g.get(key), str)
            and str(g.get("Status", "active")).lower() not in _GONE]


def _cache_cluster(data: dict[str, Any]) -> dict[str, Any]:
    nodes = data.get("CacheNodes")
    first = nodes[0].get("Endpoint") if isinstance(nodes, list) and nodes \
        and isinstance(nodes[0], dict) else None
    return {"Service": "ElastiCache", "Kind": "cache cluster", "Arn": data["ARN"],
            "Identifier": data["CacheClusterId"], "Engine": data.get("Engine") or "",
            "SecurityGroupIds": _member_groups(data.get("SecurityGroups"), "SecurityGroupId"),
            **_address(data.get("ConfigurationEndpoint") or first)}


def cache_clusters(d: AwsDocument, key: str, value: Any) -> bool:
    """elasticache describe-cache-clusters."""
    return _read(d, key, value, "ElastiCache cluster", ("CacheClusterId", "ARN"),
                 ("CacheClusterId", "ARN"), _cache_cluster)


def _serverless_cache(data: dict[str, Any]) -> dict[str, Any]:
    return {"Service": "ElastiCache", "Kind": "serverless cache", "Arn": data["ARN"],
            "Identifier": data["ServerlessCacheName"], "Engine": data.get("Engine") or "",
            "SecurityGroupIds": data.get("SecurityGroupIds"),
            **_address(data.get("Endpoint"))}


def serverless_caches(d: AwsDocument, key: str, value: Any) -> bool:
    """elasticache describe-serverless-caches."""
    return _read(d, key, value, "ElastiCache serverless cache", ("ServerlessCacheName", "ARN"),
                 ("ServerlessCacheName", "ARN"), _serverless_cache)


def _domain(data: dict[str, Any]) -> dict[str, Any]:
    vpc = data.get("VPCOptions")
    vpc = vpc if isinstance(vpc, dict) and (vpc.get("VPCId") or vpc.get("SecurityGroupIds")) \
        else None
    endpoints = data.get("Endpoints")
    inside = endpoints.get("vpc") if isinstance(endpoints, dict) else None
    version = str(data.get("EngineVersion") or "")
    engine = "elasticsearch" if "ElasticsearchVersion" in data \
        or version.startswith("Elasticsearch") else "opensearch"
    return {"Service": "OpenSearch", "Kind": "domain", "Arn": data["ARN"],
            "Identifier": data["DomainName"], "Engine": engine, "Port": OPENSEARCH_PORT,
            "Address": inside or data.get("Endpoint"), "PubliclyAccessible": vpc is None,
            **({"VpcId": vpc.get("VPCId"), "SecurityGroupIds": vpc.get("SecurityGroupIds")}
               if vpc is not None else {})}


def domains(d: AwsDocument, key: str, value: Any) -> bool:
    """opensearch describe-domains, es describe-elasticsearch-domains."""
    return _read(d, key, value, "OpenSearch domain", ("DomainName", "ARN"),
                 ("DomainName", "ARN"), _domain)


def _redshift_arn(data: dict[str, Any]) -> str:
    partition, _, region, account = data["ClusterNamespaceArn"].split(":")[1:5]
    return f"arn:{partition}:redshift:{region}:{account}:cluster:{data['ClusterIdentifier']}"


def _redshift_cluster(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "Service": "Redshift", "Kind": "cluster", "Identifier": data["ClusterIdentifier"],
        "Engine": "redshift", "VpcId": data.get("VpcId"),
        "PubliclyAccessible": data.get("PubliclyAccessible") or False,
        "SecurityGroupIds": _member_groups(data.get("VpcSecurityGroups"),
                                           "VpcSecurityGroupId"),
        **_address(data.get("Endpoint"))}
    if data["ClusterNamespaceArn"].count(":") >= 5:
        found["Arn"] = _redshift_arn(data)
    return found


def redshift_clusters(d: AwsDocument, key: str, value: Any) -> bool:
    """redshift describe-clusters; False for another service's ``Clusters`` list."""
    if isinstance(value, list) and value and not any(
            isinstance(c, dict) and "ClusterIdentifier" in c for c in value):
        return False
    return _read(d, key, value, "Redshift cluster", ("ClusterIdentifier",),
                 ("ClusterIdentifier", "ClusterNamespaceArn"), _redshift_cluster)
