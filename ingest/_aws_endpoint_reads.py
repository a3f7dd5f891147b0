"""What riskgraph reads of the AWS services whose endpoints pods may reach
(``net.reach-aws``): RDS, ElastiCache, OpenSearch and Redshift, as the documents
``aws ... --output json`` prints (see ``ingest.aws_live``).
"""

from __future__ import annotations

from typing import Any

from ingest._aws_calls import Calls
from ingest._aws_reads import NOT_FOUND, Documents

__all__ = ["databases", "endpoints"]

_DOMAINS_PER_CALL = 5  # opensearch describe-domains takes at most five names


def databases(calls: Calls, region: str) -> Documents:
    """RDS instances and clusters: endpoints, ports and security groups (``net.reach-aws``)."""
    for name, key, what in (("describe_db_instances", "DBInstances", "RDS DB instances"),
                            ("describe_db_clusters", "DBClusters", "RDS DB clusters")):
        operation = calls.operation("rds", name, region, what)
        for page in operation.pages(key):
            yield operation.source, page


def endpoints(calls: Calls, region: str) -> Documents:
    """ElastiCache clusters (with their nodes' endpoints) and serverless caches, OpenSearch
    domains (Elasticsearch ones too) and Redshift clusters: ports, VPCs and security groups
    (``net.reach-aws``)."""
    lists: tuple[tuple[str, str, str, str, dict[str, Any]], ...] = (
        ("elasticache", "describe_cache_clusters", "CacheClusters", "ElastiCache clusters",
         {"ShowCacheNodeInfo": True}),
        ("elasticache", "describe_serverless_caches", "ServerlessCaches",
         "ElastiCache serverless caches", {}),
        ("redshift", "describe_clusters", "Clusters", "Redshift clusters", {}))
    for service, name, key, what, params in lists:
        operation = calls.operation(service, name, region, what)
        for page in operation.pages(key, **params):
            yield operation.source, page
    listing = calls.operation("opensearch", "list_domain_names", region, "OpenSearch domains")
    names = [d["DomainName"] for d in (listing.call() or {}).get("DomainNames") or ()]
    describe = calls.operation("opensearch", "describe_domains", region, "OpenSearch domains",
                               NOT_FOUND)
    for start in range(0, len(names), _DOMAINS_PER_CALL):
        batch = names[start:start + _DOMAINS_PER_CALL]
        document = describe.call(", ".join(batch), DomainNames=batch)
        if document is not None:
            yield describe.source, document
