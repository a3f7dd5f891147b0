"""aws.eks-aws-auth: the ``kube-system/aws-auth`` ConfigMap lets IAM principals in.

``mapRoles`` and ``mapUsers`` give a role or user a Kubernetes user name and groups
(``system:masters`` is cluster admin through ``k8s.masters``; a node role's
``system:node:{{EC2PrivateDNSName}}`` leads to group ``system:nodes`` only). ``mapAccounts``
lets every principal of an account in as a user named after its own ARN, in no group:
those principals go through one hub per account, ``hub:eks-aws-auth:aws/<account>``, to
group ``system:authenticated`` when a binding names it, and straight to their user only
when a binding names that user.

EKS compares a caller's role without its IAM path (a role session does not carry it), so a
``rolearn`` of ``role/ci`` lets in the account's role named ``ci`` whatever its path; a
``rolearn`` written with a path never matches according to the EKS documentation, so that
edge is only ``possible``. A cluster in authentication mode ``API`` ignores the map;
without the cluster's description the mode is unknown and every edge is ``likely``.
A mapped principal need not be in the AWS input: the edge starts at its ARN anyway.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.aws_auth import AwsAuthMapping
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws import IamRole
from riskgraph.models.k8s import AWS_AUTH
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import json_value
from riskgraph.techniques._shared.rbac_hubs import HUB_COST
from riskgraph.techniques.aws._eks import (
    AUTHENTICATED,
    bound_groups,
    bound_users,
    identity_edges,
    without_path,
)

CAPABILITY = "eks-aws-auth"
_CONFIG_MAP = ids.k8s_id("ConfigMap", AWS_AUTH[1], AWS_AUTH[0])


def canonical_arn(principal: IamPrincipal) -> str:
    """The ARN EKS knows a principal by: a role's without its path."""
    return without_path(principal.arn) if isinstance(principal, IamRole) else principal.arn


def _evidence(mapping: AwsAuthMapping) -> tuple[str, ...]:
    found = [mapping.evidence]
    if mapping.username is not None:
        found.append(f"{_CONFIG_MAP}: data.{mapping.path}.username="
                     f"{json_value(mapping.username)}")
    if mapping.groups:
        found.append(f"{_CONFIG_MAP}: data.{mapping.path}.groups={json_value(mapping.groups)}")
    return tuple(found)


def _principals_by_match_arn(inv: Inventory) -> dict[str, str]:
    """The ARN of each role and user, keyed as EKS compares them (no role path, any case)."""
    found = {without_path(role.arn).lower(): role.arn for role in inv.aws.roles}
    found.update((user.arn.lower(), user.arn) for user in inv.aws.users)
    return found


def _accounts(inv: Inventory, accounts: dict[str, AwsAuthMapping], mapped: set[str],
              confidence: Confidence) -> Iterator[Edge]:
    """Every principal of a mapped account that no role or user entry names."""
    named_users = bound_users(inv)
    authenticated = AUTHENTICATED in bound_groups(inv)
    entered: dict[str, AwsAuthMapping] = {}
    for principal in inv.aws.principals:
        mapping = accounts.get(principal.account)
        name = canonical_arn(principal)
        if mapping is None or name.lower() in mapped:
            continue
        how = f"aws-auth's mapAccounts, which lets in account {principal.account}"
        if name in named_users:
            yield Edge(principal.arn, ids.user_id(name),
                       f"{principal.arn} authenticates to the cluster as user {name} through "
                       f"{how}", (mapping.evidence,), confidence)
        if authenticated:
            entered[principal.account] = mapping
            yield Edge(principal.arn, ids.hub_id(CAPABILITY, f"aws/{principal.account}"),
                       f"{principal.arn} authenticates to the cluster through {how}",
                       (mapping.evidence,), confidence)
    for account, mapping in entered.items():
        yield Edge(ids.hub_id(CAPABILITY, f"aws/{account}"), ids.group_id(AUTHENTICATED),
                   f"every principal of account {account} that aws-auth lets in is in group "
                   f"{AUTHENTICATED}", (mapping.evidence,), confidence, HUB_COST)


def find(inv: Inventory) -> Iterator[Edge]:
    cluster = inv.aws.cluster
    if cluster is not None and not cluster.reads_aws_auth:
        return
    mappings = inv.aws_auth
    if not mappings:
        return
    confidence: Confidence = "certain" if cluster is not None else "likely"
    named_groups = bound_groups(inv)
    # A later entry for the same ARN replaces an earlier one, as EKS reads the map.
    last: dict[str, AwsAuthMapping] = {}
    accounts: dict[str, AwsAuthMapping] = {}
    for mapping in mappings:
        if mapping.kind == "account":
            accounts[mapping.arn] = mapping
        else:
            last[mapping.arn.lower()] = mapping
    # EKS compares the ARN as written, so an entry written with a role path maps no one.
    mapped = set(last)
    known = _principals_by_match_arn(inv)
    for mapping in last.values():
        source = known.get(mapping.match_arn.lower(), mapping.arn)
        edge_confidence, how = confidence, f"aws-auth's {mapping.path}"
        if mapping.match_arn != mapping.arn:
            edge_confidence = "possible"
            how += (" (written with an IAM path, which EKS documents as never matching a "
                    "caller)")
        yield from identity_edges(source, mapping.username, mapping.groups, how,
                                  _evidence(mapping), named_groups, edge_confidence)
    yield from _accounts(inv, accounts, mapped, confidence)


def _aws_auth(**keys: str) -> str:
    """The aws-auth ConfigMap; each keyword is a data key, its YAML text indented by 4."""
    data = "".join(f"  {key}: |\n{text}" for key, text in keys.items())
    return f"""
---
kind: ConfigMap
metadata: {{name: aws-auth, namespace: kube-system}}
data:
{data}"""


_ACCOUNT = "111122223333"
_ROLE = f"arn:aws:iam::{_ACCOUNT}:role"
_ROLES = f"""
---
RoleDetailList:
- {{RoleName: ci, Arn: "{_ROLE}/build/ci", Path: /build/}}
- {{RoleName: node, Arn: "{_ROLE}/node"}}
UserDetailList:
- {{UserName: bob, Arn: "arn:aws:iam::{_ACCOUNT}:user/bob"}}
"""
_CLUSTER = f"""
---
cluster:
  name: prod
  arn: arn:aws:eks:eu-west-1:{_ACCOUNT}:cluster/prod
  accessConfig: {{authenticationMode: MODE}}
"""
_EVERYONE = """
---
kind: ClusterRoleBinding
metadata: {name: everyone}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:authenticated"}]
"""

TECHNIQUE = Technique(
    id="aws.eks-aws-auth",
    title="EKS aws-auth ConfigMap maps an IAM principal into the cluster",
    severity="high",
    mitre="T1078.004",
    remediation="Move the cluster to access entries (authentication mode API) so aws-auth is "
                "no longer read; until then map no principal to system:masters, drop "
                "mapAccounts, and keep write access to the ConfigMap to cluster admins.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "role with a path, node role and user in system:masters; cluster mode unknown",
            _ROLES + _aws_auth(mapRoles=f"""\
    - rolearn: {_ROLE}/ci
      username: ci
      groups: [deployers]
    - rolearn: {_ROLE}/node
      username: system:node:{{{{EC2PrivateDNSName}}}}
      groups: [system:bootstrappers, system:nodes]
""", mapUsers=f"""\
    - userarn: arn:aws:iam::{_ACCOUNT}:user/ops
      username: ops
      groups: [system:masters]
"""),
            frozenset({(f"{_ROLE}/build/ci", "k8s:User:ci"),
                       (f"{_ROLE}/build/ci", "k8s:Group:deployers"),
                       (f"{_ROLE}/node", "k8s:Group:system:bootstrappers"),
                       (f"{_ROLE}/node", "k8s:Group:system:nodes"),
                       (f"arn:aws:iam::{_ACCOUNT}:user/ops", "k8s:User:ops"),
                       (f"arn:aws:iam::{_ACCOUNT}:user/ops", "k8s:Group:system:masters")}),
            {(f"{_ROLE}/build/ci", "k8s:User:ci"): "likely"},
        ),
        Example(
            "mapAccounts lets the account's principals into system:authenticated",
            _ROLES + _CLUSTER.replace("MODE", "CONFIG_MAP") + _EVERYONE
            + _aws_auth(mapAccounts=f'    ["{_ACCOUNT}"]\n'),
            frozenset({(f"{_ROLE}/build/ci", f"hub:eks-aws-auth:aws/{_ACCOUNT}"),
                       (f"{_ROLE}/node", f"hub:eks-aws-auth:aws/{_ACCOUNT}"),
                       (f"arn:aws:iam::{_ACCOUNT}:user/bob", f"hub:eks-aws-auth:aws/{_ACCOUNT}"),
                       (f"hub:eks-aws-auth:aws/{_ACCOUNT}", "k8s:Group:system:authenticated")}),
            {(f"{_ROLE}/node", f"hub:eks-aws-auth:aws/{_ACCOUNT}"): "certain"},
        ),
        Example(
            "a cluster in API mode ignores the map",
            _ROLES + _CLUSTER.replace("MODE", "API") + _aws_auth(
                mapRoles=f"    - {{rolearn: {_ROLE}/ci, username: ci, groups: "
                "[system:masters]}\n"),
        ),
    ),
)
