"""net.reach over the NetworkPolicy engine, enforcement detection, and pod.imds egress."""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from typing import Any

import pytest

from ingest import inventory_from_text, load_k8s
from riskgraph.demo import demo_dir
from riskgraph.estate.inventory import Inventory
from riskgraph.netpol import NetworkPolicies, Port, PortSet
from riskgraph.netpol.enforcement import detect, enforcement
from riskgraph.techniques import get
from riskgraph.techniques._shared.common import container_vertex
from riskgraph.techniques.net.reach import FLAT_HUB

CALICO = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: calico-node, image: docker.io/calico/node:v3.27.0}]
"""

VPC_CNI = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: aws-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - {name: aws-node, image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.0}
      - {name: aws-eks-nodeagent,
         image: 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.0}
"""

PODS = """
---
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  containers: [{name: curl, image: curl}]
---
kind: Pod
metadata: {name: pg, namespace: db}
spec:
  containers: [{name: postgres, image: postgres, ports: [{containerPort: 5432}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: db}
spec: {podSelector: {}}
"""


def forced(inv: Inventory, enforced: bool) -> Inventory:
    """The inventory with ``--network-policy`` set as the CLI would set it."""
    inv.network_policy_enforcement = enforced
    return inv


def pairs(inv: Inventory, technique: str = "net.reach") -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in get(technique).find(inv)}


def test_engines_are_detected_by_image_and_the_vpc_cni_agent_alone_stays_unknown() -> None:
    found, proof = detect(inventory_from_text(CALICO))
    assert found is True and "Calico" in proof[0]
    cilium = CALICO.replace("calico-node", "cilium").replace("docker.io/calico/node",
                                                                "quay.io/cilium/cilium")
    assert detect(inventory_from_text(cilium))[0] is True
    found, proof = detect(inventory_from_text(VPC_CNI))
    assert found is None and "aws-eks-nodeagent" not in proof[0] \
        and "aws-network-policy-agent" in proof[0]
    assert detect(inventory_from_text(PODS)) == (None, ())


def test_the_inventory_flag_overrides_detection() -> None:
    inv = inventory_from_text(CALICO + PODS)
    assert enforcement(inv)[0] is True
    flat = forced(inventory_from_text(CALICO + PODS), False)
    assert enforcement(flat) == (False, "not enforced (set by the user)")
    edges = list(get("net.reach").find(flat))
    assert (FLAT_HUB, "k8s:Container:db/pg/postgres") in {(e.source, e.target) for e in edges}
    # The user said so: the flat network is not a guess; exploiting postgres's port is.
    assert {e.confidence for e in edges if e.target == FLAT_HUB} == {"certain"}
    assert {e.confidence for e in edges if e.source == FLAT_HUB} == {"likely"}
    assert not any(e.target == "k8s:Container:db/pg/postgres" for e in get("net.reach").find(inv))
    detected_none = forced(inventory_from_text(PODS), True)
    assert not any(e.target == "k8s:Container:db/pg/postgres"
                   for e in get("net.reach").find(detected_none))


def test_allowed_class_pair_names_the_port_and_the_policy() -> None:
    allow = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-shop, namespace: db}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}}],
             ports: [{port: 5432}]}]
"""
    edges = list(get("net.reach").find(inventory_from_text(CALICO + PODS + allow)))
    crossing = [e for e in edges if e.source.startswith("hub:net-reach-from:")
                and e.target.startswith("hub:net-reach-to:")]
    assert len(crossing) == 1
    assert crossing[0].reason.startswith("5432/TCP allowed by db/from-shop (ingress)")
    assert crossing[0].evidence == ("k8s:NetworkPolicy:db/from-shop: allows 5432/TCP",)
    client_hub = {e.target for e in edges if e.source == "k8s:Container:shop/client/curl"}
    assert client_hub == {crossing[0].source}
    # postgres itself (namespace db) is not admitted: its class reaches nothing.
    assert not any(e.source == "k8s:Container:db/pg/postgres" for e in edges)


def test_default_deny_egress_removes_imds_only_when_enforced() -> None:
    demo = load_k8s([demo_dir()])
    payments = "k8s:Container:payments/"
    assert any(s.startswith(payments) for s, _ in pairs(demo, "pod.imds"))
    imds = pairs(forced(load_k8s([demo_dir()]), True), "pod.imds")
    assert imds and not any(s.startswith(payments) for s, _ in imds)
    # The demo runs no enforcing engine: its network stays one likely hub.
    flat = list(get("net.reach").find(demo))
    assert {e.target for e in flat if not e.source.startswith("hub:")} == {FLAT_HUB}
    assert {e.confidence for e in flat} == {"likely"}


def test_egress_allowed_to_the_metadata_address_and_host_network_keep_imds() -> None:
    imds_example = get("pod.imds").examples[0]
    policies = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: %s}
spec: {podSelector: {}, policyTypes: [Egress]}
"""
    base = imds_example.manifests + policies % "shop" + policies % "kube-system"
    web, cni = "k8s:Container:shop/web/app", "k8s:Container:kube-system/cni/agent"
    inv = forced(inventory_from_text(base), True)
    assert {s for s, _ in pairs(inv, "pod.imds")} == {cni}
    allow_imds = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: imds, namespace: shop}
spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 169.254.169.254/32}}], ports: [{port: 80}]}]
"""
    inv = forced(inventory_from_text(base + allow_imds), True)
    assert {s for s, _ in pairs(inv, "pod.imds")} == {web, cni}


def _estate(pods: int, namespaces: int, policies: int) -> str:
    docs = []
    for n in range(namespaces):
        docs.append(f"kind: Namespace\nmetadata: {{name: ns{n}, labels: {{team: t{n % 5}}}}}")
    for p in range(pods):
        ns, app = p % namespaces, p % 17
        docs.append(f"kind: Pod\nmetadata: {{name: p{p}, namespace: ns{ns}, labels: {{app: a{app},"
                    f" pod-template-hash: h{p}}}}}\nspec:\n  containers: [{{name: c, image: i,"
                    f" ports: [{{containerPort: {8000 + app % 3}}}]}}]")
    for q in range(policies):
        ns = q % namespaces
        docs.append(
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: q{q}, "
            f"namespace: ns{ns}}}\nspec:\n  podSelector: {{matchLabels: {{app: a{q % 17}}}}}\n"
            f"  ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{team: t{q % 5}}}}},"
            f" podSelector: {{matchLabels: {{app: a{(q + 1) % 17}}}}}}}],"
            f" ports: [{{port: {8000 + q % 3}}}]}}]")
    return "\n---\n".join(docs)


def test_edges_grow_with_containers_plus_class_pairs_not_pod_pairs() -> None:
    inv = inventory_from_text(CALICO + "\n---\n" + _estate(3000, 30, 60))
    start = time.perf_counter()
    edges = list(get("net.reach").find(inv))
    elapsed = time.perf_counter() - start
    hubs = {e.source for e in edges if e.source.startswith("hub:")}
    classes = len(hubs)
    containers = len(inv.pods)
    assert classes > 10  # the policies split the pods
    assert len(edges) <= 4 * containers + classes ** 2
    assert elapsed < 5
    # A pod some policy isolates is reached only through the classes its policy admits.
    isolated = "k8s:Container:ns0/p0/c"
    into = {e.source for e in edges if e.target == isolated}
    feeding = {e.source for e in edges if e.target in into}
    assert into and len(feeding) < len({e.source for e in edges
                                        if e.source.startswith("hub:net-reach-from:")})


def _random_estate(seed: int, pods: int, policies: int) -> str:
    """Pods and policies drawn from a small vocabulary, so that selectors overlap."""
    rng = random.Random(seed)
    apps, namespaces = ("a", "b", "c", "d"), ("n0", "n1", "n2")
    docs: list[dict[str, Any]] = [
        {"kind": "Namespace", "metadata": {"name": n, "labels": {"team": rng.choice("xy")}}}
        for n in namespaces]
    for p in range(pods):
        ports = rng.choice([[], [{"containerPort": 80, "name": "http"}],
                            [{"containerPort": 443}], [{"containerPort": 53, "protocol": "UDP"}],
                            [{"containerPort": 5432, "name": "pg"}, {"containerPort": 80}]])
        docs.append({"kind": "Pod", "metadata": {
            "name": f"p{p}", "namespace": rng.choice(namespaces),
            "labels": {"app": rng.choice(apps), "tier": rng.choice(["web", "db"])}},
            "spec": {"hostNetwork": rng.random() < 0.05,
                     "containers": [{"name": "c", "image": "i", "ports": ports}]}})

    def peer() -> dict[str, Any]:
        return rng.choice([
            {"podSelector": {"matchLabels": {"app": rng.choice(apps)}}},
            {"namespaceSelector": {"matchLabels": {"team": rng.choice("xy")}}},
            {"namespaceSelector": {}, "podSelector": {"matchLabels": {"tier": "web"}}},
            {"ipBlock": {"cidr": rng.choice(["0.0.0.0/0", "10.1.0.0/16"])}}])

    def rule(key: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if rng.random() < 0.8:
            found[key] = [peer() for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.7:
            found["ports"] = rng.choice([[{"port": 80}], [{"port": "http"}],
                                         [{"port": 5000, "endPort": 6000}],
                                         [{"protocol": "UDP", "port": 53}], [{"port": "pg"}]])
        return found

    for q in range(policies):
        types = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        spec: dict[str, Any] = {
            "podSelector": rng.choice([{}, {"matchLabels": {"app": rng.choice(apps)}}]),
            "policyTypes": types}
        if "Ingress" in types:
            spec["ingress"] = [rule("from") for _ in range(rng.randint(0, 2))]
        if "Egress" in types:
            spec["egress"] = [rule("to") for _ in range(rng.randint(0, 2))]
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": f"q{q}", "namespace": rng.choice(namespaces)},
                     "spec": spec})
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_class_hubs_connect_exactly_the_container_pairs_the_engine_allows(seed: int) -> None:
    inv = forced(inventory_from_text(_random_estate(seed, 120, 20)), True)
    into: dict[str, set[str]] = defaultdict(set)
    for edge in get("net.reach").find(inv):
        into[edge.source].add(edge.target)
    via_hubs = {(source, target) for source, hubs in into.items()
                if not source.startswith("hub:")
                for hub in hubs for to_hub in into[hub] for target in into[to_hub]}
    pols = NetworkPolicies.from_inventory(inv)
    expected = set()
    for source in inv.pods:
        for target in inv.pods:
            open_ports = pols.allowed(source, target, Port(None, None)).ports
            for container in target.spec.containers:
                listening = PortSet.of(*((p.protocol.upper(), p.container_port,
                                          p.container_port) for p in container.ports))
                if open_ports & listening:
                    expected.update((container_vertex(source, c), container_vertex(target,
                                                                                   container))
                                    for c in source.spec.all_containers)
    assert expected and len(expected) < 120 * 120  # the policies block some pairs
    assert via_hubs == expected


# Traffic between a pod and its own node ---------------------------------------------------

def _on_node(node: str, name: str, namespace: str, *, host: bool = False,
             port: int | None = None) -> str:
    ports = f", ports: [{{containerPort: {port}}}]" if port else ""
    return (f"\n---\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n  nodeName: {node}\n  hostNetwork: {str(host).lower()}\n"
            f"  containers: [{{name: c, image: i{ports}}}]\n")


def test_a_host_network_pod_reaches_isolated_listeners_of_its_own_node_only() -> None:
    text = CALICO + PODS.replace("kind: Pod\nmetadata: {name: pg, namespace: db}\nspec:\n",
                                 "kind: Pod\nmetadata: {name: pg, namespace: db}\nspec:\n"
                                 "  nodeName: n1\n") \
        + _on_node("n1", "agent", "monitoring", host=True) \
        + _on_node("n1", "web", "shop", port=80) \
        + _on_node("n2", "other-pg", "db", port=5432) \
        + _on_node("n2", "idle", "shop", port=8080)
    edges = {(e.source, e.target): e for e in get("net.reach").find(inventory_from_text(text))}
    hub = "hub:net-reach-node:node/n1"
    # Only the isolated listener of n1 needs the node hub: web is open to every class, and
    # the isolated postgres of n2 is on another node.
    assert {t for s, t in edges if s == hub} == {"k8s:Container:db/pg/postgres"}
    assert {s for s, t in edges if t == hub} == {"k8s:Container:monitoring/agent/c"}
    assert not any(s.startswith("hub:net-reach-node:node/n2") for s, _ in edges)
    step = edges[hub, "k8s:Container:db/pg/postgres"]
    assert step.confidence == "likely" and "never block" in str(step.reason)
    assert "application port is assumed exploitable" in str(step.reason)
    assert "k8s:Pod:db/pg: spec.nodeName=\"n1\"" in step.evidence
    entry = edges["k8s:Container:monitoring/agent/c", hub]
    assert "k8s:Pod:monitoring/agent: spec.hostNetwork=true" in entry.evidence
    # Not enforced: the flat hub reaches everything, no node hubs.
    flat = pairs(forced(inventory_from_text(text), False))
    assert not any(s.startswith("hub:net-reach-node") for s, _ in flat)


#: The deny-all ingress policy of namespace db, alone.
DENY_DB = "\n---\napiVersion" + PODS.split("---\napiVersion")[1]


def test_unbound_host_network_pods_get_no_node_hub() -> None:
    # The calico-node DaemonSet template is hostNetwork but bound to no node.
    bound = _on_node("n1", "pg", "db", port=5432)
    assert pairs(inventory_from_text(CALICO + bound + DENY_DB)) == set()
    unbound = bound.replace("nodeName: n1", "nodeName: null")
    agent = _on_node("n1", "agent", "monitoring", host=True)
    assert pairs(inventory_from_text(CALICO + unbound + agent + DENY_DB)) == set()
    assert pairs(inventory_from_text(CALICO + bound + agent + DENY_DB)) == {
        ("k8s:Container:monitoring/agent/c", "hub:net-reach-node:node/n1"),
        ("hub:net-reach-node:node/n1", "k8s:Container:db/pg/c")}


def test_node_edges_grow_with_containers_not_senders_times_targets() -> None:
    nodes, per_node = 400, 5
    docs = [CALICO, DENY_DB]
    for n in range(nodes):
        docs.append(_on_node(f"n{n}", f"exporter-{n}", "monitoring", host=True))
        docs.extend(_on_node(f"n{n}", f"db-{n}-{i}", "db", port=5432) for i in range(per_node))
    inv = inventory_from_text("".join(docs))
    start = time.perf_counter()
    edges = list(get("net.reach").find(inv))
    elapsed = time.perf_counter() - start
    into_nodes = [e for e in edges if e.target.startswith("hub:net-reach-node:")]
    out_of_nodes = [e for e in edges if e.source.startswith("hub:net-reach-node:")]
    assert len(into_nodes) == nodes
    assert len(out_of_nodes) == nodes * per_node
    assert len(edges) < 4 * len(inv.pods)
    assert elapsed < 5
