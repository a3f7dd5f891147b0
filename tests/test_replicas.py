"""Replica classes: a workload's alike live pods are one vertex; node facts stay exact."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from bench.synth import main as synth
from ingest.k8s_files import parse_text, read_k8s
from queries import attack_paths
from riskgraph.builder import build_graph
from riskgraph.cli.main import main
from riskgraph.estate.inventory import Inventory
from riskgraph.netpol.evaluate import NetworkPolicies

NODES = "".join(f"""
---
kind: Node
metadata: {{name: {name}, labels: {{eks.amazonaws.com/nodegroup: general}}}}
""" for name in ("n1", "n2", "n3"))


def replica(name: str, node: str, *, privileged: bool = False, token: str = "abcde",
            owner: str = "api-5d8", labels: str = "app: api, pod-template-hash: 5d8",
            controller: str = "ReplicaSet") -> str:
    context = "securityContext: {privileged: true}" if privileged else "securityContext: {}"
    return f"""
---
kind: Pod
metadata:
  name: {name}
  namespace: shop
  labels: {{{labels}}}
  ownerReferences: [{{kind: {controller}, name: {owner}, controller: true, uid: u}}]
spec:
  nodeName: {node}
  serviceAccountName: api
  volumes:
  - name: kube-api-access-{token}
    projected: {{sources: [{{serviceAccountToken: {{path: token}}}}]}}
  containers:
  - name: app
    image: api:1
    {context}
    volumeMounts:
    - {{name: kube-api-access-{token}, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}}
"""


THREE = replica("api-5d8-a", "n1", token="aaaaa") + replica("api-5d8-b", "n2", token="bbbbb") \
    + replica("api-5d8-c", "n2", token="ccccc")

DEPLOYMENT = """
---
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      containers:
      - {name: app, image: api:1, securityContext: %s}
"""


def inventory(text: str, per_pod: bool = False) -> Inventory:
    return parse_text(text, "estate.yaml").inventory(per_pod=per_pod)


def test_alike_replicas_become_one_pod_named_after_the_workload() -> None:
    inv = inventory(NODES + THREE)
    assert [p.name for p in inv.pods] == ["api"]
    assert inv.pods[0].replicas == {"api-5d8-a": "n1", "api-5d8-b": "n2", "api-5d8-c": "n2"}
    graph = build_graph(inv)
    pods = [v for v in graph if v.startswith("k8s:Pod:")]
    assert pods == ["k8s:Pod:shop/api"]
    attrs = graph.nodes["k8s:Pod:shop/api"]
    assert attrs["owner"] == "Deployment/api" and len(attrs["replicas"]) == 3
    # Node facts stay exact: the roots of n1 and n2 control the workload, n3's does not.
    controllers = {u for u, _, k in graph.in_edges("k8s:Pod:shop/api", keys=True)
                   if k == "node.controls-pod" and u.startswith("k8s:Node:")}
    assert controllers == {"k8s:Node:n1", "k8s:Node:n2"}
    evidence = graph.edges["k8s:Node:n1", "k8s:Pod:shop/api", "node.controls-pod"]["evidence"]
    assert list(evidence) == ['k8s:Pod:shop/api-5d8-a: spec.nodeName="n1"']


def test_per_pod_keeps_every_live_pod() -> None:
    inv = inventory(NODES + THREE, per_pod=True)
    assert sorted(p.name for p in inv.pods) == ["api-5d8-a", "api-5d8-b", "api-5d8-c"]
    assert all(not p.replicas for p in inv.pods)


def test_an_escape_reaches_each_node_of_the_class_and_no_other() -> None:
    text = NODES + "".join(replica(f"api-5d8-{s}", node, privileged=True)
                           for s, node in (("a", "n1"), ("b", "n3")))
    graph = build_graph(inventory(text))
    escaped = {v for _, v, k in graph.out_edges("k8s:Container:shop/api/app", keys=True)
               if k == "escape.privileged"}
    assert escaped == {"k8s:Node:n1", "k8s:Node:n3"}
    reason = graph.edges["k8s:Container:shop/api/app", "k8s:Node:n3", "escape.privileged"][
        "reason"]
    assert "its replica api-5d8-b runs on node n3" in reason


def test_a_replica_that_differs_is_a_class_of_its_own() -> None:
    text = NODES + replica("api-5d8-a", "n1") + replica("api-5d8-b", "n2", privileged=True)
    inv = inventory(text)
    by_name = {p.name: p for p in inv.pods}
    assert set(by_name) == {"api", "api-5d8"}
    assert by_name["api-5d8"].replicas == {"api-5d8-b": "n2"}
    graph = build_graph(inv)
    # Only the privileged replica's class escapes, and only onto its own node.
    assert [(u, v) for u, v, k in graph.edges(keys=True) if k == "escape.privileged"] == [
        ("k8s:Container:shop/api-5d8/app", "k8s:Node:n2")]


def test_replicas_matching_their_template_join_it() -> None:
    inv = inventory(NODES + DEPLOYMENT % "{}" + THREE)
    (pod,) = inv.pods
    assert pod.template_of == "Deployment/api" and len(pod.replicas) == 3
    graph = build_graph(inv)
    # Where it runs is certain; where it may be rescheduled stays possible.
    node_edge = graph.edges["k8s:Node:n1", "k8s:Pod:shop/api", "node.controls-pod"]
    assert node_edge["confidence"] == "certain"
    assert graph.nodes["k8s:Pod:shop/api"]["template_of"] == "Deployment/api"


def test_a_template_that_differs_from_its_replicas_stays_apart() -> None:
    inv = inventory(NODES + DEPLOYMENT % "{privileged: true}" + THREE)
    by_name = {p.name: p for p in inv.pods}
    assert set(by_name) == {"api", "api-5d8"}
    assert by_name["api"].template_of == "Deployment/api" and not by_name["api"].replicas
    assert len(by_name["api-5d8"].replicas) == 3


def test_pending_and_unowned_pods_stay_as_they_are() -> None:
    pending = replica("api-5d8-p", "n1").replace("  nodeName: n1\n", "")
    lone = replica("debug", "n1").replace("controller: true", "controller: false")
    inv = inventory(NODES + replica("api-5d8-a", "n1") + pending + lone)
    assert sorted(p.name for p in inv.pods) == ["api", "api-5d8-p", "debug"]


def test_a_selector_that_names_a_replica_label_keeps_replicas_apart() -> None:
    labels = "app: db, statefulset.kubernetes.io/pod-name: {}"
    pods = "".join(replica(name, node, owner="db", controller="StatefulSet",
                           labels=labels.format(name)) for name, node in (("db-0", "n1"),
                                                                          ("db-1", "n2")))
    assert [p.name for p in inventory(NODES + pods).pods] == ["db"]
    policy = """
---
kind: NetworkPolicy
metadata: {name: primary, namespace: shop}
spec:
  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: db-0}}
  policyTypes: [Ingress]
"""
    assert sorted(p.name for p in inventory(NODES + pods + policy).pods) == ["db", "db-1"]


def test_a_host_network_class_reaches_a_pod_on_a_node_it_shares() -> None:
    agent = replica("agent-x", "n2", owner="agent", controller="DaemonSet",
                    labels="app: agent").replace("  nodeName: n2\n",
                                                 "  nodeName: n2\n  hostNetwork: true\n")
    agent += replica("agent-y", "n3", owner="agent", controller="DaemonSet",
                     labels="app: agent").replace("  nodeName: n3\n",
                                                  "  nodeName: n3\n  hostNetwork: true\n")
    deny = """
---
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}
"""
    inv = inventory(NODES + THREE + agent + deny)
    pods = {p.name: p for p in inv.pods}
    verdict = NetworkPolicies.of(inv).allowed(pods["agent"], pods["api"])
    assert verdict.own_node == "n2"
    lonely = inventory(NODES + replica("api-5d8-a", "n1") + agent + deny)
    pods = {p.name: p for p in lonely.pods}
    assert not NetworkPolicies.of(lonely).allowed(pods["agent"], pods["api"]).own_node


def test_edges_per_pod_do_not_grow_with_replicas() -> None:
    def edges(count: int) -> int:
        text = NODES + "".join(replica(f"api-5d8-{i}", "n1", token=f"t{i:04d}")
                               for i in range(count))
        return build_graph(inventory(text)).number_of_edges()

    assert edges(2) == edges(40)


def test_the_graph_cli_shows_replicas_and_per_pod_undoes_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "estate.yaml").write_text(NODES + THREE)
    assert main(["graph", "--k8s", str(tmp_path), "-q"]) == 0
    graph = nx.node_link_graph(json.loads(capsys.readouterr().out), edges="edges")
    assert graph.nodes["k8s:Pod:shop/api"]["replicas"]["api-5d8-c"] == "n2"
    assert main(["graph", "--k8s", str(tmp_path), "-q", "--per-pod"]) == 0
    ids = {n["id"] for n in json.loads(capsys.readouterr().out)["nodes"]}
    assert "k8s:Pod:shop/api-5d8-c" in ids and "k8s:Pod:shop/api" not in ids


def test_paths_json_and_diagram_say_how_many_pods_a_class_stands_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    service = """
---
kind: Service
metadata: {name: api, namespace: shop}
spec: {type: LoadBalancer, selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
"""
    listening = "".join(replica(f"api-5d8-{s}", node, privileged=True) for s, node in (
        ("a", "n1"), ("b", "n2"), ("c", "n2"))).replace(
        "    image: api:1\n", "    image: api:1\n    ports: [{containerPort: 8080}]\n")
    (tmp_path / "estate.yaml").write_text(NODES + listening + service)
    assert main(["paths", "--k8s", str(tmp_path), "-q", "--to", "k8s:Node:n2",
                 "--format", "json"]) == 0
    (path, *_) = json.loads(capsys.readouterr().out)["paths"]
    assert path["replicas"] == {"k8s:Container:shop/api/app": 3}
    svg = tmp_path / "p.svg"
    assert main(["paths", "--k8s", str(tmp_path), "-q", "--to", "k8s:Node:n2",
                 "--format", "svg", "-o", str(svg)]) == 0
    assert "Container (3 replicas)" in svg.read_text()


def test_a_replica_s_own_name_selects_its_class() -> None:
    graph = build_graph(inventory(NODES + THREE))
    found = attack_paths(graph, "pod:shop/api-5d8-b", "k8s:ServiceAccount:shop/api")
    assert [p.source for p in found] == ["k8s:Pod:shop/api"]


def test_classes_reach_what_every_pod_reaches_on_the_bench_estate(tmp_path: Path) -> None:
    """Folding replicas renames pods, never changes what an attacker reaches: on a
    generated estate (controllers, live replicas, policies, an AWS account) the targets
    reached from the internet are the same with and without classes."""
    k8s, aws = tmp_path / "estate.json", tmp_path / "aws.json"
    synth(["--pods", "300", "-o", str(k8s), "--aws-output", str(aws), "--policies", "20"])
    parsed = read_k8s([k8s, aws])
    folded, apart = build_graph(parsed.inventory()), build_graph(parsed.inventory(per_pod=True))
    assert folded.number_of_edges() < apart.number_of_edges() * 0.7

    def reached(graph: nx.MultiDiGraph, target: str) -> set[str]:
        found = attack_paths(graph, "internet", target, top=None)
        return {path.target for path in found}

    for target in ("secret", "aws-admin", "cluster-admin", "data-store"):
        assert reached(folded, target) == reached(apart, target), target
    assert len(reached(folded, "secret")) > 50


def test_replicas_that_all_differ_stay_apart_with_distinct_ids() -> None:
    pods = "".join(replica(f"api-5d8-{i}", "n1").replace("image: api:1", f"image: api:{i}")
                   for i in range(40))
    names = [p.name for p in inventory(NODES + pods).pods]
    assert len(names) == len(set(names)) == 40
    assert names[:2] == ["api", "api-5d8"]


def test_reach_answers_for_a_replica_by_its_own_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "estate.yaml").write_text(NODES + THREE + replica(
        "web-1", "n3", owner="web", labels="app: web"))
    assert main(["reach", "--k8s", str(tmp_path), "-q", "--from", "pod:shop/web-1",
                 "--to", "pod:shop/api-5d8-c", "--format", "json"]) == 0
    (answer,) = json.loads(capsys.readouterr().out)
    assert (answer["from"], answer["to"], answer["allowed"]) == (
        "k8s:Pod:shop/web", "k8s:Pod:shop/api", True)
