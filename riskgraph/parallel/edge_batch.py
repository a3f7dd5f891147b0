"""One technique's edges as the builder merges them, pickled column by column.

A build worker (:mod:`riskgraph.parallel.workers`) sends each technique's edges to the building
process. Pickled as a dict, every edge costs an object with its own slot dict; pickled as
columns (the vertex pairs, then each slot of :class:`~riskgraph.edges.EdgeAttrs` for every
edge) they travel about twice as fast and the metadata and evidence tuples the edges
share are sent once.
"""

from __future__ import annotations

from typing import Any

from riskgraph.edges import EdgeAttrs
from riskgraph.errors import Problem


class EdgeBatch(dict[tuple[str, str], EdgeAttrs]):
    """(source, target) -> attributes of one technique's edges; ``problems`` are what the
    technique found wrong in the input while finding them."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[Problem] = []

    def __reduce__(self) -> tuple[Any, ...]:
        parts = list(zip(*(attrs.parts() for attrs in self.values()), strict=True))
        return _from_columns, (list(self), parts, self.problems)


def _from_columns(pairs: list[tuple[str, str]], parts: list[tuple[Any, ...]],
                  problems: list[Problem]) -> EdgeBatch:
    batch = EdgeBatch()
    batch.problems = problems
    if pairs:
        from_parts = EdgeAttrs.from_parts
        batch.update(zip(pairs, map(from_parts, *parts), strict=True))
    return batch
