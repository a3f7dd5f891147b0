"""Posture checks: hardening findings that are not attacker steps by themselves.

Checks live by family like techniques: id ``pod.run-as-root`` is
``riskgraph/checks/pod/run_as_root.py``. Each check module defines ``CHECK``: metadata, one
pure function from :class:`~riskgraph.estate.inventory.Inventory` to :class:`Finding`
objects, and positive and negative :class:`Example` cases that the test suite runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from riskgraph.confidence import Confidence
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


def module_name(check_id: str) -> str:
    """The module that must hold a check: ``pod.run-as-root`` -> ``pod.run_as_root``."""
    family, _, rest = check_id.partition(".")
    return f"{family}.{rest.replace('.', '_').replace('-', '_')}"


@cache
def all_checks() -> tuple[Check, ...]:
    """Every check of every family folder, sorted by id."""
    found = []
    for family in pkgutil.iter_modules(__path__):
        if family.name.startswith("_") or not family.ispkg:
            continue
        package = importlib.import_module(f"{__name__}.{family.name}")
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                found.append(_check_of(f"{family.name}.{info.name}"))
    return tuple(sorted(found, key=lambda c: c.id))


def _check_of(name: str) -> Check:
    module = importlib.import_module(f"{__name__}.{name}")
    check = getattr(module, "CHECK", None)
    if not isinstance(check, Check):
        raise TypeError(f"{module.__name__} defines no CHECK")
    if module_name(check.id) != name:
        raise TypeError(f"{module.__name__} holds check {check.id!r}; move the file to "
                        f"riskgraph/checks/{module_name(check.id).replace('.', '/')}.py")
    return check
