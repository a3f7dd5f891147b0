"""Vertices of the attack graph and their attributes.

Every vertex has ``kind``, ``name``, ``namespace``, ``labels``, ``entry`` (an attacker can
start here) and ``crown_jewel`` (the target class it belongs to, or None).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from riskgraph import ids
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.inventory import Inventory
from riskgraph.estate.replicas import controller_of
from riskgraph.models import ObjectMeta, Pod, RoleBinding
from riskgraph.models.aws import SsmParameter

SENSITIVE_KEY = "riskgraph.io/sensitive"

PLATFORM_PREFIXES = ("system:", "eks:")
PLATFORM_NAMES = frozenset({"aws-node"})
AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"

SECRET = "secret"
CLUSTER_ADMIN = "cluster-admin"
SENSITIVE_WORKLOAD = "sensitive-workload"
AWS_ADMIN = "aws-admin"
DATA_STORE = "data-store"

#: The crown-jewel class of each AWS resource kind (an SSM parameter only when SecureString).
AWS_CROWN_JEWELS = {
    "SecretsManagerSecret": SECRET, "S3Bucket": DATA_STORE, "ECRRepository": DATA_STORE,
    "KMSKey": DATA_STORE, "DynamoDBTable": DATA_STORE, "RDSInstance": DATA_STORE,
    "RDSCluster": DATA_STORE, "ElastiCacheCluster": DATA_STORE,
    "ElastiCacheServerlessCache": DATA_STORE, "OpenSearchDomain": DATA_STORE,
    "RedshiftCluster": DATA_STORE, "AWSAdmin": AWS_ADMIN,
}

_EMPTY: dict[str, str] = {}


def vertex_attrs(
    vertex_id: str,
    labels: dict[str, str] | None = None,
    *,
    entry: bool = False,
    crown_jewel: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The attribute dict of a vertex, kind, name and namespace taken from its id."""
    identity = ids.parse(vertex_id)
    return {"kind": identity.kind, "name": identity.name, "namespace": identity.namespace,
            "labels": labels if labels is not None else _EMPTY, "entry": entry,
            "crown_jewel": crown_jewel, **extra}


def _marked_sensitive(meta: ObjectMeta | None) -> bool:
    if meta is None:
        return False
    return "true" in (meta.labels.get(SENSITIVE_KEY), meta.annotations.get(SENSITIVE_KEY))


def is_sensitive(inv: Inventory, pod: Pod) -> bool:
    """A workload is sensitive when it, its controller or its namespace is marked so."""
    namespace = inv.namespace(pod.metadata.namespace or "default")
    return (_marked_sensitive(pod.metadata) or _marked_sensitive(pod.workload_metadata)
            or _marked_sensitive(namespace.metadata if namespace else None))


def is_platform_default(binding: RoleBinding) -> bool:
    """Bindings the platform installs and owns: the API server's bootstrap policy
    (``system:*``, auto-updated) and EKS's own (``eks:*``, the VPC CNI's ``aws-node``).

    They stay in the graph, since their steps are real, but can be filtered out.
    """
    return (binding.name.startswith(PLATFORM_PREFIXES) or binding.name in PLATFORM_NAMES
            or binding.metadata.annotations.get(AUTOUPDATE_ANNOTATION) == "true")


def add_inventory_vertices(graph: nx.MultiDiGraph, inv: Inventory) -> None:
    """Add a vertex for every object an attacker step can start or end at."""
    graph.add_node(ids.INTERNET, **vertex_attrs(ids.INTERNET, entry=True))
    graph.add_node(ids.CLUSTER_ADMIN, **vertex_attrs(ids.CLUSTER_ADMIN, crown_jewel=CLUSTER_ADMIN))
    for pod in inv.pods:
        ns = pod.metadata.namespace or "default"
        pod_id = ids.k8s_id("Pod", pod.name, ns)
        owner = None if pod.template_of else controller_of(pod.metadata)
        extra: dict[str, Any] = {"template_of": pod.template_of} if pod.template_of else \
            {"owner": owner} if owner else {}
        count: dict[str, Any] = {"replica_count": len(pod.replicas)} if pod.replicas else {}
        if pod.replicas:
            extra.update(replicas=pod.replicas, **count)
        graph.add_node(pod_id, **vertex_attrs(
            pod_id, pod.metadata.labels,
            crown_jewel=SENSITIVE_WORKLOAD if is_sensitive(inv, pod) else None, **extra))
        for container in pod.spec.all_containers:
            cid = ids.container_id(ns, pod.name, container.name)
            graph.add_node(cid, **vertex_attrs(cid, name=container.name, pod=pod.name,
                                               image=container.image, **count))
    for sa in inv.service_accounts:
        sa_id = ids.k8s_id("ServiceAccount", sa.name, sa.namespace)
        graph.add_node(sa_id, **vertex_attrs(sa_id, sa.metadata.labels))
    for secret in inv.secrets:
        secret_id = ids.k8s_id("Secret", secret.name, secret.namespace)
        graph.add_node(secret_id, **vertex_attrs(secret_id, secret.metadata.labels,
                                                 crown_jewel=SECRET, type=secret.type))
    for service in inv.services:
        svc_id = ids.k8s_id("Service", service.name, service.namespace)
        graph.add_node(svc_id, **vertex_attrs(svc_id, service.metadata.labels,
                                              type=service.spec.type))
    for ingress in inv.ingresses:
        ing_id = ids.k8s_id("Ingress", ingress.name, ingress.namespace)
        graph.add_node(ing_id, **vertex_attrs(ing_id, ingress.metadata.labels))
    for binding in inv.bindings:
        b_id = ids.k8s_id(binding.kind, binding.name, binding.namespace)
        graph.add_node(b_id, **vertex_attrs(
            b_id, binding.metadata.labels,
            role=f"{binding.role_ref.kind}/{binding.role_ref.name}",
            platform_default=is_platform_default(binding)))
    for pool in inv.node_pools.values():
        pool_id = ids.node_pool_id(pool.name)
        graph.add_node(pool_id, **vertex_attrs(pool_id, pool.labels, nodes=len(pool.nodes),
                                               taints=[str(t) for t in pool.taints]))
        for node in pool.nodes:
            node_id = ids.k8s_id("Node", node.name)
            graph.add_node(node_id, **vertex_attrs(node_id, node.metadata.labels,
                                                   pool=pool.name))


def _aws_crown_jewel(kind: str, parameter_type: str | None = None) -> str | None:
    if kind == "SSMParameter":
        return SECRET if parameter_type in (None, "SecureString") else None
    return AWS_CROWN_JEWELS.get(kind)


def add_aws_vertices(graph: nx.MultiDiGraph, aws: AwsInventory) -> None:
    """Add the IAM principals, data stores, databases, network services (ElastiCache,
    OpenSearch, Redshift) and account admin powers of the AWS input."""
    for account in sorted(aws.accounts):
        admin = ids.admin_id(account)
        graph.add_node(admin, **vertex_attrs(admin, crown_jewel=AWS_ADMIN, account=account))
    for principal in aws.principals:
        graph.add_node(principal.arn, **vertex_attrs(
            principal.arn, {t.key: t.value for t in principal.tags}, account=principal.account))
    for resource in aws.data_resources:
        kind = ids.parse(resource.arn).kind
        parameter_type = resource.type if isinstance(resource, SsmParameter) else None
        graph.add_node(resource.arn, **vertex_attrs(
            resource.arn, crown_jewel=_aws_crown_jewel(kind, parameter_type)))
    for database in aws.databases:
        graph.add_node(database.arn, **vertex_attrs(
            database.arn, crown_jewel=_aws_crown_jewel(ids.parse(database.arn).kind),
            engine=database.engine, port=database.port,
            publicly_accessible=database.publicly_accessible))
    for endpoint in aws.endpoints:
        graph.add_node(endpoint.arn, **vertex_attrs(
            endpoint.arn, crown_jewel=_aws_crown_jewel(ids.parse(endpoint.arn).kind),
            engine=endpoint.engine, port=endpoint.port,
            publicly_accessible=endpoint.publicly_accessible))


def complete_vertices(graph: nx.MultiDiGraph) -> None:
    """Give vertices that edges created (hubs, groups, unread secrets, AWS principals named
    only in a policy or aws-auth) their attributes."""
    for vertex_id, attrs in graph.nodes(data=True):
        if "kind" not in attrs:
            kind = ids.parse(vertex_id).kind
            crown = SECRET if vertex_id.startswith("k8s:Secret:") else \
                _aws_crown_jewel(kind)
            attrs.update(vertex_attrs(vertex_id, crown_jewel=crown, observed=False))


#: Capability hubs that stand for objects of a target class: when such a hub leads to no
#: object of the input, it is itself a target ("any secret in namespace shop"), so the
#: power shows even when the input holds none of those objects.
CAPABILITY_TARGETS = {"secrets-read": (SECRET, "any secret")}


def mark_capability_targets(graph: nx.MultiDiGraph) -> None:
    """Make each capability hub of :data:`CAPABILITY_TARGETS` without successors a target
    of its class, with ``stands_for`` saying what it means."""
    for vertex_id, attrs in graph.nodes(data=True):
        if not vertex_id.startswith("hub:") or graph.out_degree(vertex_id):
            continue
        _, capability, scope = vertex_id.split(":", 2)
        jewel = CAPABILITY_TARGETS.get(capability)
        if jewel is not None:
            where = "cluster-wide" if scope == ids.CLUSTER_SCOPE else \
                f"in namespace {scope.removeprefix('ns/')}"
            attrs.update(crown_jewel=jewel[0], stands_for=f"{jewel[1]} {where}")
