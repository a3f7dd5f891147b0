"""aws.eks-api-control: whoever may write the cluster's access entries is cluster admin.

``eks:CreateAccessEntry`` on the cluster plus ``eks:AssociateAccessPolicy`` on the new entry
let the caller create an access entry for itself with ``AmazonEKSClusterAdminPolicy`` on the
whole cluster. A cluster still in authentication mode ``CONFIG_MAP`` accepts no access entries,
so there ``eks:UpdateClusterConfig`` (to switch to ``API_AND_CONFIG_MAP``) is needed too.
A principal that has an access entry already needs only ``eks:AssociateAccessPolicy``.
The condition keys of those calls (``eks:principalArn``, ``eks:policyArn``,
``eks:accessScope`` ...) are set to what the attacker would send.

Only principals of the cluster's account (EKS has no resource policies). Account admins
are not sources: ``aws:Admin:<account>`` is, once.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision, access_for
from riskgraph.models.aws import EksCluster, IamRole
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import json_value
from riskgraph.techniques.aws._common import because, confidence_of, is_admin
from riskgraph.techniques.aws._eks import (
    CLUSTER_ADMIN_POLICY,
    arn_fields,
    cluster_account,
    cluster_region,
)

CONFIG_MAP_ONLY = "CONFIG_MAP"


def entry_arn(cluster: EksCluster, principal: IamPrincipal) -> str:
    """The ARN of the access entry a principal would create for itself (any UUID)."""
    _, partition, _, _, account, _ = arn_fields(cluster.arn)
    kind = "role" if isinstance(principal, IamRole) else "user"
    return (f"arn:{partition}:eks:{cluster_region(cluster)}:{account}:access-entry/"
            f"{cluster.name}/{kind}/{principal.account}/{principal.name}/*")


def _decisions(access: AccountAccess, cluster: EksCluster, principal: IamPrincipal,
               has_entry: bool) -> list[Decision] | None:
    """The decisions that together allow the takeover, or None when one refuses."""
    partition = arn_fields(cluster.arn)[1]
    policy = f"arn:{partition}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_POLICY}"
    found = []
    if not has_entry:
        create = access.can(principal, "eks:CreateAccessEntry", cluster.arn, context={
            "eks:principalArn": principal.arn, "eks:accessEntryType": "STANDARD"})
        if not create.allowed:
            return None
        found.append(create)
    found.append(access.can(principal, "eks:AssociateAccessPolicy",
                            entry_arn(cluster, principal), context={
                                "eks:policyArn": policy, "eks:accessScope": "cluster"}))
    if cluster.access_config.authentication_mode == CONFIG_MAP_ONLY:
        found.append(access.can(principal, "eks:UpdateClusterConfig", cluster.arn))
    return found if all(d.allowed for d in found) else None


def find(inv: Inventory) -> Iterator[Edge]:
    cluster = inv.aws.cluster
    if cluster is None:
        return
    account = cluster_account(cluster)
    mode = cluster.access_config.authentication_mode
    switch = mode == CONFIG_MAP_ONLY
    mode_proof = f"{cluster.arn}: accessConfig.authenticationMode={json_value(mode)}"
    steps = (f"switch cluster {cluster.name} to authentication mode API_AND_CONFIG_MAP, "
             if switch else "") + (f"create an access entry for itself in cluster "
                                   f"{cluster.name} and associate {CLUSTER_ADMIN_POLICY} "
                                   "with it")
    yield Edge(ids.admin_id(account), ids.CLUSTER_ADMIN,
               f"an administrator of account {account} can {steps}", (mode_proof,))
    access = access_for(inv.aws)
    entries = {e.principal_arn for e in inv.aws.access_entries if e.cluster_name == cluster.name}
    for principal in inv.aws.principals:
        if principal.account != account:
            continue
        has_entry = principal.arn in entries
        decisions = _decisions(access, cluster, principal, has_entry)
        if decisions is None or is_admin(access, principal):
            continue
        if has_entry:
            how = (f"{principal.arn} has an access entry in cluster {cluster.name} and may "
                   f"call eks:AssociateAccessPolicy, so it can associate {CLUSTER_ADMIN_POLICY} "
                   "with it")
        else:
            actions = ("eks:CreateAccessEntry, eks:AssociateAccessPolicy and "
                       "eks:UpdateClusterConfig" if switch
                       else "eks:CreateAccessEntry and eks:AssociateAccessPolicy")
            how = f"{principal.arn} may call {actions}, so it can {steps}"
        yield Edge(principal.arn, ids.CLUSTER_ADMIN, how, (mode_proof, *because(*decisions)),
                   confidence_of(*decisions))


_ACCOUNT = "111122223333"
_CLUSTER_ARN = f"arn:aws:eks:eu-west-1:{_ACCOUNT}:cluster/prod"


def _cluster(mode: str) -> str:
    return f"""
---
cluster: {{name: prod, arn: "{_CLUSTER_ARN}", accessConfig: {{authenticationMode: {mode}}}}}
"""


def _role(name: str, actions: str, resource: str = "*") -> str:
    return f"""
  - RoleName: {name}
    Arn: arn:aws:iam::{_ACCOUNT}:role/{name}
    RolePolicyList:
    - PolicyName: eks
      PolicyDocument:
        Statement: [{{Effect: Allow, Action: {actions}, Resource: "{resource}"}}]"""


_ROLES = "\n---\nRoleDetailList:" + _role(
    "platform", "[eks:CreateAccessEntry, eks:AssociateAccessPolicy]") + _role(
    "admin", '"*"') + _role("reader", "[eks:Describe*, eks:List*]") + _role(
    "other-cluster", "[eks:CreateAccessEntry, eks:AssociateAccessPolicy]",
    f"arn:aws:eks:eu-west-1:{_ACCOUNT}:*/staging*") + "\n"
_ADMIN = f"aws:Admin:{_ACCOUNT}"

TECHNIQUE = Technique(
    id="aws.eks-api-control",
    title="IAM allows writing the EKS cluster's access entries",
    severity="critical",
    mitre="T1098",
    remediation="Grant eks:CreateAccessEntry, eks:AssociateAccessPolicy and "
                "eks:UpdateClusterConfig only to cluster administrators, or restrict them "
                "with conditions on eks:policyArn and eks:principalArn; alert on "
                "AssociateAccessPolicy events in CloudTrail.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "a role that may create and associate access entries; the admin goes via "
            "aws:Admin",
            _cluster("API_AND_CONFIG_MAP") + _ROLES,
            frozenset({(f"arn:aws:iam::{_ACCOUNT}:role/platform", "k8s:ClusterAdmin"),
                       (_ADMIN, "k8s:ClusterAdmin")}),
            {(f"arn:aws:iam::{_ACCOUNT}:role/platform", "k8s:ClusterAdmin"): "certain"},
        ),
        Example(
            "a CONFIG_MAP-only cluster needs UpdateClusterConfig first",
            _cluster("CONFIG_MAP") + _ROLES,
            frozenset({(_ADMIN, "k8s:ClusterAdmin")}),
        ),
        Example(
            "no EKS cluster in the input",
            _ROLES,
        ),
    ),
)
