"""What the EKS bridges share: the identity EKS gives an IAM principal inside the cluster.

EKS authenticates an IAM caller and hands Kubernetes a user name and groups, taken from an
access entry or from the ``kube-system/aws-auth`` ConfigMap. Node identities
(``system:node:{{EC2PrivateDNSName}}`` and the like) stay templates until a real node
signs in, so they lead to group ``system:nodes`` only. Every authenticated caller is also
in group ``system:authenticated``; that membership is an edge only when some binding names
the group, as for ``rbac.bound``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatchcase
from functools import partial
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws import EksCluster
from riskgraph.techniques import Edge
from riskgraph.techniques._shared.common import json_value
from riskgraph.techniques._shared.rbac_hubs import HUB_COST, Target, pod_runner_targets, pod_targets
from riskgraph.techniques._shared.rbac_rules import POD_CREATORS, home_namespace
from riskgraph.techniques._shared.rbac_rules import grants as binding_grants

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
AWS_AUTH_NAMESPACE, AWS_AUTH_NAME = "kube-system", "aws-auth"


def _secret_targets(inv: Inventory, namespace: str, who: str) -> Iterator[Target]:
    for secret in inv.secrets_in(namespace):
        yield Target(ids.k8s_id("Secret", secret.name, namespace), secret.name,
                     f"{who} reads secret {namespace}/{secret.name}")


class Power(NamedTuple):
    """What an access policy allows that an RBAC grant gives too: the policy enters the
    hubs of ``rbac.<capability>``, which a binding enters when its role allows any of
    ``verbs`` on any of ``resources``."""

    capability: str
    verbs: tuple[str, ...]
    resources: tuple[str, ...]
    doing: str
    targets: Callable[[Inventory, str, str], Iterable[Target]]


# Verbs and resources as each rbac.* technique asks for them: where a binding holds such a
# grant, that technique draws the hub's fan-out and this module must not draw it again.
SECRETS_READ = Power("secrets-read", ("get", "list", "watch"), ("secrets",), "read secrets",
                     _secret_targets)
CREATE_POD = Power("create-pod", ("create",), POD_CREATORS, "create pods", pod_runner_targets)
PODS_EXEC = Power("pods-exec", ("create", "get"), ("pods/exec",), "exec into pods",
                  partial(pod_targets, does="execs into"))
_WRITER_POWERS = (SECRETS_READ, CREATE_POD, PODS_EXEC)
#: What each access policy allows that leads somewhere, from the EKS access policy
#: reference: the admin and edit policies read secrets, create pods and pod controllers
#: (as any service account of the namespace) and exec into pods; the admin-view and
#: secret-reader policies read secrets. AmazonEKSViewPolicy reads nothing an attacker
#: step needs.
POLICY_POWERS: dict[str, tuple[Power, ...]] = {
    CLUSTER_ADMIN_POLICY: _WRITER_POWERS,
    "AmazonEKSAdminPolicy": _WRITER_POWERS,
    "AmazonEKSEditPolicy": _WRITER_POWERS,
    "AmazonEKSAdminViewPolicy": (SECRETS_READ,),
    "AmazonEKSSecretReaderPolicy": (SECRETS_READ,),
}
#: The policies that write ConfigMaps, kube-system/aws-auth among them.
CONFIG_MAP_WRITERS = frozenset({CLUSTER_ADMIN_POLICY, "AmazonEKSAdminPolicy",
                                "AmazonEKSEditPolicy"})


class PolicyGrant(NamedTuple):
    """An access policy associated with a principal; ``namespaces`` None: the cluster."""

    principal: str
    policy: str
    namespaces: tuple[str, ...] | None
    evidence: tuple[str, ...]


def _in_scope(patterns: tuple[str, ...], known: list[str]) -> list[str]:
    """The namespaces an access scope names; ``dev-*`` matches known namespaces."""
    found: dict[str, None] = {}
    for pattern in patterns:
        if "*" in pattern:
            found.update((ns, None) for ns in known if fnmatchcase(ns, pattern))
        else:
            found[pattern] = None
    return list(found)


class _Hubs:
    """The ``rbac.*`` hubs access policies enter; their fan-out where no binding enters
    them, so that the ``rbac.*`` technique leaves it undrawn."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.namespaces = inv.namespace_names  # computed per call by the Inventory
        self.entered: dict[tuple[Power, str | None], None] = {}  # scope None: the cluster
        self._targets: dict[tuple[Power, str], list[Target]] = {}

    def targets(self, power: Power, namespace: str) -> list[Target]:
        if (power, namespace) not in self._targets:
            self._targets[(power, namespace)] = list(power.targets(
                self.inv, namespace, f"whoever can {power.doing} in namespace {namespace}"))
        return self._targets[(power, namespace)]

    def enter(self, power: Power, namespaces: list[str] | None) -> list[str | None]:
        """The scopes (None: the cluster) of ``namespaces`` that hold a target."""
        if namespaces is not None:
            scopes: list[str | None] = [ns for ns in namespaces if self.targets(power, ns)]
        else:
            scopes = [None] if any(self.targets(power, ns) for ns in self.namespaces) else []
        self.entered.update(((power, scope), None) for scope in scopes)
        return scopes

    def fan_out(self) -> Iterator[Edge]:
        """Cluster hub -> namespace hubs -> targets, as
        ``riskgraph.techniques._shared.rbac_hubs.hub_edges``."""
        for power in dict.fromkeys(power for power, _ in self.entered):
            by_bindings = {home_namespace(g.binding) for g in binding_grants(
                self.inv, power.verbs, power.resources) if g.names is None}
            if None in by_bindings:
                continue  # a ClusterRoleBinding enters the cluster hub: RBAC fans out all
            fanned = {scope for p, scope in self.entered if p is power and scope is not None}
            if (power, None) in self.entered:
                for namespace in self.namespaces:
                    if self.targets(power, namespace):
                        fanned.add(namespace)
                        yield Edge(ids.hub_id(power.capability, ids.CLUSTER_SCOPE),
                                   ids.hub_id(power.capability, ids.ns_scope(namespace)),
                                   f"a cluster-wide grant to {power.doing} applies in "
                                   f"namespace {namespace}", (), "certain", HUB_COST)
            for namespace in sorted(fanned - by_bindings):
                hub = ids.hub_id(power.capability, ids.ns_scope(namespace))
                yield from (Edge(hub, t.vertex, t.reason, t.evidence, "certain", HUB_COST)
                            for t in self.targets(power, namespace))


def policy_edges(inv: Inventory, cluster: EksCluster,
                 grants: list[PolicyGrant]) -> Iterator[Edge]:
    """Principal -> the ``rbac.*`` capability hubs of each policy's powers in its scope.

    ``AmazonEKSClusterAdminPolicy`` on the whole cluster goes straight to cluster admin, as
    does a policy that writes ConfigMaps in ``kube-system`` (through aws-auth). Otherwise a
    cluster-wide grant enters ``hub:<capability>:cluster`` and a namespace grant
    ``hub:<capability>:ns/<ns>``, the hubs a binding of the same power enters, so each
    entry adds entry edges only. The hubs fan out once for everyone: through the ``rbac.*``
    technique where a binding enters them, else here.
    """
    hubs = _Hubs(inv)
    known = sorted({*hubs.namespaces, AWS_AUTH_NAMESPACE})
    # Without the ConfigMap in the input, the cluster may not read one at all.
    aws_auth_confidence: Confidence = "likely"
    if any(cm.name == AWS_AUTH_NAME and cm.metadata.namespace == AWS_AUTH_NAMESPACE
           for cm in inv.config_maps):
        aws_auth_confidence = "certain"
    for grant in grants:
        granted = (f"the access entry of {grant.principal} in cluster {cluster.name} is "
                   f"associated with {grant.policy} on")
        namespaces = None if grant.namespaces is None else _in_scope(grant.namespaces, known)
        if namespaces is None and grant.policy == CLUSTER_ADMIN_POLICY:
            yield Edge(grant.principal, ids.CLUSTER_ADMIN,
                       f"{granted} the whole cluster: cluster admin", grant.evidence)
            continue
        if grant.policy in CONFIG_MAP_WRITERS and cluster.reads_aws_auth and (
                namespaces is None or AWS_AUTH_NAMESPACE in namespaces):
            where = _where(None if namespaces is None else AWS_AUTH_NAMESPACE)
            yield Edge(grant.principal, ids.CLUSTER_ADMIN,
                       f"{granted} {where}, so it can edit ConfigMap {AWS_AUTH_NAMESPACE}/"
                       f"{AWS_AUTH_NAME}, which cluster {cluster.name} reads, and map an IAM "
                       "role to group system:masters",
                       (*grant.evidence, f"{cluster.arn}: accessConfig.authenticationMode="
                        f"{json_value(cluster.access_config.authentication_mode)}"),
                       aws_auth_confidence)
        for power in POLICY_POWERS.get(grant.policy, ()):
            for scope in hubs.enter(power, namespaces):
                yield Edge(grant.principal, ids.hub_id(power.capability, ids.CLUSTER_SCOPE
                                                       if scope is None else ids.ns_scope(scope)),
                           f"{granted} {_where(scope)}, so it can {power.doing} there",
                           grant.evidence)
    yield from hubs.fan_out()


def _where(scope: str | None) -> str:
    return "the whole cluster" if scope is None else f"namespace {scope}"
