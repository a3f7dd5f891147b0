"""What a resource policy alone says to a caller: for techniques that must combine a data
store's own policy with other facts (a KMS key policy that must name the account, a bucket
that is public to everyone).
"""

from __future__ import annotations

from typing import NamedTuple

from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.iam.access import AccountAccess
from riskgraph.iam.conditions import normalize_context
from riskgraph.iam.evaluate import Layer, judge
from riskgraph.iam.policy import Caller, Policy


def root_arn(account: str) -> str:
    """The ARN a policy uses for a whole account: ``arn:aws:iam::<account>:root``."""
    return f"arn:aws:iam::{account}:root"


class Said(NamedTuple):
    """What a resource policy alone says to a caller about one request."""

    #: The Allow statement that admits the caller (its label), None when none does.
    allow: str | None
    #: Condition keys the Allow, or a Deny that may apply, depend on.
    unknown: tuple[str, ...]
    #: A Deny applies for certain.
    denied: bool


def _said(layer: Layer) -> Said:
    keys = (*(layer.allow.unknown if layer.allow else ()),
            *(k for hit in layer.denies for k in hit.unknown))
    return Said(layer.allow.statement.label if layer.allow else None,
                tuple(dict.fromkeys(keys)), layer.certain_deny is not None)


def admits_account(policy: Policy, action: str, resource: str, account: str) -> Said:
    """What a resource policy alone says to an unnamed principal of ``account`` (an Allow
    naming the account or everyone). Conditions on the caller are unknown."""
    caller = Caller(arn=root_arn(account), account=account)
    context = normalize_context({"aws:PrincipalAccount": account})
    return _said(judge(policy.statements, action, resource, caller, context,
                       with_principal=True))


def policy_admits(access: AccountAccess, principal: IamPrincipal, policy: Policy,
                  action: str, resource: str) -> Said:
    """What a resource policy alone says to one principal."""
    known = access.principal_policies(principal)
    return _said(judge(policy.statements, action, resource, known.caller, known.context,
                       with_principal=True))


