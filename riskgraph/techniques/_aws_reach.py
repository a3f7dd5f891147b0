"""Candidate resources of a grant, found without evaluating every principal against every
resource.

The principal's compiled statements say which Resource patterns an action is allowed on (a
scan, no evaluation); the IAM evaluator then decides each candidate those patterns match in
an :class:`ArnIndex`. A grant allowed on a probe ARN, whose name no policy spells, covers
every name of the account: the caller routes it through one account hub instead.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Generic, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

from riskgraph.aws_inventory import IamPrincipal
from riskgraph.iam import AccountAccess, Decision, Statement
from riskgraph.iam.conditions import Context
from riskgraph.iam.matching import NormalContext, arn_matches, resource_applies, substitute

T = TypeVar("T")

#: The name part of a probe ARN: no policy names it, so only a wildcard grant allows it.
PROBE = "\x00"


def all_of(decisions: Iterable[Decision]) -> Decision:
    """One decision standing for several: allowed when all are, else the first refusal."""
    found = list(decisions)
    refused = next((d for d in found if not d.allowed), None)
    if refused is not None:
        return refused
    keys = tuple(dict.fromkeys(k for d in found for k in d.unknown_keys))
    return Decision(True, "likely" if keys or any(d.confidence != "certain" for d in found)
                    else "certain", keys,
                    "; ".join(dict.fromkeys(d.because for d in found if d.because)))


class ArnIndex(Generic[T]):
    """Items by ARN; a pattern is matched only against the ARNs that share its literal
    prefix, so a grant on ``role/app-*`` never looks at the other 20,000 roles."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        pairs = sorted(items, key=itemgetter(0))
        self._arns = [arn for arn, _ in pairs]
        self._items = [item for _, item in pairs]

    def __len__(self) -> int:
        return len(self._arns)

    def matching(self, pattern: str) -> Iterator[T]:
        """Every item whose ARN the (variable-free) pattern matches."""
        cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0),
                  default=len(pattern))
        prefix = pattern[:cut]
        position = bisect_left(self._arns, prefix)
        while position < len(self._arns) and self._arns[position].startswith(prefix):
            if arn_matches(pattern, self._arns[position]):
                yield self._items[position]
            position += 1


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
                prefix = action.partition(":")[0].lower()
                names.add("*" if "*" in prefix or "?" in prefix else prefix)
        found = known[principal.arn] = frozenset(names)
    return found


def may_use(access: AccountAccess, principal: IamPrincipal, service: str) -> bool:
    """Whether any identity Allow of the principal could name an action of ``service``."""
    services = allowed_services(access, principal)
    return "*" in services or service in services


def grants(access: AccountAccess, principal: IamPrincipal, action: str, probe: str) -> Grants:
    """Where a principal's identity policies allow ``action``, read from its statements.

    With a permissions boundary narrower than the identity grant, the boundary's patterns
    pick the candidates (either would do; the narrower keeps the work small).
    """
    if not may_use(access, principal, action.partition(":")[0].lower()):
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


class Reach(NamedTuple, Generic[T]):
    """Where a grant leads: every resource of the kind in the account (``everywhere``, the
    decision on the probe) or the listed resources, each with its decision."""

    everywhere: Decision | None
    targets: list[tuple[T, Decision]]


def reach(
    access: AccountAccess,
    principal: IamPrincipal,
    actions: tuple[str, ...],
    probe: str,
    index: ArnIndex[T],
    decide: Callable[[T, str], Decision],
    index_key: Callable[[str], str] = str,
    context: Context | None = None,
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
        Condition keys of the request, for the probe (``decide`` passes its own).
    """
    grant = grants(access, principal, actions[0], probe)
    if not grant.patterns:
        return Reach(None, [])
    known = access.principal_policies(principal).context
    if not grant.narrowed and _covers(grant.patterns, probe, known):
        decision = all_of(access.can(principal, action, probe, context=context,
                                     resource_account=principal.account)
                          for action in actions)
        # A probe has no tags: a grant that depends on the resource's tags is decided per
        # resource, where they are known.
        if decision.allowed and not any("resourcetag/" in k.lower()
                                        for k in decision.unknown_keys):
            return Reach(decision, [])
    targets: list[tuple[T, Decision]] = []
    seen: set[int] = set()
    for pattern in grant.patterns:
        resolved = substitute(pattern, known)[0]
        for item in index.matching(index_key(resolved)):
            if id(item) not in seen:
                seen.add(id(item))
                decision = decide(item, resolved)
                if decision.allowed:
                    targets.append((item, decision))
    return Reach(None, targets)
