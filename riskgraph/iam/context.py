"""The condition keys known offline about a request: who makes it and when.

Time keys are decided against the analysis time (``--as-of``, else the moment the
evaluator was built): ``aws:CurrentTime`` and ``aws:EpochTime`` are that time; a role
session was issued at most :data:`SESSION_HOURS` before it, so ``aws:TokenIssueTime`` is
that span; an IAM user signing with long-term access keys sends no ``aws:TokenIssueTime``,
so a condition that needs it fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from datetime import datetime, timedelta

from riskgraph.iam.conditions import Context, ContextValue, normalize_context
from riskgraph.models.aws import Tag, account_of

#: Longest life of a role session (``DurationSeconds`` of sts:AssumeRole tops out at 12 h).
SESSION_HOURS = 12


def principal_context(arn: str, tags: Mapping[str, str], now: datetime,
                      organization_id: str | None = None, members: Set[str] = frozenset()
                      ) -> dict[str, tuple[str, ...]]:
    """The condition keys known offline about a request by an IAM role or user at ``now``
    (in the organization ``organization_id`` when ``members`` lists its account).

    >>> from datetime import UTC
    >>> principal_context("arn:aws:iam::111122223333:user/ana", {"team": "red"},
    ...                   datetime(2026, 1, 2, tzinfo=UTC))["aws:username"]
    ('ana',)
    """
    is_user = ":user/" in arn
    context: dict[str, ContextValue] = {
        "aws:PrincipalArn": arn, "aws:PrincipalAccount": arn.split(":")[4],
        "aws:PrincipalType": "User" if is_user else "AssumedRole",
        "aws:PrincipalIsAWSService": False,
        **{f"aws:PrincipalTag/{key}": value for key, value in tags.items()}}
    if is_user:
        context["aws:username"] = arn.rsplit("/", 1)[-1]
    return normalize_context(context) | time_context(now, is_user) | organization_context(
        arn.split(":")[4], organization_id, members)


def organization_context(account: str, organization_id: str | None,
                         members: Set[str]) -> dict[str, tuple[str, ...]]:
    """``aws:PrincipalOrgID`` of a principal of ``account``: the organization's id when the
    input lists the account as a member, absent when it lists the members without it,
    else left unknown."""
    if organization_id is None or not members:
        return {}
    return {"aws:principalorgid": (organization_id,) if account in members else ()}


def time_context(now: datetime, is_user: bool | None) -> dict[str, tuple[str, ...]]:
    """The time keys of a request made at ``now`` by a user (long-term keys: no
    ``aws:TokenIssueTime``), a role session (issued in the :data:`SESSION_HOURS` before
    ``now``) or another caller (``None``: the issue time is left unknown).

    >>> from datetime import UTC
    >>> time_context(datetime(2026, 1, 2, tzinfo=UTC), True)["aws:tokenissuetime"]
    ()
    """
    context: dict[str, tuple[str, ...]] = {"aws:currenttime": (now.isoformat(),),
                                           "aws:epochtime": (str(int(now.timestamp())),)}
    if is_user is not None:
        issued = now - timedelta(hours=SESSION_HOURS)
        context["aws:tokenissuetime"] = () if is_user else (issued.isoformat(),
                                                            now.isoformat())
    return context


def role_tag_context(tags: Iterable[Tag]) -> dict[str, str]:
    """A role's tags as the keys its trust policy can test when someone assumes it."""
    return {f"{prefix}:ResourceTag/{tag.key}": tag.value for tag in tags
            for prefix in ("aws", "iam")}


def request_context(base: Mapping[str, tuple[str, ...]], resource: str, extra: Context,
                    context: Context | None) -> Mapping[str, tuple[str, ...]]:
    """One request's condition keys: the principal's ``base``, ``aws:ResourceAccount`` of
    ``resource``, then ``extra`` (e.g. a role's tags) and the caller's ``context`` on top."""
    account = account_of(resource)
    if not (account or extra or context):
        return base
    merged = dict(base)
    if account:
        merged["aws:resourceaccount"] = (account,)
    merged.update(normalize_context(extra))
    merged.update(normalize_context(context))
    return merged
