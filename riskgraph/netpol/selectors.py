"""Label selectors compiled once into fast matchers.

>>> from riskgraph.models.selectors import LabelSelector, LabelSelectorRequirement
>>> tier = LabelSelectorRequirement(key="tier", operator="NotIn", values=["db"])
>>> selector = Selector.compile(LabelSelector(match_labels={"app": "web"},
...                                           match_expressions=[tier]))
>>> selector.matches({"app": "web"}), selector.matches({"app": "web", "tier": "db"})
(True, False)
>>> Selector.compile(LabelSelector()).matches({})
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from riskgraph.models.selectors import LabelSelector

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``matchExpressions`` entry (``matchLabels`` pairs become ``In`` with one value)."""

    key: str
    operator: str
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement, as the API server's selector does."""
        value = labels.get(self.key)
        if self.operator == "In":
            return value is not None and value in self.values
        if self.operator == "NotIn":
            return value is None or value not in self.values
        if self.operator == "Exists":
            return value is not None
        return value is None


@dataclass(frozen=True, slots=True)
class Selector:
    """A label selector: every requirement must hold; none at all matches every object."""

    requirements: tuple[Requirement, ...]

    @classmethod
    def compile(cls, selector: LabelSelector) -> Selector:
        """The matcher for a parsed ``LabelSelector``.

        Parameters
        ----------
        selector
            ``matchLabels`` and ``matchExpressions`` as parsed (operators already checked).
        """
        pairs = [Requirement(k, "In", frozenset({v})) for k, v in
                 sorted(selector.match_labels.items())]
        expressions = [Requirement(e.key, e.operator, frozenset(e.values))
                       for e in selector.match_expressions]
        return cls(tuple(pairs + expressions))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with ``labels`` is selected."""
        # A loop, not all() over a generator: called for every pod and selector.
        for requirement in self.requirements:  # noqa: SIM110
            if not requirement.matches(labels):
                return False
        return True

    def required_pair(self) -> tuple[str, str] | None:
        """A label (key, value) every object it selects has: its first one-value ``In``."""
        for requirement in self.requirements:
            if requirement.operator == "In" and len(requirement.values) == 1:
                return requirement.key, next(iter(requirement.values))
        return None


class SelectorIndex(Generic[T]):
    """Items with their selectors (None: selects everything), each filed under a label pair
    its selector requires, so that an object is tried only against the selectors its
    labels could satisfy.

    >>> web = Selector((Requirement("app", "In", frozenset({"web"})),))
    >>> SelectorIndex([(web, "web"), (None, "all")]).matching({"app": "web", "tier": "1"})
    ['web', 'all']
    """

    def __init__(self, items: Iterable[tuple[Selector | None, T]]) -> None:
        self._items = list(items)
        self._always: list[int] = []
        self._by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
        for place, (selector, _) in enumerate(self._items):
            pair = None if selector is None else selector.required_pair()
            (self._always if pair is None else self._by_pair[pair]).append(place)

    def matching(self, labels: Mapping[str, str]) -> list[T]:
        """The items whose selector matches ``labels``, in their order."""
        places = list(self._always)
        for pair in labels.items():
            places.extend(self._by_pair.get(pair, ()))
        places.sort()
        items = self._items
        return [items[p][1] for p in places
                if (selector := items[p][0]) is None or selector.matches(labels)]
