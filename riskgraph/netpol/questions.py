"""Reachability questions about pods of an Inventory: may one pod connect to another
(:func:`answer`), and the matrix between every pod of some namespaces (:func:`matrix`).
``riskgraph reach`` prints these; notebooks can call them directly.

>>> from ingest import inventory_from_text
>>> inv = inventory_from_text('''
... kind: Pod
... metadata: {name: a, namespace: x}
... ---
... kind: Pod
... metadata: {name: b, namespace: y}
... spec: {containers: [{name: b, image: b, ports: [{containerPort: 80}]}]}
... ---
... kind: NetworkPolicy
... metadata: {name: deny-all, namespace: y}
... spec: {podSelector: {}}
... ''')
>>> [(a.verdict.allowed, a.verdict.deciding_policies) for a in answer(inv, "pod:x/a", "pod:y/b")]
[(False, ('y/deny-all',))]
>>> matrix(inv, ["x", "y"]).allowed
((True, False), (True, True))
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from riskgraph import ids
from riskgraph.errors import SelectorError
from riskgraph.estate.inventory import Inventory
from riskgraph.models import WORKLOAD_KINDS, Pod
from riskgraph.netpol.evaluate import NetworkPolicies, Signature, own_node
from riskgraph.netpol.ports import Port
from riskgraph.netpol.verdict import Verdict

ANY_PORT = Port(None, None)
_POD_FORM = "pod:NS/NAME (a pod, or a workload's pod template: pod:NS/<workload name>)"


_FLAT = "the pod network is taken as flat (policies not enforced)"


@dataclass(frozen=True, slots=True)
class Answer:
    """One question answered: ``source`` to ``target`` (vertex ids) on the verdict's port.

    ``enforced`` is whether the cluster enforces NetworkPolicy: None when unknown. On a
    ``flat`` network every connection is allowed; ``verdict`` still says what the policies
    would decide, were they enforced.
    """

    source: str
    target: str
    verdict: Verdict
    enforced: bool | None
    flat: bool = False

    @property
    def allowed(self) -> bool:
        return self.flat or self.verdict.allowed

    @property
    def because(self) -> str:
        if not self.flat:
            return self.verdict.because
        return f"allowed: {_FLAT}; enforced, the policies would answer {self.verdict.because}"

    @property
    def policies(self) -> tuple[str, ...]:
        """The deciding policies; none decide on a flat network."""
        return () if self.flat else self.verdict.deciding_policies

    def to_dict(self) -> dict[str, Any]:
        """The JSON form documented in ``riskgraph reach --help``."""
        doc = {"from": self.source, "to": self.target, "port": str(self.verdict.port),
               "allowed": self.allowed, "because": self.because,
               "policies": list(self.policies), "enforced": self.enforced}
        if self.flat:
            doc["if_enforced"] = {"allowed": self.verdict.allowed,
                                  "policies": list(self.verdict.deciding_policies)}
        return doc


@dataclass(frozen=True, slots=True)
class Matrix:
    """Reachability between every pod of some namespaces: ``allowed[row][column]`` is
    whether ``rows[row]`` may connect to ``rows[column]`` on ``port``. A row is one pod,
    or the replicas of one owner (they share a policy signature: one verdict for all).
    On a ``flat`` network every cell is allowed and ``if_enforced`` holds the policies'
    cells."""

    namespaces: tuple[str, ...]
    rows: tuple[tuple[Pod, ...], ...]
    port: Port
    allowed: tuple[tuple[bool, ...], ...]
    enforced: bool | None
    if_enforced: tuple[tuple[bool, ...], ...] | None = None

    @property
    def pods(self) -> tuple[Pod, ...]:
        """The first pod of each row."""
        return tuple(row[0] for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form documented in ``riskgraph reach --help``."""
        doc = {"namespaces": list(self.namespaces), "pods": [pod_vertex(p) for p in self.pods],
               "members": [[member for p in row for member in _members(p)]
                           for row in self.rows],
               "port": str(self.port), "allowed": [list(row) for row in self.allowed],
               "enforced": self.enforced}
        if self.if_enforced is not None:
            doc["if_enforced"] = [list(row) for row in self.if_enforced]
        return doc


def row_name(row: Sequence[Pod]) -> str:
    """``ns/pod``, or ``ns/<owner> (<kind>, N pods)`` for the replicas of one owner."""
    first = row[0]
    owner = _owner(first)
    count = sum(len(p.replicas) or 1 for p in row)
    if count == 1 or owner is None:
        return f"{namespace_of(first)}/{first.name}"
    return f"{namespace_of(first)}/{owner[1]} ({owner[0]}, {count} pods)"


def _members(pod: Pod) -> list[str]:
    """The live pods a row's pod stands for: a replica class's replicas, else itself."""
    if not pod.replicas:
        return [pod_vertex(pod)]
    return [ids.k8s_id("Pod", name, namespace_of(pod)) for name in pod.replicas]


def _owner(pod: Pod) -> tuple[str, str] | None:
    """The controller owning a pod the API server created (kind, name), if any."""
    if pod.is_template or pod.spec.host_network:
        return None
    for ref in pod.metadata.owner_references:
        if ref.controller:
            return ref.kind, ref.name
    return None


def pod_vertex(pod: Pod) -> str:
    """The pod's vertex id, ``k8s:Pod:<ns>/<name>`` (the workload's name for a template)."""
    return ids.k8s_id("Pod", pod.name, namespace_of(pod))


def resolve_pod(inv: Inventory, reference: str) -> Pod:
    """The pod ``pod:NS/NAME`` (or ``k8s:Pod:NS/NAME``) names.

    Raises
    ------
    SelectorError
        When the reference is malformed or names no pod; the message suggests close names.
    """
    text = reference.removeprefix("k8s:Pod:").removeprefix("pod:")
    namespace, slash, name = text.partition("/")
    if not (slash and namespace and name) or text == reference:
        raise SelectorError(f"{reference!r} is not a pod reference. Valid form: {_POD_FORM}.")
    for pod in inv.pods_in(namespace):
        if pod.name == name:
            return pod
    # A live pod folded into its workload's replica class answers as the class.
    for pod in inv.pods_in(namespace):
        if name in pod.replicas:
            return pod
    for problem in inv.problems:
        kind, _, obj = (problem.obj or "").partition(" ")
        if obj == f"{namespace}/{name}" and (kind == "Pod" or kind in WORKLOAD_KINDS):
            raise SelectorError(f"{reference!r} was skipped when the input was read: {problem}")
    candidates = [f"pod:{namespace_of(p)}/{p.name}" for p in inv.pods_in(namespace)] or \
        [f"pod:{namespace_of(p)}/{p.name}" for p in inv.pods]
    close = difflib.get_close_matches(f"pod:{namespace}/{name}", candidates, n=5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise SelectorError(f"{reference!r} names no pod in the input.{hint} "
                        f"Valid form: {_POD_FORM}.")


def declared_ports(pod: Pod) -> list[Port]:
    """Every port ``pod``'s containers declare, sorted; ``any`` when they declare none."""
    found = sorted({(p.container_port, p.protocol or "TCP")
                    for c in pod.spec.all_containers for p in c.ports})
    return [Port(number, protocol) for number, protocol in found] or [ANY_PORT]


def answer(inv: Inventory, source_ref: str, target_ref: str, ports: Sequence[Port] = (),
           enforced: bool | None = None, policies: NetworkPolicies | None = None,
           flat: bool = False) -> list[Answer]:
    """Whether ``source_ref`` may connect to ``target_ref`` on each of ``ports`` (default:
    the ports the target declares), under ``policies`` (default: the inventory's); on a
    ``flat`` network always, with what the policies would decide."""
    source, target = resolve_pod(inv, source_ref), resolve_pod(inv, target_ref)
    policies = policies or NetworkPolicies.of(inv)
    return [Answer(pod_vertex(source), pod_vertex(target),
                   policies.allowed(source, target, port), enforced, flat)
            for port in (ports or declared_ports(target))]


def matrix(inv: Inventory, namespaces: Sequence[str], port: Port = ANY_PORT,
           enforced: bool | None = None, policies: NetworkPolicies | None = None,
           flat: bool = False) -> Matrix:
    """Reachability between every pod of ``namespaces`` (default: every namespace with
    pods) under ``policies`` (default: the inventory's), each pair of policy signatures
    decided once; the replicas of one owner share a row. On a ``flat`` network every cell
    is allowed, and the policies' cells are kept in ``if_enforced``.

    Raises
    ------
    SelectorError
        When a namespace has no pod.
    """
    with_pods = [ns for ns in inv.namespace_names if inv.pods_in(ns)]
    chosen = list(dict.fromkeys(namespaces)) or with_pods
    for ns in chosen:
        if not inv.pods_in(ns):
            close = difflib.get_close_matches(ns, with_pods, n=5)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise SelectorError(f"namespace {ns!r} has no pod in the input.{hint}")
    policies = policies or NetworkPolicies.of(inv)
    grouped: dict[object, list[Pod]] = {}
    for ns in chosen:
        for pod in sorted(inv.pods_in(ns), key=lambda p: p.name):
            owner = _owner(pod)
            key = id(pod) if owner is None else (ns, owner, policies.signature(pod))
            grouped.setdefault(key, []).append(pod)
    rows = tuple(tuple(members) for members in grouped.values())
    pods = [row[0] for row in rows]
    signatures = [policies.signature(p) for p in pods]
    decided: dict[tuple[Signature, Signature], bool] = {}

    def cell(row: int, column: int) -> bool:
        # One replica to another of its row is a real connection for the policies.
        if row == column and not pods[row].is_template and len(rows[row]) == 1 \
                and len(pods[row].replicas) < 2:
            return True
        if own_node(pods[row], pods[column]):
            return True
        key = (signatures[row], signatures[column])
        if key not in decided:
            decided[key] = policies.decide(*key, port).allowed
        return decided[key]

    allowed = tuple(tuple(cell(r, c) for c in range(len(pods))) for r in range(len(pods)))
    if flat:
        return Matrix(tuple(chosen), rows, port, tuple(tuple(True for _ in row)
                                                        for row in allowed), enforced, allowed)
    return Matrix(tuple(chosen), rows, port, allowed, enforced)


def namespace_of(pod: Pod) -> str:
    """The pod's namespace (``default`` when the manifest names none)."""
    return pod.metadata.namespace or "default"
