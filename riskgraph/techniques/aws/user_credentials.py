"""aws.user-credentials: a principal creates credentials for an IAM user and signs in as it.

``iam:CreateAccessKey`` mints API keys; ``iam:CreateLoginProfile`` (no console password
yet) or ``iam:UpdateLoginProfile`` (reset it) gives console access. A grant over every user
of the account (and the account's admin) goes through
``hub:aws-user-credentials:aws/<account>``, which fans out to each user.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import Target, account_grant_edges, setup

ACTIONS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    users: dict[str, list[Target]] = defaultdict(list)
    for user in inv.aws.users:
        users[user.account].append(Target(user.arn, user.name))
    yield from account_grant_edges(access, actors, "aws-user-credentials", ACTIONS, users,
                                   "arn:aws:iam::{account}:user/{p}", "user",
                                   "create credentials for")


_GRANTS = """
UserDetailList:
- UserName: alice
  Arn: arn:aws:iam::111122223333:user/alice
- UserName: bob
  Arn: arn:aws:iam::111122223333:user/bob
RoleDetailList:
- RoleName: helpdesk
  Arn: arn:aws:iam::111122223333:role/helpdesk
  RolePolicyList:
  - PolicyName: reset-passwords
    PolicyDocument:
      Statement: [{Effect: Allow, Action: iam:UpdateLoginProfile, Resource: "*"}]
- RoleName: key-rotator
  Arn: arn:aws:iam::111122223333:role/key-rotator
  RolePolicyList:
  - PolicyName: keys-of-bob
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: iam:CreateAccessKey, Resource: "arn:aws:iam::111122223333:user/b*"}
"""

_NO_USERS = """
RoleDetailList:
- RoleName: key-rotator
  Arn: arn:aws:iam::111122223333:role/key-rotator
  RolePolicyList:
  - PolicyName: any-keys
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "iam:CreateAccessKey", Resource: "*"}]
"""

_ACCT = "111122223333"
_HUB = f"hub:aws-user-credentials:aws/{_ACCT}"

TECHNIQUE = Technique(
    id="aws.user-credentials",
    title="Principal creates access keys or a console password for an IAM user",
    severity="high",
    mitre="T1098.001",
    remediation="Let users manage only their own credentials (Resource "
                "arn:aws:iam::*:user/${aws:username}); move humans to SSO so IAM users "
                "have no console passwords to reset.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "password resets on every user, access keys on a name prefix",
            _GRANTS,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:role/helpdesk", _HUB),
                (f"aws:Admin:{_ACCT}", _HUB),
                (_HUB, f"arn:aws:iam::{_ACCT}:user/alice"),
                (_HUB, f"arn:aws:iam::{_ACCT}:user/bob"),
                (f"arn:aws:iam::{_ACCT}:role/key-rotator", f"arn:aws:iam::{_ACCT}:user/bob"),
            }),
        ),
        Example("an account with no IAM users to take over", _NO_USERS),
    ),
)
