"""What the queries read from the technique catalog: severities, remediation, fix points."""

from __future__ import annotations

from collections.abc import Iterable

from riskgraph.errors import SelectorError
from riskgraph.techniques import Technique, by_id

#: Severity of an edge whose technique the catalog does not know (a hand-built graph).
UNKNOWN_SEVERITY = "info"


def technique(technique_id: str) -> Technique | None:
    """The catalog entry of a technique id, or None for an id the catalog lacks."""
    return by_id().get(technique_id)


def severity_of(technique_id: str) -> str:
    """The catalog severity of a technique (``info`` for an id the catalog lacks)."""
    found = by_id().get(technique_id)
    return found.severity if found is not None else UNKNOWN_SEVERITY


def fix_points() -> dict[str, str]:
    """Technique id -> where its step is fixed (``source``, ``target`` or ``evidence``),
    for the techniques that have a fix point."""
    return {technique_id: entry.fix_point for technique_id, entry in by_id().items()
            if entry.fix_point is not None}


def known_techniques(ids: Iterable[str]) -> frozenset[str]:
    """``ids`` as a set, after checking each is in the catalog.

    Raises
    ------
    riskgraph.errors.SelectorError
        Naming the unknown ids and where the known ones are listed.
    """
    wanted = frozenset(ids)
    unknown = sorted(wanted - by_id().keys())
    if unknown:
        raise SelectorError(f"unknown technique id(s): {', '.join(unknown)}; "
                         "`riskgraph techniques` lists them")
    return wanted
