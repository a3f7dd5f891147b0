"""What the reports need of a route, as structural types.

The reports draw and print whatever has this shape: ``queries.PathSet`` does, and so can
plain data built in a notebook. Keeping these here, not the query result types, lets the
reports stay below the queries (data flows one way: queries -> these shapes -> reports).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from riskgraph.confidence import Confidence


class RouteStep(Protocol):
    """One attacker step of a route."""

    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def technique(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def confidence(self) -> Confidence: ...
    @property
    def cost(self) -> float: ...
    @property
    def evidence(self) -> tuple[str, ...]: ...


class Route(Protocol):
    """A route from an entry vertex to a target."""

    @property
    def steps(self) -> Sequence[RouteStep]: ...
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def cost(self) -> float: ...
    @property
    def confidence(self) -> Confidence: ...
    @property
    def vertices(self) -> tuple[str, ...]: ...


class Routes(Protocol):
    """Ranked routes, what they were searched between, and their vertices' attributes."""

    @property
    def paths(self) -> Sequence[Route]: ...
    @property
    def sources(self) -> int: ...
    @property
    def targets(self) -> int: ...
    @property
    def truncated(self) -> bool: ...
    @property
    def vertices(self) -> Mapping[str, Mapping[str, Any]]: ...
