"""Internet edges to the ports a node opens: a NodePort Service's node ports and a
container's host ports (``net.internet-exposed``), decided with the EC2 facts of
:mod:`._exposure`.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod, Service
from riskgraph.techniques import Edge
from riskgraph.techniques._shared.common import container_vertex, containers, evidence
from riskgraph.techniques.net._exposure import HostExposure, HostVerdict, PortRange
from riskgraph.techniques.net._lb_schemes import NODE_PORT_RANGE, NODEPORT_COST


def node_port_edges(service: Service, sid: str, hosts: HostExposure) -> Iterator[Edge]:
    """The internet's edge to NodePort Service ``service`` (vertex ``sid``): ``likely``
    without EC2 facts, else as the nodes' most open verdict on its node ports says."""
    name = f"{service.namespace}/{service.name}"
    if not hosts.decides:
        ports = ", ".join(str(p.node_port) for p in service.spec.ports if p.node_port)
        yield Edge(ids.INTERNET, sid, f"service {name} opens NodePort {ports or 'ports'} on "
                   "every node; reachable if a node has a public address and its security "
                   "group allows the port (no EC2 input says)", (f'{sid}: spec.type="NodePort"',),
                   "likely", NODEPORT_COST)
        return
    found: tuple[HostVerdict, str] | None = None
    for index, port in enumerate(service.spec.ports):
        low, high = (port.node_port, port.node_port) if port.node_port else NODE_PORT_RANGE
        verdict = hosts.any_node(PortRange(port.protocol, low, high))
        proof = f"{sid}: spec.ports[{index}].nodePort={port.node_port}" if port.node_port \
            else f'{sid}: spec.type="NodePort"'
        if verdict.state != "closed" and (found is None or verdict.rank < found[0].rank):
            found = (verdict, proof)
    if found is None:
        return
    verdict, proof = found
    if verdict.state == "open":
        yield Edge(ids.INTERNET, sid, f"service {name} is a NodePort and {verdict.reason}",
                   (proof, *verdict.evidence), verdict.confidence)
    else:
        yield Edge(ids.INTERNET, sid, f"service {name} is a NodePort; {verdict.reason}, so "
                   "it may be open", (proof, *verdict.evidence), "likely", NODEPORT_COST)


def host_port_edges(inv: Inventory, pod: Pod, hosts: HostExposure) -> Iterator[Edge]:
    """The internet's edge to each container of ``pod`` listening on a host port that a
    node the pod may run on opens to the internet."""
    for container, path in containers(pod):
        best: tuple[Confidence, HostVerdict, str, str, int] | None = None
        for index, port in enumerate(container.ports):
            host_port = port.host_port or (port.container_port if pod.spec.host_network else 0)
            if not host_port:
                continue
            wanted = PortRange(port.protocol, host_port, host_port)
            field = "hostPort" if port.host_port else "containerPort"
            for place in inv.placements(pod):
                verdict, every = hosts.place(place.target, wanted)
                if verdict.state != "open":
                    continue
                level = weakest(verdict.confidence, place.confidence,
                                *(() if every else ("possible",)))
                if best is None or CONFIDENCE_ORDER.index(level) < CONFIDENCE_ORDER.index(best[0]):
                    best = (level, verdict, evidence(pod, f"{path}.ports[{index}].{field}",
                                                     host_port), place.reason, host_port)
        if best is not None:
            level, verdict, proof, where, host_port = best
            yield Edge(ids.INTERNET, container_vertex(pod, container),
                       f"container {container.name} listens on host port {host_port} "
                       f"({where}) and {verdict.reason}", (proof, *verdict.evidence), level)
