"""Resources by ARN for grant patterns to be matched against, and small helpers on
decisions that the AWS techniques share (see :mod:`riskgraph.techniques.aws._reach`)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Generic, NamedTuple, TypeVar

from riskgraph.confidence import weakest
from riskgraph.iam import Decision
from riskgraph.iam.matching import arn_matches

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
    return Decision(True, weakest("likely" if keys else "certain",
                                  *(d.confidence for d in found)), keys,
                    "; ".join(dict.fromkeys(d.because for d in found if d.because)))


class Group(NamedTuple, Generic[T]):
    """Items of one account a pattern matches, and their identities (to test membership)."""

    items: list[T]
    ids: frozenset[int]


class ArnIndex(Generic[T]):
    """Items by ARN; a pattern is matched only against the ARNs that share its literal
    prefix, so a grant on ``role/app-*`` never looks at the other 20,000 roles."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        pairs = sorted(items, key=itemgetter(0))
        self._arns = [arn for arn, _ in pairs]
        self._items = [item for _, item in pairs]
        self._matches: dict[str, list[T]] = {}
        self._owned: dict[tuple[str, Callable[[T], str]], dict[str, Group[T]]] = {}

    def __len__(self) -> int:
        return len(self._arns)

    def matching(self, pattern: str) -> list[T]:
        """Every item whose ARN the (variable-free) pattern matches; kept per pattern, so a
        pattern many principals hold is matched once."""
        found = self._matches.get(pattern)
        if found is None:
            cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0),
                      default=len(pattern))
            prefix = pattern[:cut]
            found = self._matches[pattern] = []
            position = bisect_left(self._arns, prefix)
            while position < len(self._arns) and self._arns[position].startswith(prefix):
                if arn_matches(pattern, self._arns[position]):
                    found.append(self._items[position])
                position += 1
        return found

    def owned(self, pattern: str, owner: Callable[[T], str]) -> dict[str, Group[T]]:
        """:meth:`matching` by the account ``owner`` gives each item (kept too)."""
        found = self._owned.get((pattern, owner))
        if found is None:
            grouped: dict[str, list[T]] = defaultdict(list)
            for item in self.matching(pattern):
                grouped[owner(item)].append(item)
            found = self._owned[(pattern, owner)] = {
                account: Group(items, frozenset(map(id, items)))
                for account, items in grouped.items()}
        return found
