"""The exception hierarchy and the record of input that could not be used."""

from __future__ import annotations

from dataclasses import dataclass


class RiskgraphError(Exception):
    """Base of every error riskgraph raises on purpose."""


class InputError(RiskgraphError):
    """The input as a whole cannot be used (nothing readable, unknown snapshot version, ...)."""


class SelectorError(RiskgraphError):
    """A ``--from``/``--to`` selector is malformed or matches nothing it could ever match."""


class SettingError(RiskgraphError):
    """An environment setting riskgraph reads (``RISKGRAPH_WORKERS``) has a value it cannot use."""


class RenderError(RiskgraphError):
    """A diagram could not be rendered (for example, Graphviz ``dot`` is not installed)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One piece of input that was skipped or only partly used, and why.

    ``source`` is the file (or API resource) it came from, ``obj`` the object where known.
    """

    source: str
    message: str
    line: int | None = None
    obj: str | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        what = f" ({self.obj})" if self.obj else ""
        return f"{where}{what}: {self.message}"
