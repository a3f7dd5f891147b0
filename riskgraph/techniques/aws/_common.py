"""What the ``aws.*`` techniques share: principals to start from, evidence from a Decision,
account hubs, resource policies read alone, and grants over an account's roles or users.

Admin principals are left out as sources (see :func:`setup`): they reach everything of
their account through ``aws:Admin:<account>``, which enters the account hubs instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from typing import NamedTuple
from weakref import WeakKeyDictionary

from riskgraph import ids
from riskgraph.confidence import Confidence, weakest
from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision, Policy, access_for
from riskgraph.models.aws import PolicyJson
from riskgraph.techniques import Edge
from riskgraph.techniques.aws._index import PROBE, ArnIndex
from riskgraph.techniques.aws._reach import reach

#: An account no input names: a policy that admits it admits anyone with AWS credentials.
OUTSIDER = "000000000000"

#: Cost of a step out of an account hub: the grant was paid for on the way in.
HUB_COST = 0.1


def account_hub(capability: str, account: str) -> str:
    """``hub:<capability>:aws/<account>``: one grant over every such resource of an account.
    """
    return ids.hub_id(capability, f"aws/{account}")


def scoped_hub(capability: str, account: str, owner: str) -> str:
    """The hub of ``account``'s principals over resources of ``owner``'s account:
    ``hub:<capability>:aws/<account>``, or ``.../aws/<account>/to/<owner>`` across accounts.
    """
    scope = f"aws/{account}" if account == owner else f"aws/{account}/to/{owner}"
    return ids.hub_id(capability, scope)


def pattern_hub(capability: str, account: str, owner: str, pattern: str) -> str:
    """The hub of ``account``'s principals whose grant covers every resource of ``owner``'s
    account that ``pattern`` matches: ``hub:<capability>:aws/<account>/<pattern>``
    (``.../aws/<account>/to/<owner>/<pattern>`` across accounts). Keyed by the pattern
    itself, so every principal holding it (a shared managed or group policy) enters one hub.

    >>> pattern_hub("aws-assume-role", "111122223333", "111122223333",
    ...             "arn:aws:iam::111122223333:role/team-*")
    'hub:aws-assume-role:aws/111122223333/arn:aws:iam::111122223333:role/team-*'
    """
    return f"{scoped_hub(capability, account, owner)}/{pattern}"


def confidence_of(*decisions: Decision) -> Confidence:
    """The weakest decision's: ``likely`` when one rests on condition keys known only at
    run time, ``possible`` when one may be forbidden by a boundary the input lacks."""
    return weakest("certain", *(d.confidence for d in decisions))


#: Condition keys only a session signed in with MFA carries (lower-case).
MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})


def labelled(reason: str, *decisions: Decision) -> str:
    """``reason``, marked ``(MFA required)`` when a decision rests on an MFA condition: the
    step stays ``likely``, but an attacker holding only access keys cannot take it."""
    if any(key.lower() in MFA_KEYS for d in decisions for key in d.unknown_keys):
        return f"{reason} (MFA required)"
    return reason


def because(*decisions: Decision) -> tuple[str, ...]:
    """Evidence from decisions: what each policy statement decided."""
    return tuple(dict.fromkeys(d.because for d in decisions if d.because))


_ACTORS: WeakKeyDictionary[AccountAccess, list[IamPrincipal]] = WeakKeyDictionary()


def setup(inv: Inventory) -> tuple[AccountAccess, list[IamPrincipal]]:
    """The evaluator of the inventory and the principals that are not certainly account
    admins (an admin reaches everything through ``aws:Admin:<account>`` instead); worked
    out once per inventory, since every aws.* technique asks."""
    access = access_for(inv.aws)
    actors = _ACTORS.get(access)
    if actors is None:
        actors = _ACTORS[access] = [p for p in inv.aws.principals
                                    if not is_admin(access, p)]
    return access, actors


def is_admin(access: AccountAccess, principal: IamPrincipal) -> bool:
    decision = access.is_admin(principal)
    return decision.allowed and decision.confidence == "certain"


def by_account(principals: Iterable[IamPrincipal]) -> dict[str, list[IamPrincipal]]:
    grouped: dict[str, list[IamPrincipal]] = defaultdict(list)
    for principal in principals:
        grouped[principal.account].append(principal)
    return grouped


def bucket_owner(aws: AwsInventory) -> str:
    """The account S3 buckets belong to: bucket ARNs name none, so the input's only account
    (``""`` when the input spans several and does not say)."""
    accounts = aws.accounts
    return next(iter(accounts)) if len(accounts) == 1 else ""


# Resource policies read alone -----------------------------------------------------------

def resource_policy(access: AccountAccess, arn: str, document: PolicyJson) -> Policy:
    """A resource policy compiled once (under the name the evaluator gives it)."""
    return access.policy(f"{arn} resource policy", document, "resource")


def named_principals(policy: Policy, action: str) -> Iterator[str]:
    """The principals the Allow statements covering ``action`` name: lower-case ARNs,
    account ids, and ``*`` for everyone (services and identity providers are left out)."""
    for statement in policy.statements:
        spec = statement.principal
        if not statement.allow or statement.not_principal or spec is None \
                or not statement.matches_action(action):
            continue
        if spec.anyone or spec.any_aws:
            yield "*"
        yield from spec.arns
        yield from spec.accounts


class Target(NamedTuple):
    """A resource of an account grant: the ARN the action is on, what to call it, the vertex
    an edge leads to (the ARN when empty), the condition keys it brings (its tags), and
    what ties the vertex to the resource."""

    arn: str
    name: str
    vertex: str = ""
    context: Mapping[str, str] | None = None
    tie: str = ""

    @property
    def id(self) -> str:
        return self.vertex or self.arn


def _can_on(access: AccountAccess, principal: IamPrincipal, action: str, target: Target,
            pattern: str) -> Decision:
    return access.can(principal, action, target.arn, context=target.context)


def account_grant_edges(
    access: AccountAccess,
    actors: Iterable[IamPrincipal],
    capability: str,
    alternatives: tuple[str, ...],
    targets: dict[str, list[Target]],
    probe: str,
    kind: str,
    doing: str,
) -> Iterator[Edge]:
    """Edges of a grant on resources of the principal's own account (IAM roles and users,
    the instances of nodes), any one of the ``alternatives`` actions sufficing.

    A grant over every such resource goes ``principal -> hub:<capability>:aws/<account>``;
    the account's admin enters the hub too, and the hub fans out to each target. ``probe``
    is the resource ARN pattern with ``{account}`` and ``{p}`` (:data:`PROBE`); ``kind``
    names the resources and ``doing`` completes "<principal> may ...".
    """
    indexes = {account: ArnIndex((t.arn, t) for t in found)
               for account, found in targets.items()}
    for principal in actors:
        account = principal.account
        index = indexes.get(account)
        if index is None:
            continue
        probe_arn = probe.format(account=account, p=PROBE)
        direct: dict[str, tuple[Target, Decision]] = {}
        for action in alternatives:
            found = reach(access, principal, (action,), probe_arn, index,
                          partial(_can_on, access, principal, action))
            if found.everywhere is not None:
                yield Edge(principal.arn, account_hub(capability, account),
                           labelled(f"{principal.arn} may {doing} every {kind} of account "
                                    f"{account} ({action})", found.everywhere),
                           because(found.everywhere),
                           confidence_of(found.everywhere))
                break
            for target, decision in found.targets:
                if target.arn != principal.arn and (
                        target.id not in direct or decision.confidence == "certain"):
                    direct[target.id] = (target, decision)
        else:
            for target, decision in direct.values():
                yield Edge(principal.arn, target.id,
                           labelled(f"{principal.arn} may {doing} {kind} {target.name}",
                                    decision),
                           because(decision), confidence_of(decision))
    for account in sorted(targets):
        vertex = account_hub(capability, account)
        yield Edge(ids.admin_id(account), vertex,
                   f"an administrator of account {account} may {doing} every {kind} of it",
                   (f"{ids.admin_id(account)}: full control of account {account}",))
        for target in targets[account]:
            yield Edge(vertex, target.id, f"{doing} {kind} {target.name}",
                       (target.tie or f"{target.arn}: a {kind} of account {account}",),
                       "certain", HUB_COST)
