"""Attack paths as values: what :func:`queries.attack_paths` returns.

A PathSet has the shape :mod:`riskgraph.report` draws and prints (its ``Routes``), so the
reports need not know this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from riskgraph.confidence import Confidence, weakest
from riskgraph.errors import RenderError
from riskgraph.report import diagram


@dataclass(frozen=True, slots=True)
class PathStep:
    """One edge of a path: an attacker step with its reason and evidence."""

    source: str
    target: str
    technique: str
    reason: str
    confidence: Confidence
    cost: float
    evidence: tuple[str, ...] = ()
    mitre: str | None = None
    severity: str = "info"

    def to_dict(self) -> dict[str, Any]:
        """The step as DESIGN.md's JSON contract spells it, with its severity, MITRE id,
        cost and evidence."""
        return {"from": self.source, "to": self.target, "technique": self.technique,
                "reason": self.reason, "confidence": self.confidence,
                "severity": self.severity, "mitre": self.mitre, "cost": self.cost,
                "evidence": list(self.evidence)}


@dataclass(frozen=True, slots=True)
class AttackPath:
    """A route from an entry vertex to a target, cheapest first when ranked."""

    steps: tuple[PathStep, ...]

    @property
    def source(self) -> str:
        return self.steps[0].source

    @property
    def target(self) -> str:
        return self.steps[-1].target

    @property
    def cost(self) -> float:
        return round(sum(step.cost for step in self.steps), 3)

    @property
    def confidence(self) -> Confidence:
        return weakest(*(step.confidence for step in self.steps))

    @property
    def vertices(self) -> tuple[str, ...]:
        return (self.source, *(step.target for step in self.steps))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "cost": self.cost,
                "steps": [step.to_dict() for step in self.steps]}


@dataclass(frozen=True)
class PathSet:
    """The answer to a path question: ranked paths plus what they were searched between.

    ``vertices`` holds the attributes (kind, name, namespace, ...) of every vertex on a
    path, so a PathSet can be rendered or serialised without the graph.
    In Jupyter a PathSet displays as its diagram.
    """

    paths: tuple[AttackPath, ...]
    sources: int
    targets: int
    truncated: bool = False
    vertices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[AttackPath]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> AttackPath:
        return self.paths[index]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of DESIGN.md (``paths`` and ``summary``)."""
        return {"paths": [path.to_dict() for path in self.paths],
                "summary": {"paths": len(self.paths), "sources": self.sources,
                            "targets": self.targets, "truncated": self.truncated}}

    def _repr_svg_(self) -> str | None:
        """The diagram for Jupyter; None without Graphviz ``dot`` so Jupyter falls back."""
        try:
            return diagram.render(self, "svg").decode()
        except RenderError:
            return None

    def _repr_html_(self) -> str:
        """The diagram (when ``dot`` is installed) above a table of every path's steps."""
        return diagram.to_html(self)
