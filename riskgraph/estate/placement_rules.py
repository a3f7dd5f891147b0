"""The scheduler's rules for one pod and one node: nodeSelector, required node affinity, taints.

Pod specs keep affinity and tolerations as the API's JSON. :func:`constraints_of` reduces
them once to a hashable :class:`Constraints`, so the thousands of pods that ask for the same
placement share one answer. Malformed constraints (an unknown operator, a ``Gt`` without
exactly one integer) match nothing, as the API server would have refused them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from riskgraph.models import Node, PodSpec

#: Taint effects that keep a pod off a node unless tolerated; PreferNoSchedule only steers.
BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})

_INTEGER = re.compile(r"[+-]?[0-9]+")


class Requirement(NamedTuple):
    """One ``matchExpressions`` or ``matchFields`` entry of a node selector term."""

    key: str
    operator: str
    values: tuple[str, ...]


class NodeTerm(NamedTuple):
    """One node selector term: every requirement must hold (label and field ones)."""

    expressions: tuple[Requirement, ...]
    fields: tuple[Requirement, ...]


class Toleration(NamedTuple):
    key: str
    operator: str
    value: str
    effect: str


class Taint(NamedTuple):
    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else \
            f"{self.key}:{self.effect}"


def _exists(key: str, effect: str) -> Toleration:
    return Toleration(key, "Exists", "", effect)


#: What the DaemonSet controller adds to every pod it creates, so that node agents still
#: run on nodes that are not ready, under resource pressure or cordoned.
DAEMONSET_TOLERATIONS = (
    _exists("node.kubernetes.io/not-ready", "NoExecute"),
    _exists("node.kubernetes.io/unreachable", "NoExecute"),
    _exists("node.kubernetes.io/disk-pressure", "NoSchedule"),
    _exists("node.kubernetes.io/memory-pressure", "NoSchedule"),
    _exists("node.kubernetes.io/pid-pressure", "NoSchedule"),
    _exists("node.kubernetes.io/unschedulable", "NoSchedule"),
)
#: Added as well when the DaemonSet's pods use the host network.
HOST_NETWORK_DAEMONSET_TOLERATIONS = (
    _exists("node.kubernetes.io/network-unavailable", "NoSchedule"),
)


class Constraints(NamedTuple):
    """Everything in a pod spec that decides which nodes may take it.

    ``terms`` is None when the pod has no required node affinity (any node will do), and an
    empty tuple when it has one without terms (no node will do).
    """

    node_selector: tuple[tuple[str, str], ...]
    terms: tuple[NodeTerm, ...] | None
    tolerations: tuple[Toleration, ...]

    @property
    def label_keys(self) -> frozenset[str]:
        """Every node label the constraints look at."""
        keys = {key for key, _ in self.node_selector}
        for term in self.terms or ():
            keys.update(req.key for req in term.expressions)
        return frozenset(keys)

    @property
    def names_nodes(self) -> bool:
        """True when a term selects nodes by ``matchFields`` (their names)."""
        return any(term.fields for term in self.terms or ())


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A field the API types as a string, as YAML may have typed it instead."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _requirement(entry: Any) -> Requirement:
    entry = _mapping(entry)
    return Requirement(_text(entry.get("key")), _text(entry.get("operator")),
                       tuple(_text(v) for v in _items(entry.get("values"))))


def _required_terms(affinity: Mapping[str, Any] | None) -> tuple[NodeTerm, ...] | None:
    node_affinity = _mapping(_mapping(affinity).get("nodeAffinity"))
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not isinstance(required, Mapping):
        return None
    return tuple(
        NodeTerm(tuple(_requirement(e) for e in _items(term.get("matchExpressions"))),
                 tuple(_requirement(e) for e in _items(term.get("matchFields"))))
        for term in map(_mapping, _items(required.get("nodeSelectorTerms"))))


def _toleration(entry: Any) -> Toleration:
    entry = _mapping(entry)
    return Toleration(_text(entry.get("key")), _text(entry.get("operator")),
                      _text(entry.get("value")), _text(entry.get("effect")))


def constraints_of(spec: PodSpec, daemonset: bool = False) -> Constraints:
    """The placement constraints of a pod spec.

    Parameters
    ----------
    spec
        The pod spec (of a live pod or of a workload's template).
    daemonset
        Add the tolerations the DaemonSet controller gives its pods.
    """
    tolerations = {_toleration(t) for t in spec.tolerations}
    if daemonset:
        tolerations.update(DAEMONSET_TOLERATIONS)
        if spec.host_network:
            tolerations.update(HOST_NETWORK_DAEMONSET_TOLERATIONS)
    return Constraints(tuple(sorted(spec.node_selector.items())),
                       _required_terms(spec.affinity), tuple(sorted(tolerations)))


def taints_of(node: Node) -> tuple[Taint, ...]:
    """A node's taints, sorted and without duplicates."""
    return tuple(sorted({Taint(_text(t.get("key")), _text(t.get("value")),
                               _text(t.get("effect")))
                         for t in map(_mapping, node.spec.taints)}))


def requirement_matches(req: Requirement, labels: Mapping[str, str]) -> bool:
    """Whether node labels satisfy one ``matchExpressions`` requirement."""
    value = labels.get(req.key)
    if req.operator == "In":
        return value is not None and value in req.values
    if req.operator == "NotIn":
        return value is None or value not in req.values
    if req.operator == "Exists":
        return value is not None
    if req.operator == "DoesNotExist":
        return value is None
    if req.operator in ("Gt", "Lt"):
        if value is None or len(req.values) != 1 or not _INTEGER.fullmatch(value) \
                or not _INTEGER.fullmatch(req.values[0]):
            return False
        have, bound = int(value), int(req.values[0])
        return have > bound if req.operator == "Gt" else have < bound
    return False


def field_matches(req: Requirement, node_name: str) -> bool:
    """Whether a node satisfies one ``matchFields`` requirement (only ``metadata.name``)."""
    if req.key != "metadata.name":
        return False
    if req.operator == "In":
        return node_name in req.values
    if req.operator == "NotIn":
        return node_name not in req.values
    return False


def term_matches(term: NodeTerm, labels: Mapping[str, str], node_name: str) -> bool:
    """Whether a node satisfies a node selector term; an empty term selects no node."""
    if not term.expressions and not term.fields:
        return False
    return (all(requirement_matches(req, labels) for req in term.expressions)
            and all(field_matches(req, node_name) for req in term.fields))


def toleration_matches(toleration: Toleration, taint: Taint) -> bool:
    """Whether one toleration tolerates one taint.

    An empty effect matches every effect, an empty key (with ``Exists``) every key;
    the operator defaults to ``Equal``, which compares values.
    """
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True
    return toleration.operator in ("", "Equal") and toleration.value == taint.value


def untolerated_taint(taints: tuple[Taint, ...],
                      tolerations: tuple[Toleration, ...]) -> Taint | None:
    """The first taint that keeps the pod off the node, or None when all are tolerated."""
    for taint in taints:
        if taint.effect in BLOCKING_EFFECTS and \
                not any(toleration_matches(t, taint) for t in tolerations):
            return taint
    return None


def unmet(constraints: Constraints, labels: Mapping[str, str], node_name: str,
          taints: tuple[Taint, ...]) -> str | None:
    """Why a pod may not land on a node, or None when it may.

    Parameters
    ----------
    constraints
        The pod's placement constraints.
    labels, node_name, taints
        The node's labels, name and taints.
    """
    for key, value in constraints.node_selector:
        if labels.get(key) != value:
            return f"nodeSelector {key}={value} is not among its labels"
    if constraints.terms is not None and \
            not any(term_matches(term, labels, node_name) for term in constraints.terms):
        return "no term of the required node affinity matches it"
    taint = untolerated_taint(taints, constraints.tolerations)
    if taint is not None:
        return f"taint {taint} is not tolerated"
    return None
