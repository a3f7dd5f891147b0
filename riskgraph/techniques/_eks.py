"""What the EKS bridges share: the identity EKS gives an IAM principal inside the cluster.

EKS authenticates an IAM caller and hands Kubernetes a user name and groups, taken from an
access entry or from the ``kube-system/aws-auth`` ConfigMap. Node identities
(``system:node:{{EC2PrivateDNSName}}`` and the like) stay templates until a real node
signs in, so they lead to group ``system:nodes`` only. Every authenticated caller is also
in group ``system:authenticated``; that membership is an edge only when some binding names
the group, as for ``rbac.bound``.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.inventory import Inventory
from riskgraph.models.aws import EksCluster
from riskgraph.techniques import Edge
from riskgraph.techniques._common import json_value
from riskgraph.techniques._rbac_hubs import HUB_COST, Target, pod_runner_targets, pod_targets

NODES_GROUP = "system:nodes"
AUTHENTICATED = "system:authenticated"
SESSION_NAME = "{{SessionName}}"
_ACCOUNT_ID = "{{AccountID}}"
_NODE_USER_PREFIX = "system:node:"
#: Access entry types of node roles; EKS names their users after the node.
NODE_ENTRY_TYPES = frozenset({"EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX",
                              "EC2"})


def arn_fields(arn: str) -> list[str]:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``, split (six fields)."""
    fields = arn.split(":", 5)
    return fields + [""] * (6 - len(fields))


def is_role(arn: str) -> bool:
    """Whether an IAM ARN names a role (not a user)."""
    return arn_fields(arn)[5].startswith("role/")


def without_path(arn: str) -> str:
    """A role ARN as a role session names it: without the role's IAM path.

    >>> without_path("arn:aws:iam::111122223333:role/team/ci")
    'arn:aws:iam::111122223333:role/ci'
    """
    prefix, sep, rest = arn.partition(":role/")
    return f"{prefix}{sep}{rest.rsplit('/', 1)[-1]}" if sep else arn


def default_username(principal_arn: str, entry_type: str = "STANDARD") -> str:
    """The user name EKS gives an access entry that names none.

    >>> default_username("arn:aws:iam::111122223333:role/team/ci")
    'arn:aws:sts::111122223333:assumed-role/ci/{{SessionName}}'
    >>> default_username("arn:aws:iam::111122223333:user/alice")
    'arn:aws:iam::111122223333:user/alice'
    """
    if entry_type in ("EC2_LINUX", "EC2_WINDOWS", "EC2"):
        return _NODE_USER_PREFIX + "{{EC2PrivateDNSName}}"
    if entry_type in NODE_ENTRY_TYPES:
        return _NODE_USER_PREFIX + SESSION_NAME
    if not is_role(principal_arn):
        return principal_arn
    _, partition, _, _, account, resource = arn_fields(principal_arn)
    name = resource.rsplit("/", 1)[-1]
    return f"arn:{partition}:sts::{account}:assumed-role/{name}/{SESSION_NAME}"


def cluster_account(cluster: EksCluster) -> str:
    """The account id of an EKS cluster, from its ARN."""
    return arn_fields(cluster.arn)[4]


def cluster_region(cluster: EksCluster) -> str:
    """The region of an EKS cluster, from its ARN."""
    return arn_fields(cluster.arn)[3]


def bound_groups(inv: Inventory) -> frozenset[str]:
    """Every group some (Cluster)RoleBinding names as a subject."""
    return frozenset(subject.name for binding in inv.bindings for subject in binding.subjects
                     if subject.kind == "Group")


def bound_users(inv: Inventory) -> frozenset[str]:
    """Every user name some (Cluster)RoleBinding names as a subject."""
    return frozenset(subject.name for binding in inv.bindings for subject in binding.subjects
                     if subject.kind == "User")


def is_node_user(username: str) -> bool:
    """Whether a user name is a node's (``system:node:<template>``): no one user vertex."""
    return username.startswith(_NODE_USER_PREFIX)


def identity_edges(
    principal: str,
    username: str | None,
    groups: tuple[str, ...],
    how: str,
    evidence: tuple[str, ...],
    named_groups: frozenset[str],
    confidence: Confidence = "certain",
) -> Iterator[Edge]:
    """Edges from an IAM principal to the Kubernetes user and groups it authenticates as.

    Parameters
    ----------
    principal
        The IAM role or user ARN.
    username
        The user name (templates kept but ``{{AccountID}}``, which is filled in); a node
        user name leads to no user vertex.
    groups
        The groups (``{{AccountID}}`` filled in); ``system:nodes`` for a node user name
        even when not listed.
    how
        Completes "... authenticates ... through <how>" (the access entry, the map entry).
    evidence
        The fields that make the mapping.
    named_groups
        The groups bindings name: ``system:authenticated`` is joined only when in it.
    confidence
        Of every edge (``likely`` when the cluster may not read the mapping).
    """
    account = arn_fields(principal)[4]
    wanted: dict[str, str] = {}
    if username and not is_node_user(username):
        name = username.replace(_ACCOUNT_ID, account)
        wanted[ids.user_id(name)] = f"user {name}"
    node = username is not None and is_node_user(username)
    for written in (*groups, *((NODES_GROUP,) if node else ())):
        group = written.replace(_ACCOUNT_ID, account)
        wanted[ids.group_id(group)] = f"group {group}"
    if AUTHENTICATED in named_groups:
        wanted.setdefault(ids.group_id(AUTHENTICATED), f"group {AUTHENTICATED}")
    for target, what in wanted.items():
        yield Edge(principal, target,
                   f"{principal} authenticates to the cluster as {what} through {how}",
                   evidence, confidence)


# Access policies ------------------------------------------------------------------------

CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
_SECRETS, _PODS, _EXEC, _CONFIGMAPS = "secrets", "pods", "exec", "configmaps"
#: What each access policy allows that leads somewhere, from the EKS access policy
#: reference: the admin and edit policies read and write secrets, create pods and pod
#: controllers (as any service account of the namespace), exec into pods and write
#: ConfigMaps; the admin-view and secret-reader policies read secrets. AmazonEKSViewPolicy
#: reads neither secrets nor anything else an attacker step needs.
POLICY_POWERS: dict[str, tuple[str, frozenset[str]]] = {
    CLUSTER_ADMIN_POLICY: ("cluster-admin", frozenset({_SECRETS, _PODS, _EXEC, _CONFIGMAPS})),
    "AmazonEKSAdminPolicy": ("admin", frozenset({_SECRETS, _PODS, _EXEC, _CONFIGMAPS})),
    "AmazonEKSEditPolicy": ("edit", frozenset({_SECRETS, _PODS, _EXEC, _CONFIGMAPS})),
    "AmazonEKSAdminViewPolicy": ("admin-view", frozenset({_SECRETS})),
    "AmazonEKSSecretReaderPolicy": ("secret-reader", frozenset({_SECRETS})),
}
AWS_AUTH_NAMESPACE, AWS_AUTH_NAME = "kube-system", "aws-auth"


class PolicyGrant(NamedTuple):
    """An access policy associated with a principal; ``namespaces`` None: the cluster."""

    principal: str
    policy: str
    namespaces: tuple[str, ...] | None
    evidence: tuple[str, ...]


class _Reach(NamedTuple):
    vertex: str
    reason: str
    evidence: tuple[str, ...]
    confidence: Confidence


def _hub(policy: str, scope: str) -> str:
    return ids.hub_id(f"eks-access-{POLICY_POWERS[policy][0]}", scope)


def _aws_auth_reach(inv: Inventory, cluster: EksCluster, who: str) -> list[_Reach]:
    """Writing ConfigMap kube-system/aws-auth maps any IAM role to ``system:masters``."""
    if not cluster.reads_aws_auth:
        return []
    present = any(cm.name == AWS_AUTH_NAME and cm.metadata.namespace == AWS_AUTH_NAMESPACE
                  for cm in inv.config_maps)
    return [_Reach(ids.CLUSTER_ADMIN,
                   f"{who} can edit ConfigMap {AWS_AUTH_NAMESPACE}/{AWS_AUTH_NAME}, which "
                   f"cluster {cluster.name} reads, and map an IAM role to group system:masters",
                   (f"{cluster.arn}: accessConfig.authenticationMode="
                    f"{json_value(cluster.access_config.authentication_mode)}",),
                   "certain" if present else "likely")]


def _reach(inv: Inventory, cluster: EksCluster, policy: str, namespace: str) -> list[_Reach]:
    """What one access policy reaches in one namespace."""
    powers = POLICY_POWERS[policy][1]
    who = f"whoever holds {policy} in namespace {namespace}"
    found: list[_Reach] = []
    if _SECRETS in powers:
        found.extend(_Reach(ids.k8s_id("Secret", s.name, namespace),
                            f"{who} reads secret {namespace}/{s.name}", (), "certain")
                     for s in inv.secrets_in(namespace))
    targets: list[Target] = []
    if _PODS in powers:
        targets.extend(pod_runner_targets(inv, namespace, who))
    if _EXEC in powers:
        targets.extend(pod_targets(inv, namespace, who, "execs into"))
    found.extend(_Reach(t.vertex, t.reason, t.evidence, "certain") for t in targets)
    if _CONFIGMAPS in powers and namespace == AWS_AUTH_NAMESPACE:
        found.extend(_aws_auth_reach(inv, cluster, who))
    return found


def _in_scope(patterns: tuple[str, ...], known: list[str]) -> list[str]:
    """The namespaces an access scope names; ``dev-*`` matches known namespaces."""
    found: dict[str, None] = {}
    for pattern in patterns:
        if "*" in pattern:
            found.update((ns, None) for ns in known if fnmatchcase(ns, pattern))
        else:
            found[pattern] = None
    return list(found)


def policy_edges(inv: Inventory, cluster: EksCluster,
                 grants: list[PolicyGrant]) -> Iterator[Edge]:
    """Principal -> ``hub:eks-access-<policy>:<scope>`` -> what the policy reaches there.

    ``AmazonEKSClusterAdminPolicy`` on the whole cluster goes straight to cluster admin. A
    cluster-wide grant of another policy enters ``...:cluster``, which leads to each
    namespace's hub. A hub is entered, and fans out, only when its scope holds something
    the policy reaches; policies that reach nothing (view) have no hub.
    """
    known = sorted({*inv.namespace_names, AWS_AUTH_NAMESPACE})
    cache: dict[tuple[str, str], list[_Reach]] = {}

    def reach(policy: str, namespace: str) -> list[_Reach]:
        if (policy, namespace) not in cache:
            cache[(policy, namespace)] = _reach(inv, cluster, policy, namespace)
        return cache[(policy, namespace)]

    entered: dict[tuple[str, str], None] = {}
    cluster_wide: dict[str, None] = {}
    for grant in grants:
        if grant.policy == CLUSTER_ADMIN_POLICY and grant.namespaces is None:
            yield Edge(grant.principal, ids.CLUSTER_ADMIN,
                       f"the access entry of {grant.principal} in cluster {cluster.name} is "
                       f"associated with {grant.policy} on the whole cluster: cluster admin",
                       grant.evidence)
            continue
        if grant.policy not in POLICY_POWERS:
            continue
        if grant.namespaces is None:
            if not any(reach(grant.policy, ns) for ns in known):
                continue
            cluster_wide[grant.policy] = None
            hubs = [(ids.CLUSTER_SCOPE, "the whole cluster")]
        else:
            names = [ns for ns in _in_scope(grant.namespaces, known) if reach(grant.policy, ns)]
            entered.update(((grant.policy, ns), None) for ns in names)
            hubs = [(ids.ns_scope(ns), f"namespace {ns}") for ns in names]
        for scope, where in hubs:
            yield Edge(grant.principal, _hub(grant.policy, scope),
                       f"the access entry of {grant.principal} in cluster {cluster.name} is "
                       f"associated with {grant.policy} on {where}", grant.evidence)
    for policy in cluster_wide:
        for namespace in known:
            if reach(policy, namespace):
                entered[(policy, namespace)] = None
                yield Edge(_hub(policy, ids.CLUSTER_SCOPE), _hub(policy, ids.ns_scope(namespace)),
                           f"{policy} on the whole cluster applies in namespace {namespace}",
                           (), "certain", HUB_COST)
    for policy, namespace in entered:
        for found in reach(policy, namespace):
            yield Edge(_hub(policy, ids.ns_scope(namespace)), found.vertex, found.reason,
                       found.evidence, found.confidence, HUB_COST)
