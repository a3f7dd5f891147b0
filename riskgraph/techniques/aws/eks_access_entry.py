"""aws.eks-access-entry: an EKS access entry lets an IAM principal into the cluster.

The entry gives the principal a Kubernetes user name (the entry's, else EKS's default: a
user's ARN, a role's session ARN ``arn:aws:sts::<acct>:assumed-role/<name>/{{SessionName}}``)
and its ``kubernetesGroups``, which reach power through ordinary RBAC bindings. Node-type
entries (``EC2_LINUX`` ...) make the role a node, in group ``system:nodes``.

Associated access policies are authorized by EKS itself, not RBAC, so no binding stands for
them. ``AmazonEKSClusterAdminPolicy`` on the cluster is cluster admin, and so is a policy
that writes ConfigMaps in ``kube-system`` where the cluster reads aws-auth. The others
enter the hubs of the ``rbac.*`` techniques that grant the same powers (see
:data:`._eks.POLICY_POWERS`), at cluster or namespace scope, as a binding would. Those hubs
fan out once for all entries: through the ``rbac.*`` technique where a binding enters them
too, else here. Only entries of the cluster the Kubernetes input is count.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws import AccessEntry, AssociatedAccessPolicy
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import json_value
from riskgraph.techniques.aws._eks import (
    PolicyGrant,
    bound_groups,
    default_username,
    identity_edges,
    policy_edges,
)


def entry_id(entry: AccessEntry) -> str:
    """How evidence names an access entry: ``access-entry <cluster>/<principal ARN>``."""
    return f"access-entry {entry.cluster_name}/{entry.principal_arn}"


def _identity(entry: AccessEntry, named_groups: frozenset[str]) -> Iterator[Edge]:
    where = entry_id(entry)
    evidence = [f"{where}: type={json_value(entry.type)}"]
    username = entry.username or default_username(entry.principal_arn, entry.type)
    if entry.username:
        evidence.append(f"{where}: username={json_value(entry.username)}")
    if entry.kubernetes_groups:
        evidence.append(f"{where}: kubernetesGroups={json_value(entry.kubernetes_groups)}")
    yield from identity_edges(entry.principal_arn, username, tuple(entry.kubernetes_groups),
                              f"the access entry of cluster {entry.cluster_name}",
                              tuple(evidence), named_groups)


def _policy_evidence(entry: AccessEntry, index: int,
                     policy: AssociatedAccessPolicy) -> tuple[str, ...]:
    where = f"{entry_id(entry)}: associatedAccessPolicies[{index}]"
    scope: dict[str, object] = {"type": policy.access_scope.type}
    if policy.access_scope.namespaces:
        scope["namespaces"] = policy.access_scope.namespaces
    return (f"{where}.policyArn={json_value(policy.policy_arn)}",
            f"{where}.accessScope={json_value(scope)}")


def _grants(entry: AccessEntry) -> Iterator[PolicyGrant]:
    for index, policy in enumerate(entry.access_policies):
        cluster_wide = policy.access_scope.type.lower() == "cluster"
        yield PolicyGrant(entry.principal_arn, policy.policy_arn.rsplit("/", 1)[-1],
                          None if cluster_wide else tuple(policy.access_scope.namespaces),
                          _policy_evidence(entry, index, policy))


def find(inv: Inventory) -> Iterator[Edge]:
    cluster = inv.aws.cluster
    if cluster is None:
        return
    entries = [e for e in inv.aws.access_entries if e.cluster_name == cluster.name]
    if not entries:
        return
    named_groups = bound_groups(inv)
    for entry in entries:
        yield from _identity(entry, named_groups)
    yield from policy_edges(inv, cluster, [g for e in entries for g in _grants(e)])


_ACCOUNT = "111122223333"
_CLUSTER = f"""
---
cluster:
  name: prod
  arn: arn:aws:eks:eu-west-1:{_ACCOUNT}:cluster/prod
  accessConfig: {{authenticationMode: API_AND_CONFIG_MAP}}
"""


def _entry(principal: str, extra: str = "", cluster: str = "prod") -> str:
    return f"""
---
accessEntry:
  clusterName: {cluster}
  principalArn: arn:aws:iam::{_ACCOUNT}:{principal}
  type: STANDARD
  {extra}
"""


def _policies(principal: str, policies: str) -> str:
    return f"""
---
clusterName: prod
principalArn: arn:aws:iam::{_ACCOUNT}:{principal}
associatedAccessPolicies: {policies}
"""


_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
_EDIT = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
_VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
_ROLE = f"arn:aws:iam::{_ACCOUNT}:role"

TECHNIQUE = Technique(
    id="aws.eks-access-entry",
    title="EKS access entry maps an IAM principal into the cluster",
    severity="high",
    mitre="T1078.004",
    remediation="Give access entries the narrowest access policy and namespace scope the "
                "principal needs; reserve AmazonEKSClusterAdminPolicy for break-glass roles, "
                "and review which IAM principals may assume roles that have access entries.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "default role user name, groups, and cluster admin policy",
            _CLUSTER + _entry("role/platform/ci", "kubernetesGroups: [deployers]")
            + _entry("user/alice", "username: alice")
            + _policies("user/alice", f"[{{policyArn: {_ADMIN}, accessScope: {{type: "
                        "cluster}}]"),
            frozenset({(f"{_ROLE}/platform/ci",
                        f"k8s:User:arn:aws:sts::{_ACCOUNT}:assumed-role/ci/{{{{SessionName}}}}"),
                       (f"{_ROLE}/platform/ci", "k8s:Group:deployers"),
                       (f"arn:aws:iam::{_ACCOUNT}:user/alice", "k8s:User:alice"),
                       (f"arn:aws:iam::{_ACCOUNT}:user/alice", "k8s:ClusterAdmin")}),
        ),
        Example(
            "edit policy in one namespace enters its RBAC hubs; nodes join system:nodes",
            _CLUSTER + _entry("role/dev", "username: dev")
            + _policies("role/dev", f"[{{policyArn: {_EDIT}, accessScope: {{type: namespace, "
                        "namespaces: [shop]}}]")
            + _entry("role/node").replace("STANDARD", "EC2_LINUX") + """
---
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline}
""",
            frozenset({(f"{_ROLE}/dev", "k8s:User:dev"),
                       (f"{_ROLE}/dev", "hub:secrets-read:ns/shop"),
                       (f"{_ROLE}/dev", "hub:create-pod:ns/shop"),
                       ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db"),
                       ("hub:create-pod:ns/shop", "k8s:ServiceAccount:shop/default"),
                       (f"{_ROLE}/node", "k8s:Group:system:nodes")}),
        ),
        Example(
            "cluster-wide edit enters the cluster hubs a ClusterRoleBinding to edit fans out",
            _CLUSTER + _entry("role/dev", "username: dev")
            + _policies("role/dev", f"[{{policyArn: {_EDIT}, accessScope: {{type: cluster}}}}]")
            + """
---
kind: Pod
metadata: {name: api, namespace: shop}
spec: {containers: [{name: app, image: app}]}
---
kind: ClusterRoleBinding
metadata: {name: developers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: developers}]
""",
            frozenset({(f"{_ROLE}/dev", "k8s:User:dev"),
                       (f"{_ROLE}/dev", "hub:create-pod:cluster"),
                       (f"{_ROLE}/dev", "hub:pods-exec:cluster"),
                       (f"{_ROLE}/dev", "k8s:ClusterAdmin")}),
            # The cluster reads aws-auth, which edit may write; the input does not hold it.
            {(f"{_ROLE}/dev", "k8s:ClusterAdmin"): "likely"},
        ),
        Example(
            "only another cluster's entries",
            _CLUSTER + _entry("role/other", "username: other", cluster="staging") + f"""
---
clusterName: staging
principalArn: {_ROLE}/other
associatedAccessPolicies: [{{policyArn: {_ADMIN}, accessScope: {{type: cluster}}}}]
""",
        ),
    ),
)
