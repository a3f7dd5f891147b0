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

from collections.abc import Mapping
from dataclasses import dataclass

from riskgraph.models.selectors import LabelSelector


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
