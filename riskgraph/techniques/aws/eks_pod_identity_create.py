"""aws.eks-pod-identity-create: creating a Pod Identity association hands a pod a role.

With ``eks:CreatePodIdentityAssociation`` on the cluster and ``iam:PassRole`` on a role
(passed to ``pods.eks.amazonaws.com``) that trusts ``pods.eks.amazonaws.com`` for
``sts:AssumeRole`` and ``sts:TagSession``, a principal ties the role to a service account
of its choosing; a pod of that account then gets the role's credentials. Running that pod
is a Kubernetes right this technique does not look for, so every edge is ``likely``.

The cluster is the EKS cluster of the input, and only roles of its account can be
associated. Roles trusting the service are few, so each is decided; a principal that may
pass every one of them (two or more) goes through one hub,
``hub:aws-pod-identity-create:aws/<account>``, that leads to each. Account admins are not
sources: ``aws:Admin:<account>`` enters the hub once.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import weakest
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision, access_for
from riskgraph.iam.conditions import Context
from riskgraph.models.aws import EksCluster, IamRole
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import HUB_COST, account_hub, because, confidence_of, is_admin
from riskgraph.techniques.aws._eks import cluster_account
from riskgraph.techniques.aws._reach import may_use

SERVICE = "pods.eks.amazonaws.com"
CAPABILITY = "aws-pod-identity-create"
_PASS_CONTEXT: Context = {"iam:PassedToService": SERVICE}


def _session_tags(cluster: EksCluster) -> Context:
    """What EKS sets when it assumes the role for a pod (namespace and account unknown)."""
    return {"aws:RequestTag/eks-cluster-arn": cluster.arn,
            "aws:RequestTag/eks-cluster-name": cluster.name,
            "aws:SourceArn": cluster.arn, "aws:SourceAccount": cluster_account(cluster)}


def trusting_roles(access: AccountAccess, cluster: EksCluster,
                   roles: list[IamRole]) -> list[tuple[IamRole, Decision]]:
    """Roles of the cluster's account that Pod Identity may assume, with the decision."""
    account, tags = cluster_account(cluster), _session_tags(cluster)
    found = []
    for role in roles:
        if role.account != account:
            continue
        decisions = [access.trust_allows(role, action=action, service=SERVICE, context=tags)
                     for action in ("sts:AssumeRole", "sts:TagSession")]
        if all(d.allowed for d in decisions):
            found.append((role, decisions[0]._replace(
                confidence=confidence_of(*decisions))))
    return found


def _passable(access: AccountAccess, principal: IamPrincipal,
              roles: list[tuple[IamRole, Decision]]) -> list[tuple[IamRole, Decision, Decision]]:
    """The trusting roles the principal may pass to the service: (role, trust, pass)."""
    found = []
    for role, trust in roles:
        decision = access.can(principal, "iam:PassRole", role.arn, context=_PASS_CONTEXT)
        if decision.allowed:
            found.append((role, trust, decision))
    return found


def find(inv: Inventory) -> Iterator[Edge]:
    cluster = inv.aws.cluster
    if cluster is None:
        return
    access = access_for(inv.aws)
    roles = trusting_roles(access, cluster, inv.aws.roles)
    if not roles:
        return
    account = cluster_account(cluster)
    hub = account_hub(CAPABILITY, account)
    doing = (f"create an EKS Pod Identity association in cluster {cluster.name} for a "
             "service account of its choosing and run a pod as it")
    yield Edge(ids.admin_id(account), hub,
               f"an administrator of account {account} can {doing}", (), "likely")
    for principal in inv.aws.principals:
        # No Allow naming an EKS action: refused (can's own first test, made cheaply).
        if principal.account != account or not may_use(access, principal, "eks"):
            continue
        create = access.can(principal, "eks:CreatePodIdentityAssociation", cluster.arn)
        if not create.allowed or is_admin(access, principal):
            continue
        passable = _passable(access, principal, roles)
        if len(passable) > 1 and len(passable) == len(roles):
            yield Edge(principal.arn, hub,
                       f"{principal.arn} may call eks:CreatePodIdentityAssociation and pass "
                       f"every role that trusts {SERVICE}, so it can {doing}",
                       because(create, *(passing for _, _, passing in passable)), "likely")
            continue
        for role, trust, passing in passable:
            yield Edge(principal.arn, role.arn,
                       f"{principal.arn} may call eks:CreatePodIdentityAssociation and pass "
                       f"role {role.name}, which trusts {SERVICE}, so it can {doing} with that "
                       "role's credentials", because(create, passing, trust),
                       weakest("likely", confidence_of(create, passing, trust)))
    for role, trust in roles:
        yield Edge(hub, role.arn,
                   f"role {role.name} trusts {SERVICE}, so a new Pod Identity association "
                   "can hand it to a pod", because(trust), trust.confidence, HUB_COST)


_ACCOUNT = "111122223333"
_CLUSTER = f"""
---
cluster: {{name: prod, arn: "arn:aws:eks:eu-west-1:{_ACCOUNT}:cluster/prod"}}
"""
_POD_TRUST = """
    AssumeRolePolicyDocument:
      Statement: [{Effect: Allow, Principal: {Service: pods.eks.amazonaws.com},
                   Action: [sts:AssumeRole, sts:TagSession]}]"""


def _role(name: str, policy: str = "", trust: str = _POD_TRUST) -> str:
    inline = f"""
    RolePolicyList:
    - PolicyName: p
      PolicyDocument: {{Statement: {policy}}}""" if policy else ""
    return f"""
  - RoleName: {name}
    Arn: arn:aws:iam::{_ACCOUNT}:role/{name}{trust}{inline}"""


_CREATE = ('{Effect: Allow, Action: eks:CreatePodIdentityAssociation, '
           f'Resource: "arn:aws:eks:eu-west-1:{_ACCOUNT}:cluster/prod"}}')
_ROLE = f"arn:aws:iam::{_ACCOUNT}:role"
_HUB = f"hub:aws-pod-identity-create:aws/{_ACCOUNT}"

TECHNIQUE = Technique(
    id="aws.eks-pod-identity-create",
    title="IAM allows handing a role to pods through a new Pod Identity association",
    severity="high",
    mitre="T1098",
    remediation="Grant eks:CreatePodIdentityAssociation only to cluster administrators; "
                "scope iam:PassRole to the roles each principal must pass, with an "
                "iam:PassedToService condition; let only roles meant for pods trust "
                "pods.eks.amazonaws.com, with conditions on the session tags.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "one role passes a named role, another any role; the admin enters the hub",
            _CLUSTER + "\n---\nRoleDetailList:" + _role("payments") + _role("batch")
            + _role("deployer", f'[{_CREATE}, {{Effect: Allow, Action: iam:PassRole, '
                    f'Resource: "{_ROLE}/payments"}}]', trust="")
            + _role("ci", f'[{_CREATE}, {{Effect: Allow, Action: "iam:*", Resource: "*"}}]',
                    trust="") + "\n",
            frozenset({(f"{_ROLE}/deployer", f"{_ROLE}/payments"),
                       (f"{_ROLE}/ci", _HUB), (f"aws:Admin:{_ACCOUNT}", _HUB),
                       (_HUB, f"{_ROLE}/payments"), (_HUB, f"{_ROLE}/batch")}),
            {(f"{_ROLE}/deployer", f"{_ROLE}/payments"): "likely"},
        ),
        Example(
            "no role trusts Pod Identity",
            _CLUSTER + "\n---\nRoleDetailList:" + _role("app", trust="")
            + _role("ci", f'[{_CREATE}, {{Effect: Allow, Action: "iam:*", Resource: "*"}}]',
                    trust="") + "\n",
        ),
    ),
)
