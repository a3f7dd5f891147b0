"""Posture checks: hardening findings that are not attacker steps by themselves.

Checks live by family like techniques: id ``pod.run-as-root`` is
``riskgraph/checks/pod/run_as_root.py``. Each check module defines ``CHECK``: metadata, one
pure function from :class:`~riskgraph.estate.inventory.Inventory` to :class:`Finding`
objects, and positive and negative :class:`Example` cases that the test suite runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from riskgraph.confidence import Confidence
from riskgraph.families import discover
from riskgraph.techniques import Severity

if TYPE_CHECKING:
    from riskgraph.estate.inventory import Inventory


class Finding(NamedTuple):
    """One object a check flags: ``object`` is the id of what a person changes."""

    object: str
    reason: str
    evidence: tuple[str, ...]
    confidence: Confidence = "certain"


@dataclass(frozen=True)
class Example:
    """Manifests (Kubernetes or AWS documents) and exactly the objects the check flags.

    An example with no objects is a negative case: the check must flag nothing.
    """

    name: str
    manifests: str
    objects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Check:
    """Catalog metadata of a posture check plus the check itself."""

    id: str
    title: str
    severity: Severity
    remediation: str
    find: Callable[[Inventory], Iterable[Finding]]
    examples: tuple[Example, ...]


@cache
def all_checks() -> tuple[Check, ...]:
    """Every check of every family folder, sorted by id."""
    return discover(__name__, __path__, "CHECK", Check)
