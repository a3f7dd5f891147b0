"""Shared pydantic configuration and object metadata for Kubernetes models.

Models keep only the fields an attacker step can depend on; everything else in the API
object is dropped while parsing (``extra="ignore"``), which keeps a 150k-pod estate small.
Top-level objects are pydantic models; everything nested in them is a slotted pydantic
dataclass (``@k8s_dataclass``), about 70 bytes an instance instead of about 490.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass

#: Annotations that can carry a copy of an object's full content (for a Secret: its values).
DROPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


#: camelCase aliases as the API spells them, unknown fields ignored, numbers taken as text
#: where the API says string (a label value written as ``1`` in YAML).
K8S_CONFIG = ConfigDict(
    alias_generator=to_camel,
    populate_by_name=True,
    extra="ignore",
    coerce_numbers_to_str=True,
)


def none_is_empty_list(value: Any) -> Any:
    """A ``before`` validator: the API writes an absent list as ``null``."""
    return [] if value is None else value


class K8sModel(BaseModel):
    """Base of the top-level object models."""

    model_config = K8S_CONFIG


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class OwnerReference:
    kind: str = ""
    name: str = ""
    controller: bool | None = None


@dataclass(config=K8S_CONFIG, slots=True, kw_only=True)
class ObjectMeta:
    name: str = ""
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_references: list[OwnerReference] = Field(default_factory=list)

    @field_validator("labels", "annotations", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("annotations", mode="after")
    @classmethod
    def _drop_content_copies(cls, value: dict[str, str]) -> dict[str, str]:
        if DROPPED_ANNOTATIONS.isdisjoint(value):
            return value
        return {k: v for k, v in value.items() if k not in DROPPED_ANNOTATIONS}


class K8sObject(K8sModel):
    """Any Kubernetes object: ``kind``, ``apiVersion`` and metadata."""

    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = Field(default_factory=lambda: ObjectMeta())

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace

    @property
    def ref(self) -> str:
        """How error messages name the object: ``Kind ns/name`` or ``Kind name``."""
        ns = self.metadata.namespace
        return f"{self.kind} {ns}/{self.name}" if ns else f"{self.kind} {self.name}"
