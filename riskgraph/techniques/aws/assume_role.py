"""aws.assume-role: a principal assumes a role whose trust policy admits it.

Trusts are indexed by what they name. A trust naming a principal's ARN gives a direct edge.
A trust naming an account (its root or bare id), or any AWS principal, admits every
principal of that account that may itself call sts:AssumeRole on the role: those whose
grant covers every role go through one hub per (their account, the role's account),
``hub:aws-assume-role:aws/<account>`` (``.../aws/<account>/to/<role account>`` across
accounts), which fans out to each role trusting that account. A grant pattern matching many
such roles (``role/team-*`` in a group policy every developer holds) goes through one hub
per pattern, ``.../aws/<account>/<pattern>``, fanning out to the roles it matches that trust
the account; the others get direct edges to the roles their grant names. The account's
admin feeds the account hubs too. A trust of ``Principal: "*"`` with no condition lets
anyone with AWS credentials in: an edge from ``internet`` (``likely``: nothing says an
attacker holds AWS credentials). Service principals only matter for aws.passrole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial

from riskgraph import ids
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision
from riskgraph.iam.resource import root_arn
from riskgraph.models.aws import IamRole
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import (
    HUB_COST,
    OUTSIDER,
    because,
    by_account,
    confidence_of,
    labelled,
    named_principals,
    pattern_hub,
    scoped_hub,
    setup,
)
from riskgraph.techniques.aws._index import PROBE, ArnIndex
from riskgraph.techniques.aws._reach import Sharing, reach

ACTION = "sts:AssumeRole"


def hub(account: str, role_account: str) -> str:
    """The hub of account ``account``'s principals that may assume any role of
    ``role_account`` trusting them."""
    return scoped_hub("aws-assume-role", account, role_account)


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    by_arn = {p.arn.lower(): p for p in inv.aws.principals}
    accounts = inv.aws.accounts
    trusting: dict[tuple[str, str], list[IamRole]] = defaultdict(list)
    for role in inv.aws.roles:
        trusted: set[str] = set()
        for name in named_principals(access.trust_policy(role), ACTION):
            if name == "*":
                trusted |= accounts
                yield from _anyone(access, role)
            elif name.isdigit():
                trusted.add(name)
            elif (principal := by_arn.get(name)) is not None:
                # Named one by one, so even an admin principal adds one edge per name.
                yield from _named(access, principal, role)
        for account in trusted & accounts:
            trusting[(account, role.account)].append(role)
    grouped = by_account(actors)
    for (account, role_account), roles in sorted(trusting.items()):
        yield from _account_trust(access, grouped.get(account, []), account, role_account,
                                  roles)


def _named(access: AccountAccess, principal: IamPrincipal, role: IamRole) -> Iterator[Edge]:
    decision = access.can_assume(principal, role)
    if decision.allowed:
        yield Edge(principal.arn, role.arn,
                   labelled(f"the trust policy of role {role.name} names {principal.arn}, "
                            "which may assume it", decision),
                   because(decision), confidence_of(decision))


def _anyone(access: AccountAccess, role: IamRole) -> Iterator[Edge]:
    decision = access.trust_allows(role, principal_arn=root_arn(OUTSIDER))
    if decision.allowed and decision.confidence == "certain":
        yield Edge(ids.INTERNET, role.arn,
                   f"the trust policy of role {role.name} admits every AWS principal with "
                   "no condition, so anyone with AWS credentials may assume it",
                   because(decision), "likely")


def _can_assume(access: AccountAccess, principal: IamPrincipal, role: IamRole,
                pattern: str) -> Decision:
    return access.can_assume(principal, role)


def _role_account(role: IamRole) -> str:
    return role.account


def _account_trust(access: AccountAccess, principals: list[IamPrincipal], account: str,
                   role_account: str, roles: list[IamRole]) -> Iterator[Edge]:
    """Edges into the roles of ``role_account`` whose trust admits ``account``."""
    vertex = hub(account, role_account)
    index = ArnIndex((r.arn, r) for r in roles)
    probe = f"arn:aws:iam::{role_account}:role/{PROBE}"
    trusts = {role.arn: access.trust_allows(role, principal_arn=root_arn(account))
              for role in roles}
    fanned: set[str] = set()
    for principal in principals:
        found = reach(access, principal, (ACTION,), probe, index,
                      partial(_can_assume, access, principal), sharing=Sharing(_role_account))
        if found.everywhere is not None:
            yield Edge(principal.arn, vertex,
                       labelled(f"{principal.arn} may call {ACTION} on every role of "
                                f"account {role_account}", found.everywhere),
                       because(found.everywhere),
                       confidence_of(found.everywhere))
        for shared in found.shared:
            entry = pattern_hub("aws-assume-role", account, role_account, shared.pattern)
            yield Edge(principal.arn, entry, labelled(
                f"{principal.arn} may call {ACTION} on every role matching {shared.pattern}",
                shared.decision), because(shared.decision),
                       confidence_of(shared.decision))
            if entry not in fanned:
                fanned.add(entry)
                yield from _admitted(entry, account, shared.items, trusts)
        for target, decision in found.targets:
            yield Edge(principal.arn, target.arn,
                       labelled(f"role {target.name} trusts account {account} and "
                                f"{principal.arn} may call {ACTION} on it", decision),
                       because(decision), confidence_of(decision))
    yield Edge(ids.admin_id(account), vertex,
               f"an administrator of account {account} may assume every role that trusts "
               "the account", (f"{ids.admin_id(account)}: full control of account {account}",))
    yield from _admitted(vertex, account, roles, trusts)


def _admitted(vertex: str, account: str, roles: list[IamRole],
              trusts: dict[str, Decision]) -> Iterator[Edge]:
    """A hub's edges: to each of ``roles`` whose trust policy admits ``account``."""
    for role in roles:
        decision = trusts[role.arn]
        if decision.allowed:
            yield Edge(vertex, role.arn,
                       labelled(f"the trust policy of role {role.name} admits principals of "
                                f"account {account}", decision),
                       because(decision), confidence_of(decision), HUB_COST)


_ACCOUNT_TRUST = """
RoleDetailList:
- RoleName: deploy
  Arn: arn:aws:iam::111122223333:role/deploy
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: "arn:aws:iam::111122223333:root"}}
- RoleName: release
  Arn: arn:aws:iam::111122223333:role/release
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: "arn:aws:iam::111122223333:user/ci"}}
- RoleName: node
  Arn: arn:aws:iam::111122223333:role/node
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}
UserDetailList:
- UserName: ci
  Arn: arn:aws:iam::111122223333:user/ci
  UserPolicyList:
  - PolicyName: assume-any
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "sts:AssumeRole", Resource: "*"}]
- UserName: dev
  Arn: arn:aws:iam::111122223333:user/dev
  UserPolicyList:
  - PolicyName: assume-release-only
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "sts:*", Resource: "arn:aws:iam::*:role/release"}]
"""

_CROSS_ACCOUNT = """
RoleDetailList:
- RoleName: audit
  Arn: arn:aws:iam::111122223333:role/audit
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: "444455556666"}}
- RoleName: public
  Arn: arn:aws:iam::111122223333:role/public
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: "*"}}
UserDetailList:
- UserName: auditor
  Arn: arn:aws:iam::444455556666:user/auditor
  UserPolicyList:
  - PolicyName: assume-audit
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: sts:AssumeRole, Resource: "arn:aws:iam::111122223333:role/audit*"}
"""

_NOTHING = """
RoleDetailList:
- RoleName: node
  Arn: arn:aws:iam::111122223333:role/node
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}
- RoleName: vendor
  Arn: arn:aws:iam::111122223333:role/vendor
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: "arn:aws:iam::999988887777:root"}}
- RoleName: release
  Arn: arn:aws:iam::111122223333:role/release
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: "arn:aws:iam::111122223333:user/ci"}}
UserDetailList:
- UserName: ci
  Arn: arn:aws:iam::111122223333:user/ci
  UserPolicyList:
  - PolicyName: no-assume
    PolicyDocument:
      Statement: [{Effect: Deny, Action: "sts:AssumeRole", Resource: "*"}]
"""

_ACCT = "111122223333"
_HUB = f"hub:aws-assume-role:aws/{_ACCT}"

TECHNIQUE = Technique(
    id="aws.assume-role",
    title="Principal assumes an IAM role that trusts it",
    severity="high",
    mitre="T1078.004",
    remediation="Name the exact principals in role trust policies instead of the account "
                "root, add conditions (aws:PrincipalArn, sts:ExternalId), and grant "
                "sts:AssumeRole only on the roles each principal needs.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "account-root trust through the hub, a named principal, a narrow grant",
            _ACCOUNT_TRUST,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:user/ci", _HUB),
                (f"aws:Admin:{_ACCT}", _HUB),
                (_HUB, f"arn:aws:iam::{_ACCT}:role/deploy"),
                (f"arn:aws:iam::{_ACCT}:user/ci", f"arn:aws:iam::{_ACCT}:role/release"),
            }),
        ),
        Example(
            "cross-account trust of an account id, and a trust of anyone",
            _CROSS_ACCOUNT,
            frozenset({
                ("arn:aws:iam::444455556666:user/auditor", f"arn:aws:iam::{_ACCT}:role/audit"),
                ("aws:Admin:444455556666", f"hub:aws-assume-role:aws/444455556666/to/{_ACCT}"),
                (f"hub:aws-assume-role:aws/444455556666/to/{_ACCT}",
                 f"arn:aws:iam::{_ACCT}:role/audit"),
                (f"hub:aws-assume-role:aws/444455556666/to/{_ACCT}",
                 f"arn:aws:iam::{_ACCT}:role/public"),
                ("internet", f"arn:aws:iam::{_ACCT}:role/public"),
                (f"aws:Admin:{_ACCT}", _HUB),
                (_HUB, f"arn:aws:iam::{_ACCT}:role/public"),
            }),
            {("internet", f"arn:aws:iam::{_ACCT}:role/public"): "likely"},
        ),
        Example(
            "service trust, an account not in the input, and an explicit deny",
            _NOTHING,
        ),
    ),
)
