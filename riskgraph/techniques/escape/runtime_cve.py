"""escape.runtime-cve: a node's runtime or kernel has a known container-escape flaw.

The versions come from the Node objects (``status.nodeInfo``) and the ranges from the dated
table ``riskgraph/data/runtime-cves.yaml``. A live pod reaches its node; a template pod each
pool that has a vulnerable node, through one hub per set of pools (and of requirements met)
when there are several. Without Node objects nothing is known, so nothing fires.
An exploit can still fail (a patched package under an old version number, a hardened
profile), so a match is ``likely``; it is ``possible`` when only some nodes of a pool match,
when the kernel's version hides its upstream patch level, or when the exploit needs a step
this rule cannot see. A flaw whose ``requires`` the container does not meet is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.estate.scheduling import Placement, pool_set_scope
from riskgraph.models import Node, Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import container_vertex, containers, evidence, json_value
from riskgraph.techniques.escape._cves import (
    KERNEL,
    Cve,
    Finding,
    findings,
    patch_level_hidden,
    requirements_met,
)

CAPABILITY = "runtime-cve"
#: Cost of a step out of a pool-set hub: the exploit was paid for on the way in.
HUB_COST = 0.1
#: At most this many nodes of a pool are named in evidence; the reason gives the count.
EVIDENCE_NODES = 3
KERNEL_NOTE = ("distributions backport kernel fixes without changing the upstream version, "
               "so check the vendor's advisory for that kernel build")


class Exposure(NamedTuple):
    """One CVE a node or pool exposes, as a reason fragment and the node fields behind it."""

    cve: Cve
    confidence: Confidence
    phrase: str
    evidence: tuple[str, ...]


def _node_evidence(finding: Finding, node: Node) -> str:
    reported = finding.reported
    return (f"{ids.k8s_id('Node', node.name)}: status.nodeInfo.{reported.field}="
            f"{json_value(reported.text)}")


def _flaw(cve: Cve) -> str:
    return f"{cve.id} ({cve.component}: {cve.allows})"


def _finding_confidence(finding: Finding) -> Confidence:
    if finding.reported.software == KERNEL and patch_level_hidden(finding.reported.version):
        return "possible"
    return finding.cve.confidence


def _node_exposures(node: Node, found: list[Finding]) -> list[Exposure]:
    return [Exposure(f.cve, _finding_confidence(f),
                     f"{_flaw(f.cve)}, as node {node.name} reports {f.reported.text}",
                     (_node_evidence(f, node),))
            for f in found]


def _pool_exposures(pool: str, nodes: list[Node], by_node: dict[str, list[Finding]]
                    ) -> list[Exposure]:
    per_cve: dict[str, list[tuple[Node, Finding]]] = {}
    for node in nodes:
        for finding in by_node.get(node.name, ()):
            per_cve.setdefault(finding.cve.id, []).append((node, finding))
    exposures = []
    for hits in per_cve.values():
        cve = hits[0][1].cve
        weakest_hit = weakest(*(_finding_confidence(f) for _, f in hits))
        everywhere = len(hits) == len(nodes)
        confidence = weakest_hit if everywhere else "possible"
        share = ("every node of pool {} reports" if everywhere
                 else f"{len(hits)} of {len(nodes)} nodes of pool {{}} report").format(pool)
        exposures.append(Exposure(
            cve, confidence, f"{_flaw(cve)}, as {share} versions in its range",
            tuple(_node_evidence(f, node) for node, f in hits[:EVIDENCE_NODES])))
    return exposures


def vulnerable_targets(inv: Inventory) -> dict[str, list[Exposure]]:
    """Node and pool vertex -> the CVEs it exposes; only targets with at least one."""
    by_node = {node.name: found for node in inv.nodes if (found := findings(node))}
    targets: dict[str, list[Exposure]] = {}
    for node in inv.nodes:
        if node.name in by_node:
            targets[ids.k8s_id("Node", node.name)] = _node_exposures(node, by_node[node.name])
    for pool, nodes in inv.pools.items():
        exposures = _pool_exposures(pool, nodes, by_node)
        if exposures:
            targets[ids.node_pool_id(pool)] = exposures
    return targets


class _Reach(NamedTuple):
    """What containers with one set of met requirements reach on one node or pool."""

    text: str
    evidence: tuple[str, ...]
    confidence: Confidence
    needs_host_network: bool


def _reach(exposures: list[Exposure], met: frozenset[str]) -> _Reach | None:
    usable = [e for e in exposures if e.cve.requires <= met]
    if not usable:
        return None
    notes = [e.cve.precondition for e in usable if e.cve.precondition]
    if any(e.cve.component == KERNEL for e in usable):
        notes.append(KERNEL_NOTE)
    text = ("can exploit " + "; and ".join(e.phrase for e in usable)
            + "".join(f" ({note})" for note in notes))
    return _Reach(text, tuple(dict.fromkeys(p for e in usable for p in e.evidence)),
                  min((e.confidence for e in usable), key=CONFIDENCE_ORDER.index),
                  any("hostNetwork" in e.cve.requires for e in usable))


class _Steps(NamedTuple):
    """The edges of every container of one pod that meets one set of requirements, but for
    the container's own vertex: its nodes (and single pool), and its pool-set hub."""

    direct: list[tuple[str, str, tuple[str, ...], Confidence]]
    hub: str | None
    hub_edge: tuple[str, tuple[str, ...], Confidence]
    pools: list[tuple[Placement, _Reach]]


def _steps(inv: Inventory, pod: Pod, places: list[Placement], met: frozenset[str],
           targets: dict[str, list[Exposure]],
           reaches: dict[tuple[str, frozenset[str]], _Reach | None],
           direct: dict[tuple[Placement, frozenset[str]], str]) -> _Steps | None:
    found: list[tuple[Placement, _Reach]] = []
    for place in places:
        key = (place.target, met)
        if key not in reaches:
            reaches[key] = _reach(targets[place.target], met)
        reach = reaches[key]
        if reach is not None:
            found.append((place, reach))
    if not found:
        return None
    host_network = (evidence(pod, "hostNetwork", True),) if any(
        r.needs_host_network for _, r in found) else ()
    # A replica's node is a fact, each its own step; the pools a pod may land on share one
    # hub.
    on_nodes: list[tuple[Placement, _Reach]] = []
    on_pools: list[tuple[Placement, _Reach]] = []
    for place, reach in found:
        (on_nodes if place.target.startswith(ids.NODE_PREFIX) else on_pools).append(
            (place, reach))
    edges = []
    for place, reach in on_nodes + (on_pools if len(on_pools) == 1 else []):
        text = direct.get((place, met))
        if text is None:
            where = f"the pod {place.reason}" if pod.spec.node_name else place.reason
            text = direct[(place, met)] = f"{where}, where its containers {reach.text}"
        # weakest(x, "certain") is x: a node's placement is certain.
        edges.append((place.target, text, reach.evidence + host_network,
                      reach.confidence if place.confidence == "certain"
                      else weakest(reach.confidence, place.confidence)))
    if len(on_pools) < 2:
        return _Steps(edges, None, ("", (), "certain"), [])
    pools = [place.target for place, _ in on_pools]
    hub = ids.hub_id(CAPABILITY, f"{pool_set_scope(pools, len(inv.pools))}/"
                                 + ("+".join(sorted(met)) or "confined"))
    return _Steps(edges, hub, (
        f"a {pod.template_kind or 'pending'} pod may be scheduled onto any of {len(pools)} "
        "pools whose nodes have container-escape flaws", host_network,
        weakest(*(place.confidence for place, _ in on_pools))), on_pools)


def find(inv: Inventory) -> Iterator[Edge]:
    targets = vulnerable_targets(inv)
    if not targets:
        return
    reaches: dict[tuple[str, frozenset[str]], _Reach | None] = {}
    # Every container of a vulnerable node gets an edge: the texts are shared, not rebuilt.
    direct: dict[tuple[Placement, frozenset[str]], str] = {}
    hubs: dict[str, None] = {}
    for pod in inv.pods:
        if pod.spec.node_name and ids.k8s_id("Node", pod.spec.node_name) not in targets:
            continue
        places = [p for p in inv.placements(pod) if p.target in targets]
        # Containers of a pod meeting the same requirements differ only in their vertex.
        by_met: dict[frozenset[str], _Steps | None] = {}
        for container, _ in containers(pod) if places else ():
            met = requirements_met(pod, container)
            if met not in by_met:
                by_met[met] = _steps(inv, pod, places, met, targets, reaches, direct)
            steps = by_met[met]
            if steps is None:
                continue
            source = container_vertex(pod, container)
            for target, reason, proof, confidence in steps.direct:
                yield Edge(source, target, reason, proof, confidence)
            hub = steps.hub
            if hub is None:
                continue
            yield Edge(source, hub, *steps.hub_edge)
            if hub not in hubs:
                hubs[hub] = None
                for place, reach in steps.pools:
                    yield Edge(hub, place.target, f"a pod scheduled onto pool "
                               f"{ids.parse(place.target).name} lands where its containers "
                               f"{reach.text}", reach.evidence, reach.confidence, HUB_COST)


_POOLS_HUB = "hub:runtime-cve:pools/all/root+seccomp-unconfined"


def _node(name: str, pool: str, runtime: str, kernel: str = "6.1.79-99.167.amzn2023.x86_64"
          ) -> str:
    return (f"---\nkind: Node\nmetadata: {{name: {name}, labels: "
            f"{{eks.amazonaws.com/nodegroup: {pool}}}}}\nstatus:\n  nodeInfo: "
            f'{{containerRuntimeVersion: "{runtime}", kernelVersion: "{kernel}"}}\n')


def _pod(name: str, node: str, settings: str = "") -> str:
    return (f"---\nkind: Pod\nmetadata: {{name: {name}, namespace: default}}\n"
            f"spec: {{nodeName: {node}, {settings}containers: [{{name: c, image: x}}]}}\n")


TECHNIQUE = Technique(
    id="escape.runtime-cve",
    title="Node runs a container runtime or kernel with a known escape CVE",
    severity="high",
    mitre="T1611",
    remediation="Move the node group to a current AMI (or upgrade the packages): containerd "
                "1.6.28 / 1.7.13 or later with runc 1.1.12 or later, a patched CRI-O release, "
                "and a kernel outside the ranges in riskgraph/data/runtime-cves.yaml. Until "
                "then run workloads with seccompProfile RuntimeDefault, runAsNonRoot and "
                "without hostNetwork, which each block some of these exploits.",
    # An exploit has to be run and may meet a patched build: harder than a misconfiguration.
    cost=2.0,
    find=find,
    examples=(
        Example(
            "old containerd (bundled runc): a live pod's node; a template's pools via a hub",
            _node("n1", "general", "containerd://1.6.20-1.amzn2")
            + _node("n2", "general", "containerd://v1.7.13") + _node("n3", "gpu", "containerd://1.7.2")
            + _pod("web", "n1") + _pod("api", "n2") + """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: jobs}
spec: {template: {spec: {containers: [{name: worker, image: worker}]}}}
""",
            frozenset({("k8s:Container:default/web/c", "k8s:Node:n1"),
                       ("k8s:Container:jobs/batch/worker", _POOLS_HUB),
                       (_POOLS_HUB, "k8s:NodePool:general"), (_POOLS_HUB, "k8s:NodePool:gpu")}),
            {("k8s:Container:default/web/c", "k8s:Node:n1"): "likely",
             (_POOLS_HUB, "k8s:NodePool:general"): "possible",
             (_POOLS_HUB, "k8s:NodePool:gpu"): "likely"},
        ),
        Example(
            "old kernel: a RuntimeDefault seccomp profile blocks the user-namespace exploits",
            _node("k1", "legacy", "containerd://1.7.13", "5.4.172-90.336.amzn2.x86_64")
            + _pod("open", "k1")
            + _pod("hardened", "k1", "securityContext: {seccompProfile: {type: RuntimeDefault}}, "),
            frozenset({("k8s:Container:default/open/c", "k8s:Node:k1")}),
            {("k8s:Container:default/open/c", "k8s:Node:k1"): "likely"},
        ),
        Example(
            "shim socket flaw needs root in the host network; CRI-O flaw and Ubuntu kernel are "
            "only possible",
            _node("h1", "edge", "containerd://1.4.2")
            + _node("u1", "ubuntu", "cri-o://1.22.1", "5.15.0-1051-aws")
            + _pod("net", "h1", "hostNetwork: true, ") + _pod("plain", "h1")
            + _pod("netuser", "h1", "hostNetwork: true, securityContext: {runAsNonRoot: true}, ")
            + _pod("crio", "u1", "securityContext: {seccompProfile: {type: Localhost}}, "),
            frozenset({("k8s:Container:default/net/c", "k8s:Node:h1"),
                       ("k8s:Container:default/crio/c", "k8s:Node:u1")}),
            {("k8s:Container:default/net/c", "k8s:Node:h1"): "likely",
             ("k8s:Container:default/crio/c", "k8s:Node:u1"): "possible"},
        ),
        Example(
            "near misses: fixed releases, an unknown runtime, a node without status, no nodes",
            _node("ok1", "general", "containerd://1.7.13+bottlerocket")
            + _node("ok2", "general", "cri-o://1.23.2")
            + _node("odd", "general", "remote://1.0.0", "unknown")
            + _pod("a", "ok1", "hostNetwork: true, ") + _pod("b", "bare") + _pod("c", "elsewhere")
            + """
---
kind: Node
metadata: {name: bare}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec: {template: {spec: {containers: [{name: c, image: x}]}}}
""",
        ),
    ),
)
