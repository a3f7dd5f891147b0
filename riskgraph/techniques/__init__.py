"""The technique catalog: one module per attacker step, discovered automatically.

Each module ``riskgraph/techniques/<id with _>.py`` defines ``TECHNIQUE``: its metadata,
one pure function from :class:`~riskgraph.inventory.Inventory` to :class:`Edge` objects,
and positive and negative :class:`Example` cases that the test suite runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal, NamedTuple

from riskgraph.confidence import Confidence

if TYPE_CHECKING:
    from riskgraph.inventory import Inventory

Severity = Literal["critical", "high", "medium", "low", "info"]


class Edge(NamedTuple):
    """One attacker step a technique found; the builder adds the technique's metadata."""

    source: str
    target: str
    reason: str
    evidence: tuple[str, ...]
    confidence: Confidence = "certain"
    cost: float | None = None


@dataclass(frozen=True)
class Example:
    """A manifest and exactly the (source, target) pairs the technique must emit for it.

    An example with no edges is a negative case: the technique must emit nothing.
    ``confidences`` optionally pins the confidence of some of those edges.
    """

    name: str
    manifests: str
    edges: frozenset[tuple[str, str]] = frozenset()
    confidences: dict[tuple[str, str], Confidence] = field(default_factory=dict)


@dataclass(frozen=True)
class Technique:
    """Catalog metadata plus the rule itself.

    ``traversable`` is False for placement facts (``schedule.on``) that are recorded in the
    graph but are not a step an attacker can take by themselves.
    """

    id: str
    title: str
    severity: Severity
    mitre: str | None
    remediation: str
    cost: float
    find: Callable[[Inventory], Iterable[Edge]]
    examples: tuple[Example, ...]
    traversable: bool = True


def module_name(technique_id: str) -> str:
    """The module that must hold a technique: ``escape.host-pid`` -> ``escape_host_pid``."""
    return technique_id.replace(".", "_").replace("-", "_")


@cache
def all_techniques() -> tuple[Technique, ...]:
    """Every technique in this package, sorted by id."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        technique = getattr(module, "TECHNIQUE", None)
        if not isinstance(technique, Technique):
            raise TypeError(f"{module.__name__} defines no TECHNIQUE")
        if module_name(technique.id) != info.name:
            raise TypeError(f"{module.__name__} holds technique {technique.id!r}; "
                            f"rename the file to {module_name(technique.id)}.py")
        found.append(technique)
    return tuple(sorted(found, key=lambda t: t.id))


def get(technique_id: str) -> Technique:
    """One technique by id; ``KeyError`` names the known ids when there is no such one."""
    for technique in all_techniques():
        if technique.id == technique_id:
            return technique
    raise KeyError(f"no technique {technique_id!r}; known: "
                   + ", ".join(t.id for t in all_techniques()))
