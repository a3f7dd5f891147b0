"""The technique catalog: one module per attacker step, discovered automatically.

Techniques live by family: id ``escape.host-pid`` is ``riskgraph/techniques/escape/host_pid.py``.
A family's private helpers are its ``_name.py`` modules; helpers more than one family uses
are in ``_shared/``. Each technique module defines ``TECHNIQUE``: its metadata,
one pure function from :class:`~riskgraph.estate.inventory.Inventory` to :class:`Edge` objects,
and positive and negative :class:`Example` cases that the test suite runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal, NamedTuple

from riskgraph.confidence import Confidence
from riskgraph.edges import Reason
from riskgraph.families import discover

if TYPE_CHECKING:
    from riskgraph.estate.inventory import Inventory

Severity = Literal["critical", "high", "medium", "low", "info"]
#: Which object of an edge a person changes to remove it: the object and field its first
#: evidence item names (``k8s:Deployment:web/api: spec...privileged=true``; the edge's
#: source when the evidence names none), the edge's source or target vertex, or None for a
#: structural step (a pod holds its containers) that no configuration change removes.
FixPoint = Literal["evidence", "source", "target"]


class Edge(NamedTuple):
    """One attacker step a technique found; the builder adds the technique's metadata.

    A high-volume technique gives its reason as a :class:`~riskgraph.edges.Reason`
    (template and arguments, rendered when read); any other gives the sentence.
    """

    source: str
    target: str
    reason: str | Reason
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
    graph but are not a step an attacker can take by themselves. ``fix_point`` says what a
    person changes to remove an edge (see :data:`FixPoint`); edges out of an aggregation
    hub or an account-wide power are fan-out and never a fix, whatever it says.
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
    fix_point: FixPoint | None = "evidence"


@cache
def all_techniques() -> tuple[Technique, ...]:
    """Every technique of every family folder, sorted by id."""
    return discover(__name__, __path__, "TECHNIQUE", Technique)


@cache
def by_id() -> dict[str, Technique]:
    """Every technique, keyed by its id."""
    return {technique.id: technique for technique in all_techniques()}


def get(technique_id: str) -> Technique:
    """One technique by id; ``KeyError`` names the known ids when there is no such one."""
    found = by_id().get(technique_id)
    if found is None:
        raise KeyError(f"no technique {technique_id!r}; known: " + ", ".join(by_id()))
    return found
