"""AWS's policy evaluation logic over compiled statements.

Order of evaluation (IAM User Guide, "Policy evaluation logic" and "How AWS enforcement code
logic evaluates requests"):

1. An explicit Deny in any applicable policy (identity, permissions boundary, SCP, resource
   policy) decides: denied.
2. Every SCP of the account that has Allow statements must allow the request (SCPs with only
   Deny statements only deny). We do not know where in the organization each SCP sits, so
   all of them are intersected.
3. An Allow is needed from an identity policy, bounded by the permissions boundary when the
   principal has one; or, within one account, from a resource policy that names the
   principal itself (its ARN, or ``*``). Such a resource-policy Allow is not limited by the
   boundary of an IAM *user*, but is for a *role* (IAM User Guide, "Permissions
   boundaries for IAM entities"). A resource policy naming the principal's account only
   delegates to the account's identity policies.
4. Across accounts both sides must allow: the principal's identity policies (and boundary,
   SCPs) and the resource policy (naming the principal or its account).

Conditions whose keys we cannot know offline make a statement apply *maybe*: an Allow that
rests on one makes the decision ``likely`` with the key in ``unknown_keys``; a Deny that rests
on one does not remove the allow but lowers it to ``likely`` (the Deny may or may not fire).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from riskgraph.confidence import Confidence
from riskgraph.iam.conditions import Context, conditions_apply, normalize_context
from riskgraph.iam.matching import (
    Applies,
    NormalContext,
    arn_matches,
    has_wildcard,
    resource_applies,
)
from riskgraph.iam.policy import (
    Caller,
    Policy,
    PolicyKind,
    PrincipalMatch,
    Statement,
    compile_policy,
)
from riskgraph.models.aws import PolicyJson, account_of


class Decision(NamedTuple):
    """The answer to "may this principal do this?".

    ``confidence`` is ``"likely"`` when the answer rests on condition keys only known at run
    time (listed in ``unknown_keys``); ``because`` names the policy statement that decided.
    """

    allowed: bool
    confidence: Confidence
    unknown_keys: tuple[str, ...]
    because: str


def denied(because: str) -> Decision:
    """A certain denial."""
    return Decision(False, "certain", (), because)


class Hit(NamedTuple):
    """A statement that applies, and the unknown keys it applies under (empty: surely)."""

    statement: Statement
    unknown: tuple[str, ...]


def statement_applies(statement: Statement, action: str, resource: str | None,
                      context: NormalContext) -> Applies:
    """Whether a statement applies to a request.

    Returns ``None`` when it does not, else the unknown keys it depends on. For statements
    with a Principal the principal test is left to :func:`principal_applies`.
    """
    if not statement.matches_action(action):
        return None
    keys: tuple[str, ...] = ()
    if statement.resources is not None and resource is not None:
        found: Applies = None
        # A requested pattern asks about some resource it covers: an Allow counts when it
        # overlaps the pattern (either covers the other), a Deny only when it covers it.
        overlap = statement.allow and not statement.not_resource and has_wildcard(resource)
        for pattern in statement.resources:
            if "${" in pattern:
                result = resource_applies(pattern, resource, context)
            else:
                result = () if arn_matches(pattern, resource) or (
                    overlap and arn_matches(resource, pattern)) else None
            if result is not None and (found is None or len(result) < len(found)):
                found = result
                if not found:
                    break
        if statement.not_resource:
            found = () if found is None else (found or None)
        if found is None:
            return None
        keys = found
    if not statement.conditions:
        return keys
    conditions = conditions_apply(statement.conditions, context)
    if conditions is None:
        return None
    return keys + tuple(k for k in conditions if k not in keys)


def principal_applies(statement: Statement, caller: Caller) -> PrincipalMatch | None:
    """How a resource or trust policy statement names ``caller`` (``NotPrincipal``: a
    statement applies to everyone it does not name by ARN or account). A Deny with
    NotPrincipal always applies to a principal that has a permissions boundary (IAM User
    Guide, "Permissions boundaries for IAM entities")."""
    if statement.principal is None:
        return "exact"
    named = statement.principal.match(caller)
    if not statement.not_principal:
        return named
    if not statement.allow and caller.has_boundary:
        return "exact"
    return None if named else "exact"


class Layer(NamedTuple):
    """What one set of policies says about a request: its best Allow (and how it names the
    caller), and its Denies that apply (just the first when one applies for certain)."""

    allow: Hit | None
    denies: tuple[Hit, ...] = ()
    principal_match: PrincipalMatch | None = None

    @property
    def certain_deny(self) -> Hit | None:
        return next((hit for hit in self.denies if not hit.unknown), None)


def judge(statements: Iterable[Statement], action: str, resource: str | None, caller: Caller,
          context: NormalContext, with_principal: bool = False) -> Layer:
    """Evaluate statements of one or several policies of the same kind together."""
    allow: Hit | None = None
    denies: list[Hit] = []
    match: PrincipalMatch | None = None
    for statement in statements:
        named: PrincipalMatch | None = "exact"
        if with_principal:
            named = principal_applies(statement, caller)
            if named is None:
                continue
        unknown = statement_applies(statement, action, resource, context)
        if unknown is None:
            continue
        if not statement.allow:
            if not unknown:
                return Layer(allow, (Hit(statement, unknown),), match)
            denies.append(Hit(statement, unknown))
        elif allow is None or _better(unknown, named, allow.unknown, match):
            allow, match = Hit(statement, unknown), named
    return Layer(allow, tuple(denies), match)


def judge_trust(statements: Iterable[Statement], action: str, resource: str, caller: Caller,
                context: Callable[[], NormalContext]) -> Layer:
    """:func:`judge` of a trust policy (``with_principal``), the request's keys worked out
    (``context()``) only when some statement names the caller and the action: most trust
    policies have none for a given caller."""
    naming = [s for s in statements
              if s.matches_action(action) and principal_applies(s, caller) is not None]
    if not naming:
        return Layer(None)
    return judge(naming, action, resource, caller, context(), with_principal=True)


def _better(unknown: tuple[str, ...], named: PrincipalMatch | None,
            best_unknown: tuple[str, ...], best_named: PrincipalMatch | None) -> bool:
    return (named == "exact", -len(unknown)) > (best_named == "exact", -len(best_unknown))


def combine(because: str, *hits: Hit | None, maybe_denies: Sequence[Hit] = ()) -> Decision:
    """An Allow resting on ``hits``, lowered by Denies that may fire."""
    keys: list[str] = []
    for hit in (*hits, *maybe_denies):
        if hit is not None:
            keys.extend(k for k in hit.unknown if k not in keys)
    allow_keys = [k for hit in hits if hit is not None for k in hit.unknown]
    if allow_keys:
        because += " if " + ", ".join(dict.fromkeys(allow_keys)) + \
            " (known only at run time) meets its condition"
    if maybe_denies:
        because += "; unless " + ", ".join(h.statement.label for h in maybe_denies) + \
            " denies it (depends on " + ", ".join(
                k for h in maybe_denies for k in h.unknown) + ")"
    return Decision(True, "likely" if keys else "certain", tuple(keys), because)


def decide(action: str, resource: str, caller: Caller, context: NormalContext, *,
           identity: Iterable[Statement], boundary: Iterable[Statement] | None,
           scps: Sequence[Policy], resource_policy: Policy | None,
           resource_account: str | None, trust: bool = False) -> Decision:
    """The decision for one request from compiled policies (see the module docstring).

    With ``trust`` the resource policy is a role trust policy, which must admit the caller
    even within one account: naming the caller itself suffices without an identity-policy
    Allow (the boundary and SCPs still apply, to users too); naming its account delegates
    to its identity policies (STS API reference, AssumeRole; IAM User Guide, "Update a role
    trust policy").
    """
    mine = judge(identity, action, resource, caller, context)
    bound = None if boundary is None else judge(boundary, action, resource, caller, context)
    scp_layers = [(scp, judge(scp.statements, action, resource, caller, context))
                  for scp in scps]
    theirs = Layer(None) if resource_policy is None else judge(
        resource_policy.statements, action, resource, caller, context, with_principal=True)
    denies = [hit for layer in (mine, bound, theirs, *(s for _, s in scp_layers))
              if layer is not None for hit in layer.denies]
    for deny in denies:
        if not deny.unknown:
            return denied(f"explicitly denied by {deny.statement.label}")
    scp_hits: list[Hit | None] = []
    for scp, layer in scp_layers:
        if scp.has_allow and layer.allow is None:
            return denied(f"no statement of SCP {scp.source} allows {action}")
        scp_hits.append(layer.allow)
    bounded = bound is None or bound.allow is not None
    bound_hit = bound.allow if bound is not None else None
    same_account = resource_account in (None, "", caller.account)
    options: list[Decision] = []
    granted = theirs.allow
    if granted is not None and same_account and theirs.principal_match == "exact":
        bypasses_boundary = caller.is_user and not trust
        if bypasses_boundary or bounded:
            options.append(combine(f"{granted.statement.label} admits {caller.arn} to "
                                   f"{action}", granted,
                                   None if bypasses_boundary else bound_hit, *scp_hits,
                                   maybe_denies=denies))
    if mine.allow is not None and bounded:
        because = f"{mine.allow.statement.label} allows {action}"
        if same_account and not trust:
            options.append(combine(because, mine.allow, bound_hit, *scp_hits,
                                   maybe_denies=denies))
        elif granted is not None:
            options.append(combine(f"{because} and {granted.statement.label} admits "
                                   f"{caller.arn}", mine.allow, bound_hit, granted,
                                   *scp_hits, maybe_denies=denies))
    if options:
        return min(options, key=lambda d: len(d.unknown_keys))
    if trust and granted is None:
        source = resource_policy.source if resource_policy else "the trust policy"
        return denied(f"{source} does not admit {caller.arn} to {action}")
    if mine.allow is None and (bounded or granted is None):
        return denied(f"no identity policy of {caller.arn} allows {action} on {resource}")
    if not bounded:
        return denied(f"the permissions boundary of {caller.arn} does not allow {action}")
    return denied(f"{resource} is in account {resource_account}: its resource policy "
                  f"must also allow {action} to {caller.arn}")


def _compiled(document: PolicyJson | Policy, source: str, kind: PolicyKind) -> Policy:
    return document if isinstance(document, Policy) else compile_policy(document, source, kind)


def evaluate(action: str, resource: str, *, principal_arn: str,
             identity: Sequence[PolicyJson | Policy] = (),
             boundary: PolicyJson | Policy | None = None,
             scps: Sequence[PolicyJson | Policy] = (),
             resource_policy: PolicyJson | Policy | None = None,
             context: Context | None = None) -> Decision:
    """Evaluate one request against policy documents (raw or compiled), without an
    inventory. Raises :class:`~riskgraph.iam.policy.PolicyError` on a malformed document.

    Examples
    --------
    >>> admin = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    >>> no_s3 = {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    >>> role = "arn:aws:iam::111122223333:role/web"
    >>> evaluate("iam:PassRole", "*", principal_arn=role, identity=[admin]).allowed
    True
    >>> evaluate("s3:GetObject", "arn:aws:s3:::b/k", principal_arn=role,
    ...          identity=[admin, no_s3]).because
    'explicitly denied by identity[1] Statement[0]'
    >>> mfa = {"Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
    ...        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    >>> evaluate("ec2:RunInstances", "*", principal_arn=role, identity=[mfa])[:3]
    (True, 'likely', ('aws:MultiFactorAuthPresent',))
    """
    caller = Caller(arn=principal_arn, account=account_of(principal_arn),
                    is_user=":user/" in principal_arn, has_boundary=boundary is not None)
    ctx = normalize_context({"aws:PrincipalArn": principal_arn,
                             "aws:PrincipalAccount": caller.account or "", **(context or {})})
    return decide(
        action, resource, caller, ctx,
        identity=[s for i, doc in enumerate(identity)
                  for s in _compiled(doc, f"identity[{i}]", "identity").statements],
        boundary=None if boundary is None else _compiled(boundary, "boundary",
                                                         "boundary").statements,
        scps=[_compiled(doc, f"scp[{i}]", "scp") for i, doc in enumerate(scps)],
        resource_policy=None if resource_policy is None else _compiled(
            resource_policy, "resource policy", "resource"),
        resource_account=account_of(resource) or None)
