"""Where a pod can land: its node for a live pod, the node pools it fits otherwise.

A node pool is a set of nodes that share the labels and taints that decide placement. A node
belongs to the pool its node-group label names (``eks.amazonaws.com/nodegroup``, then
``karpenter.sh/nodepool``, then ``alpha.eksctl.io/nodegroup-name``). Nodes without one are
grouped by their labels, less those that name a single node (:data:`PER_NODE_LABELS`), and
their taints, less the condition taints (``node.kubernetes.io/...``) that only say what
state a node was in when it was read; such a pool is named after its ``node-role`` labels,
else ``default``, with a digest of what sets it apart when two would share a name.

A pod fits a pool when it may land on at least one of the pool's nodes. Nodes of one pool
can differ (zones, a cordoned node, a taint added by hand), so the pool is matched node
shape by node shape rather than through the labels all its nodes share (``NodePool.labels``)
or the taints all carry (``NodePool.taints``): a pod pinned to one zone of a multi-zone
node group lands there, and is not reported as fitting nowhere. Constraints that name a
single node (``kubernetes.io/hostname``, ``matchFields`` on ``metadata.name``) are matched
node by node. With no Node objects in the input (manifests only) every pod that is not
bound to a node lands on the single pool ``any``.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.placement_rules import Constraints, Taint, constraints_of, taints_of, unmet
from riskgraph.models import Node, Pod

#: Node labels that name the pool a node belongs to, most specific first.
POOL_LABELS = ("eks.amazonaws.com/nodegroup", "karpenter.sh/nodepool",
               "alpha.eksctl.io/nodegroup-name")
DEFAULT_POOL = "default"
#: Labels whose value differs on every node: they never set a group of nodes apart.
PER_NODE_LABELS = frozenset({"kubernetes.io/hostname", "alpha.eksctl.io/instance-id"})
#: Taints the node lifecycle controller sets and lifts as a node's condition changes.
CONDITION_TAINT_PREFIX = "node.kubernetes.io/"
_ROLE_PREFIX = "node-role.kubernetes.io/"


class Placement(NamedTuple):
    """A node or pool a pod runs on (``certain``) or may land on (``possible``)."""

    target: str
    confidence: Confidence
    reason: str


class PoolFit(NamedTuple):
    """A pool a pod fits, and whether it fits every node of it."""

    pool: str
    every_node: bool


@dataclass(frozen=True, slots=True)
class NodeShape:
    """Nodes of one pool that look alike to the scheduler, but for their per-node labels."""

    labels: Mapping[str, str]
    taints: tuple[Taint, ...]
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class NodePool:
    """A pool's nodes, grouped by shape."""

    name: str
    shapes: tuple[NodeShape, ...]

    @cached_property
    def nodes(self) -> list[Node]:
        return [node for shape in self.shapes for node in shape.nodes]

    @cached_property
    def labels(self) -> dict[str, str]:
        """The labels (per-node ones aside) that every node of the pool carries."""
        first, *rest = [shape.labels for shape in self.shapes] or [{}]
        return {k: v for k, v in first.items() if all(s.get(k) == v for s in rest)}

    @cached_property
    def taints(self) -> tuple[Taint, ...]:
        """The taints that every node of the pool carries."""
        first, *rest = [set(shape.taints) for shape in self.shapes] or [set()]
        return tuple(sorted(first.intersection(*rest)))


def _placement_labels(node: Node) -> dict[str, str]:
    return {k: v for k, v in node.metadata.labels.items() if k not in PER_NODE_LABELS}


def _lasting(taints: tuple[Taint, ...]) -> tuple[Taint, ...]:
    return tuple(t for t in taints if not t.key.startswith(CONDITION_TAINT_PREFIX))


def _unlabelled_pool_names(groups: Sequence[tuple[str, ...]], taken: set[str]) -> list[str]:
    """Names for pools of nodes that no node-group label names, in the order of ``groups``.

    A group is the sorted ``key=value`` labels and taints that set it apart.
    """
    bases = ["+".join(sorted(item.split("=", 1)[0].removeprefix(_ROLE_PREFIX)
                             for item in group if item.startswith(_ROLE_PREFIX)))
             or DEFAULT_POOL for group in groups]
    uses = Counter(bases)
    names = []
    for base, group in zip(bases, groups, strict=True):
        if uses[base] > 1 or base in taken:
            digest = hashlib.sha1("\0".join(group).encode(), usedforsecurity=False)
            base = f"{base}-{digest.hexdigest()[:8]}"
        names.append(base)
    return names


def node_pools(nodes: Sequence[Node]) -> dict[str, NodePool]:
    """The node pools of some nodes, by name; ``{"any": ...}`` without nodes."""
    if not nodes:
        return {ids.ANY_POOL: NodePool(ids.ANY_POOL, ())}
    named: dict[str, list[Node]] = {}
    unnamed: dict[tuple[str, ...], list[Node]] = {}
    for node in nodes:
        labels = node.metadata.labels
        name = next((labels[key] for key in POOL_LABELS if labels.get(key)), None)
        if name is not None:
            named.setdefault(name, []).append(node)
            continue
        group = tuple(sorted([f"{k}={v}" for k, v in _placement_labels(node).items()]
                             + [f"taint {t}" for t in _lasting(taints_of(node))]))
        unnamed.setdefault(group, []).append(node)
    names = _unlabelled_pool_names(list(unnamed), set(named))
    named.update(zip(names, unnamed.values(), strict=True))
    return {name: NodePool(name, _shapes(members)) for name, members in sorted(named.items())}


def _shapes(nodes: list[Node]) -> tuple[NodeShape, ...]:
    shapes: dict[tuple[frozenset[tuple[str, str]], tuple[Taint, ...]], list[Node]] = {}
    for node in nodes:
        labels = frozenset(_placement_labels(node).items())
        shapes.setdefault((labels, taints_of(node)), []).append(node)
    return tuple(NodeShape(dict(labels), taints, tuple(members))
                 for (labels, taints), members in shapes.items())


def pool_set_scope(pool_ids: list[str], all_pools: int) -> str:
    """The scope part of a hub id for pods that may land on any of several pools.

    Pods that fit the same pools share one hub, so the edges between pools and template
    pods grow with pods plus pools, not with their product.

    >>> pool_set_scope(["k8s:NodePool:a", "k8s:NodePool:b"], 5)
    'pools/a+b'
    >>> pool_set_scope(["k8s:NodePool:a", "k8s:NodePool:b"], 2)
    'pools/all'
    """
    if len(pool_ids) == all_pools:
        return "pools/all"
    return _pool_set_scope(tuple(pool_ids))


@functools.lru_cache(maxsize=4096)
def _pool_set_scope(pool_ids: tuple[str, ...]) -> str:
    # Thousands of workloads fit the same few sets of pools.
    names = sorted(ids.parse(pool).name for pool in pool_ids)
    if len(names) <= 3:
        return "pools/" + "+".join(names)
    digest = hashlib.sha1("\0".join(names).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"pools/{len(names)}-{digest}"


def placements(pod: Pod, pool_names: Sequence[str],
               partial: frozenset[str] = frozenset()) -> list[Placement]:
    """Where ``pod`` runs (its node) or may run (``pool_names``, the pools it fits).

    ``partial`` names the pools of which a DaemonSet's pods fit only some nodes.
    """
    if pod.spec.node_name:
        return [Placement(ids.k8s_id("Node", pod.spec.node_name), "certain",
                          f"runs on node {pod.spec.node_name}")]
    # A pod that fits one pool only is certain to land there, on some node of it.
    confidence: Confidence = "certain" if len(pool_names) == 1 else "possible"
    if pod.template_kind == "DaemonSet":
        return [Placement(ids.node_pool_id(name), "possible",
                          f"a DaemonSet pod runs on the nodes of pool {name} it fits")
                if name in partial else
                Placement(ids.node_pool_id(name), "certain",
                          f"a DaemonSet pod runs on every node of pool {name}")
                for name in pool_names]
    if pod.is_template:
        why = f"a {pod.template_kind} pod is scheduled onto pool {{}}"
    else:
        why = "an unscheduled pod is scheduled onto pool {}"
    return [Placement(ids.node_pool_id(name), confidence, why.format(name))
            for name in pool_names]


class _Verdict(NamedTuple):
    """How the nodes of a pool (by shape, or one by one) take a pod."""

    fitting: int
    judged: int
    refusal: str  # why the first node that refuses the pod does; empty when none refuses


class Scheduler:
    """Matches pods to the pools of an estate, once per distinct set of constraints."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        self.pools = node_pools(nodes)
        self._no_nodes = not nodes
        self._fits: dict[Constraints, tuple[PoolFit, ...]] = {}
        self._shared: dict[tuple[str | None, tuple[PoolFit, ...]], list[Placement]] = {}
        # (pool, per-node label, value) -> its nodes: a pod pinned to one host is judged
        # against that host only, not against each of thousands.
        self._pinned: dict[tuple[str, str, str], list[tuple[Node, tuple[Taint, ...]]]] = {}
        for pool in self.pools.values():
            for shape in pool.shapes:
                for node in shape.nodes:
                    for key in PER_NODE_LABELS.intersection(node.metadata.labels):
                        self._pinned.setdefault((pool.name, key, node.metadata.labels[key]),
                                                []).append((node, shape.taints))

    def constraints(self, pod: Pod) -> Constraints:
        return constraints_of(pod.spec, daemonset=pod.template_kind == "DaemonSet")

    def fits(self, constraints: Constraints) -> tuple[PoolFit, ...]:
        """The pools a pod with these constraints fits, in name order."""
        found = self._fits.get(constraints)
        if found is None:
            if self._no_nodes:
                found = (PoolFit(ids.ANY_POOL, True),)
            else:
                found = tuple(PoolFit(pool.name, verdict.fitting == verdict.judged)
                              for pool in self.pools.values()
                              if (verdict := self._judge(pool, constraints)).fitting)
            self._fits[constraints] = found
        return found

    def place(self, pod: Pod) -> list[Placement]:
        """Where a pod not bound to a node may land; empty when it fits no pool.

        Pods of one kind that fit the same pools share one list: do not modify it.
        """
        fits = self.fits(self.constraints(pod))
        key = (pod.template_kind, fits)
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = placements(
                pod, [fit.pool for fit in fits],
                frozenset(fit.pool for fit in fits if not fit.every_node))
        return shared

    def why_unplaced(self, pod: Pod, most: int = 3) -> str:
        """Why a pod fits no pool: a reason for each of the first ``most`` pools."""
        constraints = self.constraints(pod)
        reasons = [f"pool {pool.name}: {self._judge(pool, constraints).refusal}"
                   for pool in list(self.pools.values())[:most]]
        more = len(self.pools) - most
        return "; ".join(reasons) + (f"; and {more} more pools" if more > 0 else "")

    def _judge(self, pool: NodePool, constraints: Constraints) -> _Verdict:
        """Judge the pool's node shapes, or its nodes one by one when the constraints
        look at what sets single nodes apart (their names, hostnames)."""
        if not constraints.names_nodes and PER_NODE_LABELS.isdisjoint(constraints.label_keys):
            refusals = [unmet(constraints, shape.labels, "", shape.taints)
                        for shape in pool.shapes]
            return self._verdict(refusals, len(refusals), "")
        pin = next(((k, v) for k, v in constraints.node_selector if k in PER_NODE_LABELS), None)
        if pin is None:
            refusals = [unmet(constraints, node.metadata.labels, node.name, shape.taints)
                        for shape in pool.shapes for node in shape.nodes]
            return self._verdict(refusals, len(refusals), "")
        pinned = self._pinned.get((pool.name, *pin), [])
        refusals = [unmet(constraints, node.metadata.labels, node.name, taints)
                    for node, taints in pinned]
        others = f"nodeSelector {pin[0]}={pin[1]} is not among its labels" \
            if len(pinned) < len(pool.nodes) else ""
        return self._verdict(refusals, len(pool.nodes), others)

    @staticmethod
    def _verdict(refusals: list[str | None], judged: int, refusal: str) -> _Verdict:
        first = next((r for r in refusals if r is not None), None)
        return _Verdict(refusals.count(None), judged, first or refusal)
