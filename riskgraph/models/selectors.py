"""Kubernetes label selectors (``matchLabels`` and ``matchExpressions``), shared by the
NetworkPolicy and SecurityGroupPolicy models."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic.dataclasses import dataclass

from riskgraph.models.base import K8S_CONFIG, none_is_empty_list

#: Label selector operators (``matchExpressions``), as the API server accepts them.
SELECTOR_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})

@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class LabelSelectorRequirement:
    key: str
    operator: str
    values: list[str] = Field(default_factory=list)

    _values = field_validator("values", mode="before")(none_is_empty_list)

    @model_validator(mode="after")
    def _check(self) -> LabelSelectorRequirement:
        if self.operator not in SELECTOR_OPERATORS:
            raise ValueError(f"unknown operator {self.operator!r}")
        if (self.operator in ("In", "NotIn")) != bool(self.values):
            raise ValueError(f"operator {self.operator} "
                             + ("needs values" if not self.values else "takes no values"))
        return self


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class LabelSelector:
    """A label selector; the empty selector matches everything."""

    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: list[LabelSelectorRequirement] = Field(default_factory=list)

    @field_validator("match_labels", mode="before")
    @classmethod
    def _none_is_empty_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    _expressions = field_validator("match_expressions", mode="before")(none_is_empty_list)
