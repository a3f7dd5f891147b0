"""What every graph export shares: names for kinds and techniques, readable hub names, and
attribute values flattened for formats that hold only scalars.

Exporters walk the graph's own vertex and edge views and write as they go; nothing here
copies the graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import networkx as nx

from riskgraph import ids

Scalar = str | int | float | bool
_SCALARS = frozenset({str, int, float, bool})


def camel(text: str) -> str:
    """``escape.privileged`` -> ``EscapePrivileged``: the words of an id, capitalised.

    >>> camel("rbac.pods-exec")
    'RbacPodsExec'
    """
    words = text.replace(".", " ").replace("-", " ").replace("_", " ").split()
    return "".join(word[:1].upper() + word[1:] for word in words)


@cache  # a few dozen techniques, named once per edge of a graph of millions
def edge_kind(technique: str) -> str:
    """The relationship type of a technique: ``RG_`` and its id in Pascal case.

    >>> edge_kind("escape.privileged")
    'RG_EscapePrivileged'
    """
    return f"RG_{camel(technique)}"


def vertex_kind(attrs: Mapping[str, Any], vertex_id: str) -> str:
    """The label of a vertex: ``RG`` and its kind (``RGPod``, ``RGIAMRole``, ``RGHub``)."""
    return f"RG{attrs.get('kind') or ids.parse(vertex_id).kind}"


def readable_name(vertex_id: str, attrs: Mapping[str, Any]) -> str:
    """A display name: the object's name, or for a hub what it aggregates and where.

    >>> readable_name("hub:pods-exec:ns/shop", {"kind": "Hub"})
    'pods-exec in namespace shop'
    >>> readable_name("hub:aws-passrole-ec2:aws/111122223333", {"kind": "Hub"})
    'aws-passrole-ec2 in account 111122223333'
    """
    if not vertex_id.startswith("hub:"):
        name = str(attrs.get("name") or ids.parse(vertex_id).name)
        if attrs.get("kind") == "Container" and attrs.get("pod"):
            name = f"{attrs['pod']}/{name}"  # "nginx" alone does not say which pod's
        namespace = attrs.get("namespace")
        return f"{namespace}/{name}" if namespace and not name.startswith(f"{namespace}/") \
            else name
    _, capability, scope = [*vertex_id.split(":", 2), "", ""][:3]
    kind, _, where = scope.partition("/")
    place = {"ns": "namespace", "aws": "account", "sg": "security groups",
             "pools": "node pools", "node": "node"}.get(kind)
    if place is None:
        return f"{capability} ({scope or 'cluster'})"
    return f"{capability} in {place} {where}"


def flat(value: Any) -> Scalar | None:
    """A value as a scalar: lists and dicts become JSON text, None stays None (dropped)."""
    if value is None or type(value) in _SCALARS or isinstance(value, str | int | float):
        return value  # type: ignore[no-any-return]
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    return json.dumps(value, sort_keys=True, default=str)


def flat_items(attrs: Mapping[str, Any]) -> Iterator[tuple[str, Scalar]]:
    """Each attribute flattened, None values left out."""
    for key, value in attrs.items():
        flattened = flat(value)
        if flattened is not None:
            yield key, flattened


def edges(graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Every edge as (source, target, technique, attributes), in the graph's order."""
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        yield source, target, str(attrs.get("technique", key)), attrs
