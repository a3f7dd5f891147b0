"""One AWS CLI output document being read: where it came from, where its resources and
problems go, and how a resource that does not validate is named in its problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from riskgraph.errors import Problem
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.models.aws import PolicyJson, decode_policy

M = TypeVar("M", bound=BaseModel)
_FIELDS_SHOWN = 3


@dataclass
class AwsDocument:
    """A decoded document, where it came from, and where its resources and problems go."""

    doc: dict[str, Any]
    source: str
    out: AwsInventory
    problems: list[Problem]

    def problem(self, message: str, obj: str | None = None) -> None:
        self.problems.append(Problem(self.source, message, obj=obj))

    def model(self, model: type[M], data: Any, where: str, what: str) -> M | None:
        """``data`` validated, or None and a problem naming ``what`` and the bad fields."""
        if not isinstance(data, dict):
            self.problem(f"{where}: expected an object, found {type(data).__name__}; skipped",
                         what)
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            fields = [f"{_path(where, d['loc'])}: {d['msg']}"
                      for d in error.errors()[:_FIELDS_SHOWN]]
            more = error.error_count() - len(fields)
            self.problem("malformed, skipped: " + "; ".join(fields)
                         + (f" (and {more} more)" if more > 0 else ""), what)
            return None

    def items(self, key: str, value: Any) -> list[Any]:
        """A list the document holds under ``key`` (empty, with a problem, if not a list)."""
        if isinstance(value, list):
            return value
        self.problem(f"{key}: expected a list, found {type(value).__name__}; skipped")
        return []

    def policy(self, value: Any, where: str, what: str) -> PolicyJson | None:
        """A policy document (JSON text or decoded), or None and a problem."""
        try:
            policy = decode_policy(value)
        except ValueError as error:
            self.problem(f"{where}: not a JSON policy document ({error}); skipped", what)
            return None
        if policy is not None and not isinstance(policy, dict):
            self.problem(f"{where}: not a JSON policy document (a {type(policy).__name__});"
                         " skipped", what)
            return None
        return policy

    def text(self, key: str) -> str | None:
        value = self.doc.get(key)
        return value if isinstance(value, str) and value else None


def _path(where: str, loc: tuple[str | int, ...]) -> str:
    return (where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
            ).lstrip(".")


def name_of(data: Any, label: str, keys: tuple[str, ...], where: str) -> str:
    """How a problem names a resource: ``IAM role batch``, else its place in the document."""
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), str) and data[key]:
                return f"{label} {data[key]}"
    return f"{label} {where}"
