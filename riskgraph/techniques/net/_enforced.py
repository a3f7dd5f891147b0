"""The enforced pod network of ``net.reach``: each container into the hub of its source
class, source-class hubs into the target-class hubs the policies let them reach, and those
into their listening containers (see :mod:`riskgraph.techniques.net.reach`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.netpol import NetworkPolicies, Port
from riskgraph.techniques import Edge
from riskgraph.techniques.net._classes import Candidates, Classes, target_edge
from riskgraph.techniques.net._exploit import assumption
from riskgraph.techniques.net._node import node_edges

CAPABILITY = "net-reach"
#: Entering or crossing a hub is bookkeeping; the step onto the container is the attack.
HUB_COST = 0.1
_ANY = Port(None, None)


def peer_names(pols: NetworkPolicies) -> dict[int, str]:
    """Each peer's number -> its policy and place in it (``shop/from-web#0``)."""
    return {peer.number: f"{policy.ref}#{place}" for policy in pols.policies
            for place, peer in enumerate(policy.peers)}


def class_hub(pols: NetworkPolicies, peers: dict[int, str], direction: str,
              isolating: tuple[int, ...], *keyed_on: Iterable[object]) -> str:
    """The hub of a class of pods, named by its policy class: the policies isolating it in
    that direction (``none``), then a digest of everything else the class is keyed on (the
    peers selecting it, named by :func:`peer_names`; ports), e.g.
    ``hub:net-reach-to:ingress=db/from-shop/3fa2c1``. Peers are named by their policy and
    place in it, so the name stays put while those policies do, whatever else changes."""
    refs = [pols.policies[i].ref for i in isolating]
    parts = [peers.get(k, str(k)) if isinstance(k, int) else str(k)
             for key in keyed_on for k in sorted(key, key=str)]
    digest = hashlib.sha1("\0".join([*refs, "|", *parts]).encode()).hexdigest()[:6]
    shown = ",".join(refs[:2]) + (f",+{len(refs) - 2}" if len(refs) > 2 else "") or "none"
    side = "egress" if direction == "from" else "ingress"
    return ids.hub_id(f"{CAPABILITY}-{direction}", f"{side}={shown}/{digest}")


def _policy_id(ref: str) -> str:
    namespace, name = ref.split("/", 1)
    return ids.k8s_id("NetworkPolicy", name, namespace)


def _refs(pols: NetworkPolicies, indexes: tuple[int, ...]) -> str:
    return ", ".join(pols.policies[i].ref for i in indexes)


def enforced_edges(inv: Inventory, why: str) -> Iterator[Edge]:
    """The enforced network, through per-class hubs (and the node hubs of
    :mod:`riskgraph.techniques.net._node`)."""
    pols = NetworkPolicies.of(inv)
    classes = Classes.of(inv, pols)
    source_sig, members = classes.sources, classes.members
    target_sig, listeners = classes.targets, classes.listeners
    candidates = Candidates(pols, target_sig)
    assumed = assumption(inv)
    peers = peer_names(pols)
    to_hubs = [class_hub(pols, peers, "to", sig.ingress, sig.peers, sig.named_ports,
                         [str(ports)]) for sig, ports in target_sig]
    reached: set[int] = set()
    reached_by: dict[int, set[int]] = {}
    for a, source in enumerate(source_sig):
        from_hub = class_hub(pols, peers, "from", source.egress, source.peers)
        pairs: list[tuple[int, Edge]] = []
        for b in sorted(candidates.of(source)):
            target, ports = target_sig[b]
            if not source.egress and not target.ingress:
                pairs.append((b, Edge(from_hub, to_hubs[b],
                                  f"no policy isolates these sources for egress nor these "
                                  f"targets for ingress: any of {ports} is open", (),
                                  cost=HUB_COST)))
                continue
            verdict = pols.decide(source, target, _ANY, f"source class {a}",
                                  f"target class {b}")
            open_ports = verdict.ports & ports
            if open_ports:
                pairs.append((b, Edge(from_hub, to_hubs[b],
                                  f"{open_ports} {verdict.because}",
                                  tuple(f"{_policy_id(ref)}: allows {open_ports}"
                                        for ref in verdict.deciding_policies),
                                  cost=HUB_COST)))
        if not pairs:
            continue
        reached_by[a] = {b for b, _ in pairs}
        reached.update(reached_by[a])
        yield from (edge for _, edge in pairs)
        egress = f"isolated for egress by {_refs(pols, source.egress)}" if source.egress \
            else "not isolated for egress"
        for pod, container, _, vertex in members[a]:
            yield Edge(vertex, from_hub,
                       Reason("container {}/{} opens connections as source class {} ({}; "
                              "network policies are {})", pod.name, container.name, a, egress,
                              why), (),
                       cost=HUB_COST)
    for b in sorted(reached):
        target = target_sig[b][0]
        to_hub, ports_text = to_hubs[b], classes.port_texts[b]
        ingress = f"isolated for ingress by {_refs(pols, target.ingress)}" if target.ingress \
            else "not isolated for ingress"
        who = f"a source the policies admit (target class {b}, {ingress})"
        for pod, index, container in listeners[b]:
            edge = target_edge(assumed, to_hub, pod, index, container, ports_text, who,
                               "certain")
            if edge is not None:
                yield edge
    yield from node_edges(classes, reached_by, why, assumed)
