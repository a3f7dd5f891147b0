"""Whether a principal is an administrator of its account: effective ``*`` on ``*``.

A principal is admin when an identity statement allows ``Action: *`` on ``Resource: *``, its
permissions boundary (if any) does too, every SCP of its account that allows anything allows
``*`` on ``*``, and no Deny of its identity policies or boundary can apply (any such Deny
removes part of ``*``). SCP Denies are organization guardrails that bind every principal of
the account alike, so only those that hit the IAM actions an admin needs to grant itself
anything (:data:`ADMIN_PROBES`) take admin status away.
"""

from __future__ import annotations

from collections.abc import Iterable

from riskgraph.iam.conditions import conditions_apply
from riskgraph.iam.evaluate import Decision, Hit, combine, denied, statement_applies
from riskgraph.iam.matching import NormalContext
from riskgraph.iam.policy import PrincipalPolicies, Statement

#: Actions without which "full control" of an account is not full.
ADMIN_PROBES = ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreatePolicyVersion",
                "iam:UpdateAssumeRolePolicy", "iam:PassRole", "iam:CreateAccessKey",
                "sts:AssumeRole")


def _grant_all(statements: Iterable[Statement], context: NormalContext) -> Hit | None:
    best: Hit | None = None
    for statement in statements:
        if not (statement.allow and statement.names_everything()):
            continue
        unknown = conditions_apply(statement.conditions, context)
        if unknown is not None and (best is None or len(unknown) < len(best.unknown)):
            best = Hit(statement, unknown)
    return best


def admin_decision(policies: PrincipalPolicies) -> Decision:
    """The admin decision for one principal's compiled policies (see the module docstring).
    """
    who = policies.caller.arn
    context = policies.context
    grant = _grant_all(policies.identity_statements, context)
    if grant is None:
        return denied(f"no identity policy of {who} allows * on *")
    hits = [grant]
    if policies.boundary is not None:
        bounded = _grant_all(policies.boundary.statements, context)
        if bounded is None:
            return denied(f"the permissions boundary of {who} does not allow * on *")
        hits.append(bounded)
    for scp in policies.scps:
        if scp.has_allow:
            allowed = _grant_all(scp.statements, context)
            if allowed is None:
                return denied(f"SCP {scp.source} does not allow * on *")
            hits.append(allowed)
    maybe: list[Hit] = []
    for statement in (*policies.identity_statements, *(policies.boundary_statements or ())):
        if statement.allow:
            continue
        unknown = conditions_apply(statement.conditions, context)
        if unknown is None:
            continue
        if not unknown:
            return denied(f"{statement.label} denies part of * on *")
        maybe.append(Hit(statement, unknown))
    probe = f"arn:aws:iam::{policies.caller.account}:role/riskgraph-probe"
    for scp in policies.scps:
        for statement in scp.statements:
            if statement.allow:
                continue
            for action in ADMIN_PROBES:
                unknown = statement_applies(statement, action, probe, context)
                if unknown is None:
                    continue
                if not unknown:
                    return denied(f"{statement.label} denies {action}")
                maybe.append(Hit(statement, unknown))
                break
    return combine(f"{grant.statement.label} allows * on *", *hits, maybe_denies=maybe)
