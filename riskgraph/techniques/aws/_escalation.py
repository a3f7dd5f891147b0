"""The values an attacker would put in an IAM write call to escalate, so that the call's
own condition keys are decided with them.

``iam:AttachRolePolicy`` limited by ``iam:PolicyARN`` to a read-only policy escalates
nothing: the step exists only when some policy that grants escalation passes the
condition. The candidates are the AWS-managed ``AdministratorAccess`` and ``IAMFullAccess``
(full IAM writes itself the rest), customer-managed policies of the input that allow
``*`` on ``*`` without conditions, and a new policy when the principal may
``iam:CreatePolicy``. Every call on an IAM user or role also carries the target's current
permissions boundary as ``iam:PermissionsBoundary`` (absent when it has none) and its tags.
A PassRole names the resource the launch creates in ``iam:AssociatedResourceArn``, which the
attacker picks: the values its own conditions spell are tried (EC2 instances, Lambda
functions of its account).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple
from weakref import WeakKeyDictionary

from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.iam import AccountAccess, Decision
from riskgraph.iam.conditions import ContextValue
from riskgraph.iam.context import role_tag_context
from riskgraph.iam.matching import arn_matches
from riskgraph.techniques.aws._index import PROBE, all_of

#: AWS-managed policies whose attachment gives full control, and how to name them.
GRANTING = (("arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
            ("arn:aws:iam::aws:policy/IAMFullAccess", "IAMFullAccess"))


class Choice(NamedTuple):
    """One way to fill the call: its condition keys, how the reason names it (``""``: no
    choice to name), and what else it needs (creating the policy first)."""

    context: Mapping[str, ContextValue]
    label: str = ""
    needs: Decision | None = None


_ADMIN_POLICIES: WeakKeyDictionary[AccountAccess, dict[str, list[tuple[str, str]]]] = \
    WeakKeyDictionary()


def admin_policies(access: AccountAccess, aws: AwsInventory, account: str
                   ) -> list[tuple[str, str]]:
    """(ARN, name) of the customer-managed policies of ``account`` allowing ``*`` on ``*``
    without conditions."""
    by_account = _ADMIN_POLICIES.get(access)
    if by_account is None:
        by_account = _ADMIN_POLICIES[access] = {}
        for policy in aws.managed_policies:
            owner = policy.arn.split(":")[4]
            document = policy.document
            if not owner or document is None:
                continue
            compiled = access.policy(policy.arn, document)
            if any(s.allow and s.names_everything() and not s.conditions
                   for s in compiled.statements):
                by_account.setdefault(owner, []).append((policy.arn, policy.policy_name))
    return by_account.get(account, [])


def target_context(target: IamPrincipal) -> dict[str, ContextValue]:
    """The keys a write on an IAM role or user carries about it: its boundary and tags."""
    bound = target.permissions_boundary
    return {"iam:PermissionsBoundary": [] if bound is None else bound.permissions_boundary_arn,
            **role_tag_context(target.tags)}


def attach_choices(access: AccountAccess, aws: AwsInventory, principal: IamPrincipal,
                   target: IamPrincipal | None) -> list[Choice]:
    """The policies ``principal`` could attach to ``target`` (a user or role; ``None`` for a
    group) to escalate, each as the condition keys of the attach call."""
    base = {} if target is None else target_context(target)
    account = principal.account
    found = [Choice({**base, "iam:PolicyARN": arn}, f" ({name})")
             for arn, name in (*GRANTING, *admin_policies(access, aws, account))]
    create = access.can(principal, "iam:CreatePolicy", f"arn:aws:iam::{account}:policy/{PROBE}")
    if create.allowed:
        found.append(Choice({**base, "iam:PolicyARN": f"arn:aws:iam::{account}:policy/{PROBE}"},
                            " (a policy it creates with iam:CreatePolicy)", create))
    return found


def first_allowed(access: AccountAccess, principal: IamPrincipal, action: str, resource: str,
                  choices: Iterable[Choice]) -> tuple[str, Decision] | None:
    """The first choice (a certain one before a likely one) that lets ``principal`` do
    ``action`` on ``resource``: its label and the decision, with what it needs."""
    best: tuple[str, Decision] | None = None
    for choice in choices:
        decision = access.can(principal, action, resource, context=choice.context)
        if not decision.allowed:
            continue
        if choice.needs is not None:
            decision = all_of((decision, choice.needs))
        if decision.confidence == "certain":
            return choice.label, decision
        best = best or (choice.label, decision)
    return best


#: The shape of what a launch that passes a role creates (``iam:AssociatedResourceArn``).
CREATED = {"ec2.amazonaws.com": "arn:aws:ec2:*:{account}:instance/*",
           "lambda.amazonaws.com": "arn:aws:lambda:*:{account}:function:*"}


def associated_choices(access: AccountAccess, principal: IamPrincipal, service: str
                       ) -> list[dict[str, ContextValue]]:
    """The ``iam:AssociatedResourceArn`` values a PassRole to ``service`` could carry: the
    attacker names the resource it creates, so each value the principal's own PassRole
    conditions spell (wildcards filled in) that has the shape of such a resource in its
    account, then one such resource no policy names; none when the service creates no
    resource of a known shape (the key is then left unknown)."""
    shape = CREATED.get(service)
    if shape is None:
        return []
    shape = shape.format(account=principal.account)
    found: dict[str, None] = {}
    for statement in access.principal_policies(principal).identity_statements:
        if not statement.matches_action("iam:PassRole"):
            continue
        for condition in statement.conditions:
            if condition.key == "iam:associatedresourcearn" and not condition.negated:
                for value in condition.values:
                    filled = value.replace("*", "x").replace("?", "x")
                    if arn_matches(shape, filled):
                        found[filled] = None
    found[shape.replace("*", PROBE)] = None
    return [{"iam:AssociatedResourceArn": value} for value in found]


def tag_choices(access: AccountAccess, principal: IamPrincipal, action: str
                ) -> list[tuple[dict[str, ContextValue], str]]:
    """Tags the attacker may put on what ``action`` creates, as condition keys and how a
    reason names them: none, then the first value each positive ``aws:RequestTag/<key>``
    condition of the principal's own statements spells (wildcards filled in), and last
    tags left unknown (a combination these miss makes the step ``likely``, not absent)."""
    spelled: dict[str, str] = {}
    for statement in access.principal_policies(principal).identity_statements:
        if not statement.matches_action(action):
            continue
        for condition in statement.conditions:
            if condition.key.startswith("aws:requesttag/") and condition.values \
                    and condition.test is not None and not condition.negated:
                spelled.setdefault(condition.name.split("/", 1)[1],
                                   condition.values[0].replace("*", "x").replace("?", "x"))
    untagged: dict[str, ContextValue] = {"aws:TagKeys": [], **{
        f"aws:RequestTag/{key}": [] for key in spelled}}
    if not spelled:
        return [(untagged, "")]
    tagged: dict[str, ContextValue] = {"aws:TagKeys": list(spelled), **{
        f"aws:RequestTag/{key}": value for key, value in spelled.items()}}
    return [(untagged, ""), (tagged, " tagged " + ", ".join(
        f"{key}={value}" for key, value in spelled.items())), ({}, " with tags it picks")]
