"""``net.reach`` from a node to the pods on it: NetworkPolicies never block traffic between
a pod and the node it runs on, whatever the policies say (the Kubernetes documentation's
exception to ipBlock rules). A hostNetwork container sends from its node's address, so under
enforced policies it still reaches the listening containers of its own node, ingress
isolation or not.

Per node with hostNetwork containers: each enters ``hub:net-reach-node:node/<name>``, which
leads to the listening containers bound to that node (``spec.nodeName``) that the
hostNetwork containers' class hubs do not already reach. Edges grow with containers, never
with senders x targets: a hostNetwork DaemonSet on each of 5,000 nodes adds one hub per node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from riskgraph import ids
from riskgraph.techniques import Edge
from riskgraph.techniques._common import container_vertex, evidence
from riskgraph.techniques._net_classes import Classes, target_edge

CAPABILITY = "net-reach-node"
#: Entering the hub is bookkeeping; the step onto the container is the attack.
HUB_COST = 0.1


def node_hub(node: str) -> str:
    """The hub of the containers sending from ``node``'s address."""
    return ids.hub_id(CAPABILITY, f"node/{node}")


def node_edges(classes: Classes, reached: Mapping[int, set[int]], why: str) -> Iterator[Edge]:
    """The node-to-pod edges of the enforced network.

    Parameters
    ----------
    classes
        The classes of the enforced network, with what runs on each node.
    reached
        Source class -> the target classes its hub already leads to.
    why
        What "network policies are" (the enforcement explanation).
    """
    nothing: set[int] = set()
    for node, members in classes.nodes.items():
        if not members.senders:
            continue
        # Only targets every sender's class misses need the node hub.
        admitted = set.intersection(*(reached.get(a, nothing) for _, _, a in members.senders))
        targets = [t for t in members.listeners if t[3] not in admitted]
        if not targets:
            continue
        hub = node_hub(node)
        for pod, container, _ in members.senders:
            yield Edge(container_vertex(pod, container), hub,
                       f"container {pod.name}/{container.name} shares the network of node "
                       f"{node} (hostNetwork) and sends from its address, which the pods on "
                       f"that node always accept (network policies are {why})",
                       (evidence(pod, "hostNetwork", True), evidence(pod, "nodeName", node)),
                       cost=HUB_COST)
        for pod, index, container, target in targets:
            yield target_edge(hub, pod, index, container, classes.targets[target][1],
                              f"node {node}'s own address (NetworkPolicies never block a "
                              f"pod's traffic with its node)", "certain",
                              evidence(pod, "nodeName", node))
