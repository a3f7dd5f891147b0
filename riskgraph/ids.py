"""Vertex identifiers: built from API identity, never invented (see DESIGN.md).

>>> k8s_id("Pod", "web", "shop")
'k8s:Pod:shop/web'
>>> k8s_id("ClusterRole", "view")
'k8s:ClusterRole:view'
>>> parse("k8s:Container:shop/web/nginx")
VertexIdentity(kind='Container', namespace='shop', name='web/nginx')
>>> parse(hub_id("pods-exec", ns_scope("shop")))
VertexIdentity(kind='Hub', namespace='shop', name='pods-exec:ns/shop')
>>> parse("arn:aws:iam::111122223333:role/eks/batch-sa-role")
VertexIdentity(kind='IAMRole', namespace=None, name='batch-sa-role')
>>> parse("arn:aws:s3:::payments-exports")
VertexIdentity(kind='S3Bucket', namespace=None, name='payments-exports')
>>> parse("arn:aws:sts::111122223333:assumed-role/deploy/ci-session").name
'deploy'
"""

from __future__ import annotations

from typing import NamedTuple

INTERNET = "internet"
CLUSTER_ADMIN = "k8s:ClusterAdmin"
ANY_POOL = "any"
CLUSTER_SCOPE = "cluster"
#: The prefix of every node id (a placement on a node, not on a pool).
NODE_PREFIX = "k8s:Node:"

#: Kubernetes kinds whose objects are not namespaced (their id has no ``<ns>/`` part).
CLUSTER_SCOPED_KINDS = frozenset(
    {"Node", "Namespace", "ClusterRole", "ClusterRoleBinding", "NodePool", "User", "Group",
     "PersistentVolume", "CertificateSigningRequest"}
)


class VertexIdentity(NamedTuple):
    """What a vertex id says about the object behind it."""

    kind: str
    namespace: str | None
    name: str


#: (service, resource type) of an ARN -> the vertex kind riskgraph gives it.
_ARN_KINDS = {
    ("iam", "role"): "IAMRole", ("iam", "user"): "IAMUser", ("iam", "group"): "IAMGroup",
    ("iam", "policy"): "IAMPolicy", ("iam", "oidc-provider"): "OIDCProvider",
    ("iam", "instance-profile"): "InstanceProfile", ("sts", "assumed-role"): "IAMRole",
    ("s3", ""): "S3Bucket", ("secretsmanager", "secret"): "SecretsManagerSecret",
    ("ssm", "parameter"): "SSMParameter", ("kms", "key"): "KMSKey",
    ("ecr", "repository"): "ECRRepository", ("ec2", "instance"): "EC2Instance",
    ("eks", "cluster"): "EKSCluster", ("dynamodb", "table"): "DynamoDBTable",
    ("rds", "db"): "RDSInstance", ("rds", "cluster"): "RDSCluster",
    ("elasticache", "cluster"): "ElastiCacheCluster",
    ("elasticache", "serverlesscache"): "ElastiCacheServerlessCache",
    ("es", "domain"): "OpenSearchDomain", ("redshift", "cluster"): "RedshiftCluster",
}


#: IAM kinds whose ARN puts an IAM path before the name (``role/eks/batch``).
_PATHED_KINDS = frozenset({"IAMRole", "IAMUser", "IAMGroup", "IAMPolicy", "InstanceProfile"})


def admin_id(account: str) -> str:
    """Id of the full administrative power over one AWS account."""
    return f"aws:Admin:{account}"


def arn_parts(arn: str) -> tuple[str, str, str] | None:
    """(service, resource type, the rest) of an ARN; None when it is not one.

    >>> arn_parts("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-1a2b")
    ('secretsmanager', 'secret', 'prod/db-1a2b')
    >>> arn_parts("arn:aws:s3:::exports")
    ('s3', '', 'exports')
    """
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, resource = parts[2], parts[5]
    # The resource type ends at the first "/" or ":" ("secret:prod/db", "role/path/name").
    cut = min((i for i in (resource.find("/"), resource.find(":")) if i >= 0), default=-1)
    return (service, resource[:cut], resource[cut + 1:]) if cut >= 0 else (service, "", resource)


def _parse_arn(arn: str) -> VertexIdentity:
    found = arn_parts(arn)
    if found is None:
        return VertexIdentity("AWS", None, arn)
    service, kind_part, rest = found
    kind = _ARN_KINDS.get((service, kind_part), "AWS")
    if kind == "AWS":
        return VertexIdentity(kind, None, arn)
    if service == "ssm":
        return VertexIdentity(kind, None, "/" + rest.lstrip("/") if "/" in rest else rest)
    if service == "sts":  # assumed-role/<role>/<session>: the role
        return VertexIdentity(kind, None, rest.split("/", 1)[0])
    if kind in _PATHED_KINDS:  # the name follows the IAM path
        return VertexIdentity(kind, None, rest.rsplit("/", 1)[-1])
    return VertexIdentity(kind, None, rest)


def k8s_id(kind: str, name: str, namespace: str | None = None) -> str:
    """Id of a Kubernetes object: ``k8s:<Kind>:<ns>/<name>`` or ``k8s:<Kind>:<name>``."""
    if namespace is None or kind in CLUSTER_SCOPED_KINDS:
        return f"k8s:{kind}:{name}"
    return f"k8s:{kind}:{namespace}/{name}"


def container_id(namespace: str, pod: str, container: str) -> str:
    """Id of one container of a pod (or of a workload template's pod)."""
    return f"k8s:Container:{namespace}/{pod}/{container}"


def user_id(name: str) -> str:
    """Id of a Kubernetes user as RBAC subjects name it."""
    return f"k8s:User:{name}"


def group_id(name: str) -> str:
    """Id of a Kubernetes group as RBAC subjects name it."""
    return f"k8s:Group:{name}"


def node_pool_id(name: str) -> str:
    """Id of a node pool: the nodes that share the labels and taints that decide placement."""
    return f"k8s:NodePool:{name}"


def ns_scope(namespace: str) -> str:
    """The scope part of a hub id for one namespace."""
    return f"ns/{namespace}"


def hub_id(capability: str, scope: str) -> str:
    """Id of the aggregation hub of one capability in one scope (``cluster`` or ``ns/<ns>``)."""
    return f"hub:{capability}:{scope}"


def parse(vertex_id: str) -> VertexIdentity:
    """Recover kind, namespace and name from a vertex id.

    ARNs of the resources riskgraph models get a kind of their own (``IAMRole``, ``S3Bucket``,
    ...) and their short name; other ARNs come back as ``"AWS"``, unknown shapes as
    ``"Unknown"``.
    """
    if vertex_id == INTERNET:
        return VertexIdentity("Internet", None, "internet")
    if vertex_id == CLUSTER_ADMIN:
        return VertexIdentity("ClusterAdmin", None, "cluster-admin")
    if vertex_id.startswith("hub:"):
        _, capability, scope = vertex_id.split(":", 2)
        namespace = scope[3:] if scope.startswith("ns/") else None
        return VertexIdentity("Hub", namespace, f"{capability}:{scope}")
    if vertex_id.startswith("arn:"):
        return _parse_arn(vertex_id)
    if vertex_id.startswith("aws:Admin:"):
        return VertexIdentity("AWSAdmin", None, vertex_id.removeprefix("aws:Admin:"))
    if vertex_id.startswith("k8s:"):
        _, kind, rest = vertex_id.split(":", 2)
        if kind in CLUSTER_SCOPED_KINDS or "/" not in rest:
            return VertexIdentity(kind, None, rest)
        namespace, name = rest.split("/", 1)
        return VertexIdentity(kind, namespace, name)
    return VertexIdentity("Unknown", None, vertex_id)
