"""aws.user-credentials: a principal creates credentials for an IAM user and signs in as it.

``iam:CreateAccessKey`` mints API keys (unless the user already holds two, the limit);
``iam:CreateLoginProfile`` gives console access to a user with no password yet, and
``iam:UpdateLoginProfile`` resets the password of one that has it. Without the IAM
credential report the input cannot show which users have a password, so either login
action alone is ``likely`` (both together always work); with the report its
``password_enabled`` and access-key columns decide. A grant over every user of the
account goes through one hub per set of actions held everywhere
(``hub:aws-user-credentials:aws/<account>`` for all three, which the account's admin
enters too), fanning out to the users that set opens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from typing import NamedTuple

from riskgraph import ids
from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision
from riskgraph.iam.context import role_tag_context
from riskgraph.models.aws import IamUser
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import (
    HUB_COST,
    account_hub,
    because,
    confidence_of,
    labelled,
    setup,
)
from riskgraph.techniques.aws._index import PROBE, ArnIndex, all_of
from riskgraph.techniques.aws._reach import reach

KEYS, CREATE, RESET = "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"
ACTIONS = (KEYS, CREATE, RESET)
_SHORT = {KEYS: "keys", CREATE: "login-create", RESET: "login-reset"}
_NO_REPORT = "no credential report in the input"


class Way(NamedTuple):
    """How actions held on a user let the attacker in: certain or not, and why."""

    certain: bool
    why: str


def _way(aws: AwsInventory, user: IamUser, held: frozenset[str]) -> Way | None:
    row = aws.credentials(user.arn)
    if KEYS in held and (row is None or row.access_keys < 2):
        return Way(True, "" if row is None else
                   f"credential report: {user.name} holds {row.access_keys} access keys")
    if CREATE in held and RESET in held:
        return Way(True, "")
    if row is not None:
        if (CREATE in held and row.password_enabled is False) or (
                RESET in held and row.password_enabled):
            return Way(True, f"credential report: {user.name} password_enabled="
                             f"{str(row.password_enabled).lower()}")
        return None
    if CREATE in held:
        return Way(False, f"only if {user.name} has no console password yet ({_NO_REPORT})")
    if RESET in held:
        return Way(False, f"only if {user.name} already has a console password "
                          f"({_NO_REPORT})")
    return None


def hub(account: str, held: frozenset[str]) -> str:
    """The hub of a grant of ``held`` over every user of ``account``."""
    suffix = "" if held == frozenset(ACTIONS) else "-" + "-".join(
        _SHORT[a] for a in ACTIONS if a in held)
    return account_hub(f"aws-user-credentials{suffix}", account)


def _can(access: AccountAccess, principal: IamPrincipal, action: str, user: IamUser,
         pattern: str) -> Decision:
    return access.can(principal, action, user.arn, context=role_tag_context(user.tags))


def _edge(source: str, user: IamUser, way: Way, doing: str, decisions: tuple[Decision, ...],
          cost: float | None = None) -> Edge:
    reason = f"{doing} {user.name}" + (f", {way.why}" if way.why and not way.certain else "")
    evidence = because(*decisions) if decisions else (
        f"{user.arn}: a user of account {user.account}",)
    evidence += (way.why,) if way.why and way.certain else ()
    confidence = confidence_of(*decisions) if way.certain else "likely"
    return Edge(source, user.arn, labelled(reason, *decisions), evidence, confidence, cost)


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    users: dict[str, list[IamUser]] = defaultdict(list)
    for user in inv.aws.users:
        users[user.account].append(user)
    indexes = {account: ArnIndex((u.arn, u) for u in found) for account, found in users.items()}
    entered = {(account, frozenset(ACTIONS)) for account in users}
    for principal in actors:
        index = indexes.get(principal.account)
        if index is None:
            continue
        probe = f"arn:aws:iam::{principal.account}:user/{PROBE}"
        everywhere: dict[str, Decision] = {}
        direct: dict[str, tuple[IamUser, dict[str, Decision]]] = {}
        for action in ACTIONS:
            found = reach(access, principal, (action,), probe, index,
                          partial(_can, access, principal, action))
            if found.everywhere is not None:
                everywhere[action] = found.everywhere
            for user, decision in found.targets:
                if user.arn != principal.arn:
                    direct.setdefault(user.arn, (user, {}))[1][action] = decision
        held = frozenset(everywhere)
        if held and any(_way(inv.aws, u, held) for u in users[principal.account]):
            entered.add((principal.account, held))
            actions = " + ".join(a for a in ACTIONS if a in held)
            decision = all_of(everywhere.values())
            yield Edge(principal.arn, hub(principal.account, held),
                       labelled(f"{principal.arn} may create credentials for every user of "
                                f"account {principal.account} ({actions})", decision),
                       because(decision),
                       confidence_of(decision))
        for target, granted in direct.values():
            way = _way(inv.aws, target, held | granted.keys())
            # A direct edge only where it opens more than the hub already does.
            hub_way = _way(inv.aws, target, held)
            if way is None or (hub_way is not None and (hub_way.certain or not way.certain)):
                continue
            yield _edge(principal.arn, target, way, f"{principal.arn} may create credentials "
                        "for user", (*granted.values(), *everywhere.values()))
    for account, held in sorted(entered, key=lambda e: (e[0], sorted(e[1]))):
        vertex = hub(account, held)
        if held == frozenset(ACTIONS):
            yield Edge(ids.admin_id(account), vertex, f"an administrator of account {account} "
                       "may create credentials for every user of it",
                       (f"{ids.admin_id(account)}: full control of account {account}",))
        for user in users[account]:
            way = _way(inv.aws, user, held)
            if way is not None:
                yield _edge(vertex, user, way, "create credentials for user", (), HUB_COST)


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

_REPORT = """
---
ReportFormat: text/csv
GeneratedTime: "2026-01-01T00:00:00+00:00"
Content: >-
  dXNlcixhcm4sdXNlcl9jcmVhdGlvbl90aW1lLHBhc3N3b3JkX2VuYWJsZWQscGFzc3dvcmRfbGFz
  dF91c2VkLHBhc3N3b3JkX2xhc3RfY2hhbmdlZCxwYXNzd29yZF9uZXh0X3JvdGF0aW9uLG1mYV9h
  Y3RpdmUsYWNjZXNzX2tleV8xX2FjdGl2ZSxhY2Nlc3Nfa2V5XzFfbGFzdF9yb3RhdGVkLGFjY2Vz
  c19rZXlfMV9sYXN0X3VzZWRfZGF0ZSxhY2Nlc3Nfa2V5XzFfbGFzdF91c2VkX3JlZ2lvbixhY2Nl
  c3Nfa2V5XzFfbGFzdF91c2VkX3NlcnZpY2UsYWNjZXNzX2tleV8yX2FjdGl2ZSxhY2Nlc3Nfa2V5
  XzJfbGFzdF9yb3RhdGVkLGFjY2Vzc19rZXlfMl9sYXN0X3VzZWRfZGF0ZSxhY2Nlc3Nfa2V5XzJf
  bGFzdF91c2VkX3JlZ2lvbixhY2Nlc3Nfa2V5XzJfbGFzdF91c2VkX3NlcnZpY2UsY2VydF8xX2Fj
  dGl2ZSxjZXJ0XzFfbGFzdF9yb3RhdGVkLGNlcnRfMl9hY3RpdmUsY2VydF8yX2xhc3Rfcm90YXRl
  ZAo8cm9vdF9hY2NvdW50Pixhcm46YXdzOmlhbTo6MTExMTIyMjIzMzMzOnJvb3QsMjAyMC0wMS0w
  MVQwMDowMDowMCswMDowMCxub3Rfc3VwcG9ydGVkLE4vQSxub3Rfc3VwcG9ydGVkLG5vdF9zdXBw
  b3J0ZWQsdHJ1ZSxmYWxzZSxOL0EsTi9BLE4vQSxOL0EsZmFsc2UsTi9BLE4vQSxOL0EsTi9BLGZh
  bHNlLE4vQSxmYWxzZSxOL0EKYWxpY2UsYXJuOmF3czppYW06OjExMTEyMjIyMzMzMzp1c2VyL2Fs
  aWNlLDIwMjEtMDEtMDFUMDA6MDA6MDArMDA6MDAsdHJ1ZSxOL0EsMjAyMS0wMS0wMVQwMDowMDow
  MCswMDowMCxOL0EsZmFsc2UsZmFsc2UsTi9BLE4vQSxOL0EsTi9BLGZhbHNlLE4vQSxOL0EsTi9B
  LE4vQSxmYWxzZSxOL0EsZmFsc2UsTi9BCmJvYixhcm46YXdzOmlhbTo6MTExMTIyMjIzMzMzOnVz
  ZXIvYm9iLDIwMjEtMDEtMDFUMDA6MDA6MDArMDA6MDAsZmFsc2UsTi9BLE4vQSxOL0EsZmFsc2Us
  dHJ1ZSwyMDIyLTAxLTAxVDAwOjAwOjAwKzAwOjAwLE4vQSxOL0EsTi9BLGZhbHNlLDIwMjItMDIt
  MDFUMDA6MDA6MDArMDA6MDAsTi9BLE4vQSxOL0EsZmFsc2UsTi9BLGZhbHNlLE4vQQo=
"""

_ACCT = "111122223333"
_HUB = f"hub:aws-user-credentials:aws/{_ACCT}"
_RESET = f"hub:aws-user-credentials-login-reset:aws/{_ACCT}"
_ALICE, _BOB = f"arn:aws:iam::{_ACCT}:user/alice", f"arn:aws:iam::{_ACCT}:user/bob"

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
                (f"arn:aws:iam::{_ACCT}:role/helpdesk", _RESET),
                (f"aws:Admin:{_ACCT}", _HUB),
                (_HUB, _ALICE), (_HUB, _BOB), (_RESET, _ALICE), (_RESET, _BOB),
                (f"arn:aws:iam::{_ACCT}:role/key-rotator", _BOB),
            }),
            {(_RESET, _ALICE): "likely", (_HUB, _ALICE): "certain",
             (f"arn:aws:iam::{_ACCT}:role/key-rotator", _BOB): "certain"},
        ),
        Example(
            "the credential report: only alice has a password to reset, bob holds two keys",
            _GRANTS + _REPORT,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:role/helpdesk", _RESET),
                (f"aws:Admin:{_ACCT}", _HUB),
                (_HUB, _ALICE), (_HUB, _BOB), (_RESET, _ALICE),
            }),
            {(_RESET, _ALICE): "certain"},
        ),
        Example("an account with no IAM users to take over", _NO_USERS),
    ),
)
