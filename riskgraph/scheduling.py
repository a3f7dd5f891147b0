"""Where a pod can land: its node for a live pod, the node pools it fits for a template.

A node pool is the set of nodes that share the labels that decide placement; on EKS that
is the managed node group. With no Node objects in the input (manifests only) every
template pod lands on the single pool ``any``.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.models import Node, Pod

#: Node labels that name the pool a node belongs to, most specific first.
POOL_LABELS = ("eks.amazonaws.com/nodegroup", "karpenter.sh/nodepool",
               "alpha.eksctl.io/nodegroup-name")
DEFAULT_POOL = "default"


class Placement(NamedTuple):
    """A node or pool a pod runs on (``certain``) or may land on (``possible``)."""

    target: str
    confidence: Confidence
    reason: str


def pool_name(node: Node) -> str:
    """The pool a node belongs to."""
    for label in POOL_LABELS:
        value = node.metadata.labels.get(label)
        if value:
            return value
    return DEFAULT_POOL


def group_node_pools(nodes: list[Node]) -> dict[str, list[Node]]:
    """Pool name -> its nodes; ``{"any": []}`` when the input has no nodes."""
    if not nodes:
        return {ids.ANY_POOL: []}
    pools: dict[str, list[Node]] = {}
    for node in nodes:
        pools.setdefault(pool_name(node), []).append(node)
    return pools


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
    names = sorted(ids.parse(pool).name for pool in pool_ids)
    if len(names) <= 3:
        return "pools/" + "+".join(names)
    digest = hashlib.sha1("\0".join(names).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"pools/{len(names)}-{digest}"


def placements(pod: Pod, pool_names: list[str]) -> list[Placement]:
    """Where ``pod`` runs or may run."""
    if pod.spec.node_name:
        return [Placement(ids.k8s_id("Node", pod.spec.node_name), "certain",
                          f"runs on node {pod.spec.node_name}")]
    # A pod that fits one pool only is certain to land there, on some node of it.
    confidence: Confidence = "certain" if len(pool_names) == 1 else "possible"
    if pod.template_kind == "DaemonSet":
        confidence, why = "certain", "a DaemonSet pod runs on every node of pool {}"
    elif pod.is_template:
        why = f"a {pod.template_kind} pod is scheduled onto pool {{}}"
    else:
        why = "an unscheduled pod is scheduled onto pool {}"
    return [Placement(ids.node_pool_id(name), confidence, why.format(name))
            for name in pool_names]
