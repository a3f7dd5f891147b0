"""``net.reach`` between a node and the pods on it: NetworkPolicies never block traffic
between a pod and the node it runs on, whatever the policies say (the Kubernetes
documentation's exception to ipBlock rules). A hostNetwork container uses its node's
address, so under enforced policies it still reaches the listening containers of its own
node, ingress isolation or not; and the other containers of the node still reach the
hostNetwork containers listening there, egress isolation or not.

Per node, each direction has one hub. ``hub:net-reach-node:node/<name>``: the node's
hostNetwork containers enter it, and it leads to the listening containers bound to that
node (``spec.nodeName``) that their class hubs do not already reach.
``hub:net-reach-host:node/<name>``: the node's other containers whose class hubs miss some
hostNetwork listener there enter it, and it leads to those listeners. Edges grow with
containers, never with senders x targets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.models import Pod
from riskgraph.techniques import Edge
from riskgraph.techniques._shared.common import evidence, node_evidence
from riskgraph.techniques.net._classes import Classes, NodeMembers, target_edge
from riskgraph.techniques.net._exploit import Assumption

CAPABILITY = "net-reach-node"
HOST_CAPABILITY = "net-reach-host"
#: Entering the hub is bookkeeping; the step onto the container is the attack.
HUB_COST = 0.1


def node_hub(node: str) -> str:
    """The hub of the containers sending from ``node``'s address."""
    return ids.hub_id(CAPABILITY, f"node/{node}")


def host_hub(node: str) -> str:
    """The hub of the containers reaching ``node``'s hostNetwork listeners."""
    return ids.hub_id(HOST_CAPABILITY, f"node/{node}")


def node_edges(classes: Classes, reached: Mapping[int, set[int]], why: str,
               assumed: Assumption) -> Iterator[Edge]:
    """The node-to-pod edges of the enforced network.

    Parameters
    ----------
    classes
        The classes of the enforced network, with what runs on each node.
    reached
        Source class -> the target classes its hub already leads to.
    why
        What "network policies are" (the enforcement explanation).
    assumed
        Which ports count as exploitable (``--assume-exploitable``).
    """
    nothing: set[int] = set()
    # A pod's hostNetwork evidence is the same on each node it runs on.
    host_proofs: dict[int, str] = {}
    for node, members in classes.nodes.items():
        yield from _to_host(node, members, reached, why, assumed, classes, host_proofs)
        if not members.senders:
            continue
        # Only targets every sender's class misses need the node hub.
        admitted = set.intersection(*(reached.get(t[2], nothing) for t in members.senders))
        targets = [t for t in members.listeners if t[3] not in admitted]
        if not targets:
            continue
        hub = node_hub(node)
        replica_of = members.replica_of
        for pod, container, _, vertex in members.senders:
            yield Edge(vertex, hub,
                       Reason("container {}/{} shares the network of node {} (hostNetwork) "
                              "and sends from its address, which the pods on that node always "
                              "accept (network policies are {})", pod.name, container.name, node,
                              why),
                       (_host_proof(host_proofs, pod),
                        node_evidence(pod, replica_of[id(pod)], node)),
                       cost=HUB_COST)
        who = (f"node {node}'s own address (NetworkPolicies never block a pod's traffic with "
               "its node)")
        texts = classes.port_texts
        for pod, index, container, target in targets:
            edge = target_edge(assumed, hub, pod, index, container, texts[target], who,
                               "certain", node_evidence(pod, replica_of[id(pod)], node))
            if edge is not None:
                yield edge


def _host_proof(known: dict[int, str], pod: Pod) -> str:
    """The evidence that ``pod`` uses its node's network, worked out once per pod."""
    found = known.get(id(pod))
    if found is None:
        found = known[id(pod)] = evidence(pod, "hostNetwork", True)
    return found


def _to_host(node: str, members: NodeMembers, reached: Mapping[int, set[int]],
             why: str, assumed: Assumption, classes: Classes, host_proofs: dict[int, str]
             ) -> Iterator[Edge]:
    """The node's containers into its hostNetwork listeners their class hubs miss."""
    hosts = members.hosts
    if not hosts:
        return
    nothing: set[int] = set()
    wanted = {t[3] for t in hosts}
    entering = [r for r in members.residents if not wanted <= reached.get(r[2], nothing)]
    if not entering:
        return
    missed = set().union(*(wanted - reached.get(r[2], nothing) for r in entering))
    hub = host_hub(node)
    replica_of = members.replica_of
    for pod, container, _, vertex in entering:
        yield Edge(vertex, hub,
                   Reason("container {}/{} runs on node {}, whose hostNetwork services it "
                          "always reaches (network policies are {})", pod.name, container.name,
                          node, why),
                   (node_evidence(pod, replica_of[id(pod)], node),), cost=HUB_COST)
    who = f"a pod on node {node} (NetworkPolicies never block a pod's traffic with its node)"
    texts = classes.port_texts
    for pod, index, container, target in hosts:
        if target in missed:
            edge = target_edge(assumed, hub, pod, index, container, texts[target], who,
                               "certain", _host_proof(host_proofs, pod))
            if edge is not None:
                yield edge
