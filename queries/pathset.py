"""Attack paths as values: what :func:`queries.attack_paths` returns.

A PathSet has the shape :mod:`riskgraph.report` draws and prints (its ``Routes``), so the
reports need not know this module. In Jupyter a PathSet shows its diagram (route groups past
ten paths) above a table of every step with its reason, and an AttackPath shows its own;
``to_records`` and ``to_dataframe`` (with the ``pandas`` extra) give one row per path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskgraph import ids
from riskgraph.confidence import Confidence, weakest
from riskgraph.errors import RenderError
from riskgraph.report import diagram, notebook

if TYPE_CHECKING:
    import pandas


@dataclass(frozen=True, slots=True, repr=False)
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

    def __repr__(self) -> str:
        return (f"<PathStep {self.source} -[{self.technique}, {self.confidence}]-> "
                f"{self.target}>")


@dataclass(frozen=True, slots=True, repr=False)
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

    def __repr__(self) -> str:
        return (f"<AttackPath {self.source} -> {self.target}: cost {self.cost:g}, "
                f"{self.confidence}, {len(self.steps)} steps>")

    def _repr_html_(self) -> str:
        """This path's diagram above its steps, each with its reason."""
        return notebook.to_html(PathSet((self,), 1, 1), f"{self.source} \u2192 {self.target}")


@dataclass(frozen=True, repr=False)
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
        """The JSON document of DESIGN.md (``paths`` and ``summary``); a path through a
        replica class also says how many live pods the class stands for (``replicas``)."""
        return {"paths": [self._path_dict(path) for path in self.paths],
                "summary": {"paths": len(self.paths), "sources": self.sources,
                            "targets": self.targets, "truncated": self.truncated}}

    def _path_dict(self, path: AttackPath) -> dict[str, Any]:
        doc = path.to_dict()
        counts = {v: found for v in path.vertices
                  if (found := self.vertices.get(v, {}).get("replica_count"))}
        if counts:
            doc["replicas"] = counts
        return doc

    def __repr__(self) -> str:
        cheapest = f", cheapest {min(p.cost for p in self.paths):g}" if self.paths else ""
        more = ", truncated" if self.truncated else ""
        return (f"<PathSet {len(self.paths)} paths from {self.sources} sources to "
                f"{self.targets} targets{cheapest}{more}>")

    def to_records(self) -> list[dict[str, Any]]:
        """One flat row per path, rank order: rank, source, target, target_kind, cost,
        confidence, hops and the technique chain (``pattern``, the route pattern's
        techniques joined by ``>``)."""
        return [{"rank": rank, "source": path.source, "target": path.target,
                 "target_kind": self.vertices.get(path.target, {}).get("kind")
                 or ids.parse(path.target).kind,
                 "cost": path.cost, "confidence": path.confidence, "hops": len(path.steps),
                 "pattern": " > ".join(step.technique for step in path.steps)}
                for rank, path in enumerate(self.paths, start=1)]

    def to_dataframe(self) -> pandas.DataFrame:
        """:meth:`to_records` as a pandas DataFrame indexed by rank.

        Raises
        ------
        ImportError
            Without pandas (``pip install 'riskgraph[pandas]'``).
        """
        try:
            import pandas  # deliberate break: pandas is an optional extra, loaded on demand
        except ImportError as exc:
            raise ImportError("PathSet.to_dataframe needs pandas: "
                              "pip install 'riskgraph[pandas]'") from exc
        columns = ["rank", "source", "target", "target_kind", "cost", "confidence", "hops",
                   "pattern"]
        return pandas.DataFrame(self.to_records(), columns=columns).set_index("rank")

    def groups(self) -> tuple[tuple[int, ...], ...]:
        """Each route group's members (indices into ``paths``), as the diagrams take them."""
        from queries.groups import route_groups  # deliberate break: groups build on PathSet
        return tuple(group.members for group in route_groups(self))

    def to_html(self, title: str | None = None, layout: str = "LR") -> str:
        """The notebook view with a chosen heading and direction (``"TB"`` fits slides)."""
        return notebook.to_html(self, title, layout=layout, groups=self.groups())

    def _repr_svg_(self) -> str | None:
        """The diagram for Jupyter; None without Graphviz ``dot`` so Jupyter falls back."""
        try:
            return diagram.render(self, "svg", groups=self.groups()).decode()
        except RenderError:
            return None

    def _repr_html_(self) -> str:
        """The diagram (when ``dot`` is installed) above a table of every path's steps."""
        return self.to_html()
