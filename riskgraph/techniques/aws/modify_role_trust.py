"""aws.modify-role-trust: a principal rewrites a role's trust policy to admit itself, then
assumes the role.

``iam:UpdateAssumeRolePolicy`` on the role is enough: the new trust names the attacker's
own ARN, which within one account needs no sts:AssumeRole grant. A grant over every role
of the account (and the account's admin) goes through
``hub:aws-modify-role-trust:aws/<account>``, which fans out to each role.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.iam.context import role_tag_context
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import Target, account_grant_edges, setup


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    roles: dict[str, list[Target]] = defaultdict(list)
    for role in inv.aws.roles:
        roles[role.account].append(Target(role.arn, role.name,
                                          context=role_tag_context(role.tags)))
    yield from account_grant_edges(access, actors, "aws-modify-role-trust",
                                   ("iam:UpdateAssumeRolePolicy",), roles,
                                   "arn:aws:iam::{account}:role/{p}", "role",
                                   "change the trust policy of")


_GRANTS = """
RoleDetailList:
- RoleName: deploy
  Arn: arn:aws:iam::111122223333:role/deploy
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}]
- RoleName: data
  Arn: arn:aws:iam::111122223333:role/team/data
UserDetailList:
- UserName: iam-ops
  Arn: arn:aws:iam::111122223333:user/iam-ops
  UserPolicyList:
  - PolicyName: trusts
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: "iam:Update*"
        Resource: "arn:aws:iam::111122223333:role/*"
- UserName: team-lead
  Arn: arn:aws:iam::111122223333:user/team-lead
  UserPolicyList:
  - PolicyName: team-trusts
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: iam:UpdateAssumeRolePolicy
        Resource: "arn:aws:iam::111122223333:role/team/*"
"""

_NO_GRANT = """
UserDetailList:
- UserName: reader
  Arn: arn:aws:iam::111122223333:user/reader
  UserPolicyList:
  - PolicyName: read-iam
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: ["iam:Get*", "iam:List*"], Resource: "*"}
      - Effect: Allow
        Action: iam:UpdateAssumeRolePolicy
        Resource: "arn:aws:iam::444455556666:role/*"
"""

_ACCT = "111122223333"
_HUB = f"hub:aws-modify-role-trust:aws/{_ACCT}"

TECHNIQUE = Technique(
    id="aws.modify-role-trust",
    title="Principal rewrites a role's trust policy and assumes the role",
    severity="high",
    mitre="T1098",
    remediation="Grant iam:UpdateAssumeRolePolicy only to the pipeline that manages roles, "
                "on the roles it manages; deny it on privileged roles with an SCP or boundary.",
    cost=1.5,
    find=find,
    examples=(
        Example(
            "iam:Update* on every role, UpdateAssumeRolePolicy on one path",
            _GRANTS,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:user/iam-ops", _HUB),
                (f"aws:Admin:{_ACCT}", _HUB),
                (_HUB, f"arn:aws:iam::{_ACCT}:role/deploy"),
                (_HUB, f"arn:aws:iam::{_ACCT}:role/team/data"),
                (f"arn:aws:iam::{_ACCT}:user/team-lead", f"arn:aws:iam::{_ACCT}:role/team/data"),
            }),
        ),
        Example("read-only IAM, and a grant on another account's roles", _NO_GRANT),
    ),
)
