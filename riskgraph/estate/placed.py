"""Where each pod of the inventory runs or may land, worked out once for every technique.

A pod bound to a node runs there; every other pod (workload templates above all) is matched
to the node pools it fits, and a pod that fits nowhere is a problem the user sees before any
path. Placements are computed once per distinct constraint signature by the
:class:`~riskgraph.estate.scheduling.Scheduler`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from riskgraph import ids
from riskgraph.errors import Problem
from riskgraph.estate.scheduling import NodePool, Placement, Scheduler, placements
from riskgraph.models import Node, Pod


class PodPlacements:
    """The node pools of ``nodes`` and the placement of each pod."""

    def __init__(self, nodes: list[Node], pods: Iterable[Pod],
                 origin_of: Callable[[str, str | None, str], str]) -> None:
        self.scheduler = Scheduler(nodes)
        self.problems: list[Problem] = []
        self._on_node: dict[str, list[Placement]] = {}
        self._unbound: dict[int, list[Placement]] = {}
        for pod in pods:
            if pod.spec.node_name:
                continue
            places = self._unbound[id(pod)] = self._replicas(pod) if pod.replicas \
                else self.scheduler.place(pod)
            if not places:
                ns = pod.metadata.namespace or "default"
                kind = pod.template_kind or "Pod"
                self.problems.append(Problem(
                    origin_of(kind, ns, pod.name),
                    "fits no node pool: " + self.scheduler.why_unplaced(pod),
                    obj=f"{kind} {ns}/{pod.name}"))

    @property
    def pools(self) -> dict[str, NodePool]:
        return self.scheduler.pools

    def of(self, pod: Pod) -> list[Placement]:
        """The node a pod runs on, or the node pools it may land on (none when it fits
        none). The list may be shared with other pods: do not modify it."""
        node = pod.spec.node_name
        if node:
            on_node = self._on_node.get(node)
            if on_node is None:
                on_node = self._on_node[node] = placements(pod, ())
            return on_node
        # Keyed by identity: the inventory's pods live as long as it does.
        known = self._unbound.get(id(pod))
        if known is None:
            return self._replicas(pod) if pod.replicas else self.scheduler.place(pod)
        return known

    def _replicas(self, pod: Pod) -> list[Placement]:
        """The nodes a replica class runs on (certain), then, for a workload template,
        the pools its pods may be rescheduled onto."""
        on_nodes = [Placement(ids.k8s_id("Node", node), "certain",
                              f"its replica {replica} runs on node {node}")
                    for node, replica in pod.placed_on.items()]
        return on_nodes + (self.scheduler.place(pod) if pod.is_template else [])
