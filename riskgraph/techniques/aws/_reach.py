"""Candidate resources of a grant, found without evaluating every principal against every
resource.

The principal's compiled statements say which Resource patterns an action is allowed on (a
scan, no evaluation); the IAM evaluator then decides each candidate those patterns match in
an :class:`ArnIndex`. A grant allowed on a probe ARN, whose name no policy spells, covers
every name of the account: the caller routes it through one account hub instead. Likewise
a grant pattern that matches many candidates and is allowed on a probe inside it (the
pattern's wildcards spelled as :data:`PROBE`) covers every candidate it matches: the caller
routes it through one hub per pattern, shared by every principal holding that pattern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.iam import AccountAccess, Decision, Statement
from riskgraph.iam.conditions import Context
from riskgraph.iam.matching import (
    NormalContext,
    glob,
    has_wildcard,
    resource_applies,
    substitute,
)
from riskgraph.techniques.aws._index import PROBE, ArnIndex, Group, all_of

T = TypeVar("T")

#: Fewest candidates a grant pattern must match to be shared through a hub. Below it the
#: principal gets direct edges: at most this many per pattern, so edges still grow with
#: principals, not principals x resources; and a direct edge reads better in a path.
SHARED_MIN = 8


class Grants(NamedTuple):
    """The Resource patterns an action is allowed on (before evaluation), and whether a
    Deny on particular resources or a NotResource makes a probe unreliable."""

    patterns: tuple[str, ...]
    narrowed: bool


def _patterns(statements: Iterable[Statement], action: str, probe: str,
              context: NormalContext) -> tuple[list[str], bool]:
    patterns: list[str] = []
    narrowed = False
    for statement in statements:
        if not statement.matches_action(action):
            continue
        if statement.not_resource or statement.resources is None:
            narrowed = narrowed or statement.not_resource
            if statement.allow:
                patterns.append("*")
        elif statement.allow:
            patterns.extend(statement.resources)
        elif any(resource_applies(r, probe, context) is None for r in statement.resources):
            narrowed = True
    return patterns, narrowed


_SERVICES: WeakKeyDictionary[AccountAccess, dict[str, frozenset[str]]] = WeakKeyDictionary()


def allowed_services(access: AccountAccess, principal: IamPrincipal) -> frozenset[str]:
    """The service prefixes the principal's identity Allow statements name (``*`` when one
    names every service or uses NotAction): a cheap test before any statement scan."""
    known = _SERVICES.get(access)
    if known is None:
        known = _SERVICES[access] = {}
    found = known.get(principal.arn)
    if found is None:
        names: set[str] = set()
        for statement in access.principal_policies(principal).identity_statements:
            if not statement.allow:
                continue
            if statement.not_action:
                names.add("*")
            for action in statement.actions:
                prefix = service_of(action)
                names.add("*" if "*" in prefix or "?" in prefix else prefix)
        found = known[principal.arn] = frozenset(names)
    return found


def service_of(action: str) -> str:
    """The service prefix of an IAM action, as statements are compared: ``s3`` of
    ``S3:GetObject``."""
    return action.partition(":")[0].lower()


def may_use(access: AccountAccess, principal: IamPrincipal, *services: str) -> bool:
    """Whether any identity Allow of the principal could name an action of one of
    ``services``."""
    allowed = allowed_services(access, principal)
    return "*" in allowed or not allowed.isdisjoint(services)


def grants(access: AccountAccess, principal: IamPrincipal, action: str, probe: str) -> Grants:
    """Where a principal's identity policies allow ``action``, read from its statements.

    With a permissions boundary narrower than the identity grant, the boundary's patterns
    pick the candidates (either would do; the narrower keeps the work small).
    """
    if not may_use(access, principal, service_of(action)):
        return Grants((), False)
    known = access.principal_policies(principal)
    patterns, narrowed = _patterns(known.identity_statements, action, probe, known.context)
    if not patterns:
        return Grants((), False)
    if known.boundary_statements is not None:
        bounded, narrower = _patterns(known.boundary_statements, action, probe,
                                      known.context)
        if not bounded:
            return Grants((), False)
        narrowed = narrowed or narrower
        if _covers(patterns, probe, known.context) and not _covers(bounded, probe,
                                                                   known.context):
            patterns = bounded
    for scp in known.scps:
        narrowed = narrowed or _patterns(scp.statements, action, probe, known.context)[1]
    return Grants(tuple(patterns), narrowed)


def _covers(patterns: Iterable[str], probe: str, context: NormalContext) -> bool:
    return any(resource_applies(p, probe, context) is not None for p in patterns)


def can_somewhere(access: AccountAccess, principal: IamPrincipal, action: str,
                  context: Context | None = None) -> Decision:
    """Whether the principal may do ``action`` on some resource: each Resource pattern of its
    grants is tried as the request's resource (a pattern matches itself), so a launch
    action allowed only in one region or on one name prefix still counts."""
    known = access.principal_policies(principal)
    found = grants(access, principal, action, f"arn:aws:{PROBE}")
    best: Decision | None = None
    for pattern in dict.fromkeys(found.patterns):
        decision = access.can(principal, action, substitute(pattern, known.context)[0],
                              context=context, resource_account=principal.account)
        if decision.allowed and (best is None or decision.confidence == "certain"):
            best = decision
            if decision.confidence == "certain":
                break
    return best or Decision(False, "certain", (), f"{principal.arn} may not {action}")


def _same(arn: str, pattern: str) -> str:
    return arn


class Sharing(NamedTuple, Generic[T]):
    """How a caller lets wide grant patterns share hubs: the account a candidate belongs to
    (``""`` when its ARN names none: the principal's own), and the request ARN of an
    action on a candidate given the grant pattern (S3 object reads act on objects)."""

    owner: Callable[[T], str]
    request: Callable[[str, str], str] = _same


class Shared(NamedTuple, Generic[T]):
    """A grant over every candidate of ``owner``'s account that ``pattern`` (an index
    pattern) matches: the decision on a probe inside the pattern, and those candidates."""

    pattern: str
    owner: str
    decision: Decision
    items: list[T]


class Reach(NamedTuple, Generic[T]):
    """Where a grant leads: every resource of the kind in the account (``everywhere``, the
    decision on the probe), the listed resources each with its decision, and the wide
    patterns it covers whole (``shared``, only when asked for)."""

    everywhere: Decision | None
    targets: list[tuple[T, Decision]]
    shared: tuple[Shared[T], ...] = ()


def pattern_probe(pattern: str, account: str) -> str | None:
    """An ARN inside ``pattern`` in ``account`` whose wildcard parts no policy spells
    (:data:`PROBE`): a grant allowed on it covers every name the pattern matches there.
    ``None`` when the pattern is no ARN or names another account.

    >>> pattern_probe("arn:aws:iam::*:role/team-*", "111122223333")
    'arn:aws:iam::111122223333:role/team-\\x00'
    >>> pattern_probe("arn:aws:iam::444455556666:role/*", "111122223333") is None
    True
    """
    fields = pattern.split(":", 5)
    if len(fields) < 6:
        return None
    if fields[4]:
        if not glob(fields[4]).fullmatch(account):
            return None
        fields[4] = account
    return ":".join(fields).replace("*", PROBE).replace("?", PROBE)


def _tag_bound(decision: Decision) -> bool:
    # A probe has no tags: a grant that depends on the resource's tags is decided per
    # resource, where they are known.
    return any("resourcetag/" in k.lower() for k in decision.unknown_keys)


def _share(access: AccountAccess, principal: IamPrincipal, actions: tuple[str, ...],
           resolved: str, key: str, index: ArnIndex[T], sharing: Sharing[T],
           context: Context | None) -> tuple[list[tuple[Shared[T], Group[T]]], list[T]]:
    """The candidates of one wide pattern the grant covers whole (by owning account), and
    the rest, to be decided one by one."""
    groups = dict(index.owned(key, sharing.owner))
    unowned = groups.pop("", None)
    if unowned is not None:
        own = groups.get(principal.account)
        groups[principal.account] = unowned if own is None else Group(
            own.items + unowned.items, own.ids | unowned.ids)
    shared: list[tuple[Shared[T], Group[T]]] = []
    rest: list[T] = []
    for owner, group in groups.items():
        probe = pattern_probe(key, owner)
        # The identity side alone (as within the principal's account): the hub's fan-out
        # judges each candidate's own policy.
        decision = None if probe is None else all_of(
            access.can(principal, action, sharing.request(probe, resolved), context=context,
                       resource_account=principal.account) for action in actions)
        if decision is not None and decision.allowed and not _tag_bound(decision):
            shared.append((Shared(key, owner, decision, group.items), group))
        else:
            rest.extend(group.items)
    return shared, rest


def reach(
    access: AccountAccess,
    principal: IamPrincipal,
    actions: tuple[str, ...],
    probe: str,
    index: ArnIndex[T],
    decide: Callable[[T, str], Decision],
    index_key: Callable[[str], str] = str,
    context: Context | None = None,
    sharing: Sharing[T] | None = None,
) -> Reach[T]:
    """Which resources of ``index`` a principal may act on with all of ``actions``.

    Parameters
    ----------
    access
        The IAM evaluator of the inventory.
    principal
        The acting IAM role or user.
    actions
        Actions that must all be allowed; the first one's patterns pick the candidates.
    probe
        A resource ARN of the principal's account with the name :data:`PROBE`: a grant
        allowed there (and not narrowed by a Deny) is allowed on every such resource.
    index
        The candidate resources by ARN.
    decide
        The decision for one candidate, given the grant pattern that matched it.
    index_key
        Turns a grant pattern into an index pattern (S3 object grants name buckets).
    context
        Condition keys of the request, for the probes (``decide`` passes its own).
    sharing
        When given, a pattern matching at least :data:`SHARED_MIN` candidates that the
        grant covers whole (no Deny, boundary or SCP narrows it, nothing hangs on the
        resource's tags) comes back in ``shared`` instead of candidate by candidate.
    """
    grant = grants(access, principal, actions[0], probe)
    if not grant.patterns:
        return Reach(None, [])
    known = access.principal_policies(principal).context
    narrowed = grant.narrowed or any(grants(access, principal, action, probe).narrowed
                                     for action in actions[1:])
    if not narrowed and _covers(grant.patterns, probe, known):
        decision = all_of(access.can(principal, action, probe, context=context,
                                     resource_account=principal.account)
                          for action in actions)
        if decision.allowed and not _tag_bound(decision):
            return Reach(decision, [])
    shared: list[tuple[Shared[T], Group[T]]] = []
    pending: list[tuple[str, list[T]]] = []
    for pattern in dict.fromkeys(grant.patterns):
        resolved, unknown, literal = substitute(pattern, known)
        key = index_key(resolved)
        found = index.matching(key)
        if sharing is not None and not (narrowed or unknown or literal) and \
                has_wildcard(key) and len(found) >= SHARED_MIN:
            covered, found = _share(access, principal, actions, resolved, key, index,
                                    sharing, context)
            shared.extend(covered)
        pending.append((resolved, found))
    seen: set[int] = set()
    surely = [g.ids for s, g in shared if s.decision.confidence == "certain"]
    targets: list[tuple[T, Decision]] = []
    for resolved, found in pending:
        for item in found:
            # What a shared pattern surely covers needs no edge of its own.
            if id(item) not in seen and not any(id(item) in ids for ids in surely):
                seen.add(id(item))
                decision = decide(item, resolved)
                if decision.allowed:
                    targets.append((item, decision))
    return Reach(None, targets, tuple(s for s, _ in shared))
