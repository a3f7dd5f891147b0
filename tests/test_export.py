"""Exports for other tools: the demo's OpenGraph document validates against the published
schema's rules, and GraphML and GEXF read back into networkx with the same graph."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import networkx as nx
import pytest

from bench.exports import time_exports
from ingest import load_k8s
from riskgraph import build_graph
from riskgraph.cli import main
from riskgraph.demo import demo_dir
from riskgraph.report.export_common import edge_kind, readable_name
from riskgraph.report.export_graphml import write_gexf, write_graphml
from riskgraph.report.export_opengraph import SOURCE_KIND, write_opengraph

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "export" /
                     "opengraph.schema.json").read_text())


@pytest.fixture(scope="module")
def demo() -> nx.MultiDiGraph:
    return build_graph(load_k8s([demo_dir()]))


@pytest.fixture(scope="module")
def opengraph(demo: nx.MultiDiGraph) -> dict[str, object]:
    out = io.StringIO()
    assert write_opengraph(demo, out) == (demo.number_of_nodes(), demo.number_of_edges())
    document: dict[str, object] = json.loads(out.getvalue())
    return document


def _nodes(document: dict[str, object]) -> dict[str, dict[str, object]]:
    graph = document["graph"]
    assert isinstance(graph, dict)
    return {node["id"]: node for node in graph["nodes"]}


def test_demo_opengraph_validates_against_the_schema(opengraph: dict[str, object]) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.validate(opengraph, SCHEMA)


@pytest.mark.parametrize("broken", [
    {"graph": {"nodes": [{"id": "a", "kinds": ["RGPod"], "properties": {"ns": None}}]}},
    {"graph": {"nodes": [{"id": "a", "kinds": ["RGPod"], "properties": {"l": {"a": "b"}}}]}},
    {"graph": {"nodes": [{"id": "a", "kinds": ["A", "B", "C", "D"]}]}},
    {"graph": {"nodes": [], "edges": [{"start": {"value": "a"}, "end": {"value": "b"},
                                       "kind": "RG_rbac.pods-exec"}]}},
])
def test_the_schema_rejects_what_opengraph_forbids(broken: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_nodes_carry_their_kind_the_source_kind_and_the_flags(
        opengraph: dict[str, object]) -> None:
    nodes = _nodes(opengraph)
    assert nodes["k8s:Pod:web/storefront"]["kinds"] == ["RGPod", SOURCE_KIND]
    assert nodes["k8s:Secret:payments/payments-db"]["kinds"][0] == "RGSecret"
    assert nodes["arn:aws:iam::111122223333:role/shop-prod-node"]["kinds"][0] == "RGIAMRole"
    assert nodes["k8s:ServiceAccount:batch/report-runner"]["kinds"][0] == "RGServiceAccount"
    internet = nodes["internet"]["properties"]
    assert isinstance(internet, dict) and internet["entry"] is True
    assert "crown_jewel" not in internet and "namespace" not in internet  # None is left out
    secret = nodes["k8s:Secret:payments/payments-db"]["properties"]
    assert isinstance(secret, dict)
    assert secret["crown_jewel"] == "secret" and secret["namespace"] == "payments"
    binding = nodes["k8s:ClusterRoleBinding:report-runner-admin"]["properties"]
    assert isinstance(binding, dict) and binding["platform_default"] is False
    builtin = nx.MultiDiGraph()
    builtin.add_node("k8s:ClusterRoleBinding:system:node", kind="ClusterRoleBinding",
                     name="system:node", namespace=None, platform_default=True)
    out = io.StringIO()
    write_opengraph(builtin, out)
    (node,) = json.loads(out.getvalue())["graph"]["nodes"]
    assert node["properties"]["platform_default"] is True


def test_hubs_are_kept_with_readable_names(opengraph: dict[str, object]) -> None:
    hub = _nodes(opengraph)["hub:pods-exec:ns/web"]
    assert hub["kinds"][0] == "RGHub"
    assert isinstance(hub["properties"], dict)
    assert hub["properties"]["name"] == "pods-exec in namespace web"
    assert readable_name("hub:net-reach:cluster", {"kind": "Hub"}) == "net-reach (cluster)"
    assert readable_name("k8s:Pod:web/x", {"name": "x", "namespace": "web"}) == "web/x"
    container = _nodes(opengraph)["k8s:Container:web/storefront/nginx"]["properties"]
    assert isinstance(container, dict) and container["name"] == "web/storefront/nginx"


def test_edges_are_techniques_with_their_reason_confidence_cost_and_mitre(
        demo: nx.MultiDiGraph, opengraph: dict[str, object]) -> None:
    graph = opengraph["graph"]
    assert isinstance(graph, dict)
    kinds = {edge["kind"] for edge in graph["edges"]}
    assert {"RG_EscapePrivileged", "RG_NetInternetExposed", "RG_PodImds"} <= kinds
    assert edge_kind("rbac.pods-exec") == "RG_RbacPodsExec"
    exposed = next(e for e in graph["edges"] if e["kind"] == "RG_NetInternetExposed")
    attrs = demo.edges["internet", exposed["end"]["value"], "net.internet-exposed"]
    assert exposed["start"] == {"value": "internet", "match_by": "id"}
    props = exposed["properties"]
    assert (props["reason"], props["confidence"], props["cost"], props["mitre"]) == (
        attrs["reason"], attrs["confidence"], attrs["cost"], attrs["mitre"])
    assert props["evidence"] == list(attrs["evidence"])
    placement = next(e for e in graph["edges"] if e["kind"] == "RG_ScheduleOn")
    assert placement["properties"]["traversable"] is False


def test_graphml_reads_back_into_networkx(demo: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = tmp_path / "demo.graphml"
    with path.open("w") as out:
        write_graphml(demo, out)
    back = nx.read_graphml(path, force_multigraph=True)
    assert (back.number_of_nodes(), back.number_of_edges()) == (
        demo.number_of_nodes(), demo.number_of_edges())
    pod = back.nodes["k8s:Pod:web/storefront"]
    assert pod["kind"] == "Pod" and pod["entry"] is False
    assert json.loads(pod["labels"]) == demo.nodes["k8s:Pod:web/storefront"]["labels"]
    assert "crown_jewel" not in pod  # None is dropped, not written as "None"
    assert back.nodes["internet"]["entry"] is True
    edge = back.edges["internet", "k8s:Service:web/storefront", "net.internet-exposed"]
    original = demo.edges["internet", "k8s:Service:web/storefront", "net.internet-exposed"]
    assert edge["cost"] == original["cost"] and edge["reason"] == original["reason"]
    assert json.loads(edge["evidence"]) == list(original["evidence"])


def test_gexf_reads_back_into_networkx(demo: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = tmp_path / "demo.gexf"
    with path.open("w") as out:
        write_gexf(demo, out)
    back = nx.read_gexf(path)
    assert back.is_multigraph() and back.is_directed()
    assert (back.number_of_nodes(), back.number_of_edges()) == (
        demo.number_of_nodes(), demo.number_of_edges())
    secret = back.nodes["k8s:Secret:payments/payments-db"]
    assert secret["crown_jewel"] == "secret" and secret["label"] == "payments-db"
    techniques = sorted(attrs["technique"] for _, _, attrs in back.edges(data=True))
    assert techniques == sorted(t for _, _, t in demo.edges(data="technique"))
    costs = {attrs["cost"] for _, _, attrs in back.edges(data=True)}
    assert costs == {attrs["cost"] for _, _, attrs in demo.edges(data=True)}


def test_xml_exports_survive_hostile_text(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    odd = 'k8s:Pod:ns/<a&"b">'
    graph.add_node(odd, kind="Pod", name='<a&"b">', labels={"x": "y"}, note="bell\x07")
    graph.add_node("b", kind="Secret", port=None)
    graph.add_edge(odd, "b", "pod.mounts-secret", technique="pod.mounts-secret",
                   reason="a < b & c", evidence=["x"], cost=1)
    for writer, reader in ((write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)):
        path = tmp_path / "odd.xml"
        with path.open("w") as out:
            writer(graph, out)
        back = reader(path)
        assert odd in back and back.nodes[odd]["note"] == "bell"
        assert "port" not in back.nodes["b"]


def test_export_command_writes_each_format(tmp_path: Path) -> None:
    for fmt in ("opengraph", "graphml", "gexf", "cypher"):
        out = tmp_path / f"demo.{fmt}"
        assert main(["export", "--demo", "--format", fmt, "-o", str(out), "--quiet"]) == 0
        assert out.stat().st_size > 10_000
    jsonschema.validate(json.loads((tmp_path / "demo.opengraph").read_text()), SCHEMA)
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--demo", "--format", "neo4j-csv", "--quiet"])
    assert exit_.value.code == 2


def test_the_export_benchmark_times_and_sizes_every_format(demo: nx.MultiDiGraph,
                                                           tmp_path: Path) -> None:
    rows = time_exports(demo, tmp_path)
    assert [row["format"] for row in rows] == ["opengraph", "neo4j-csv", "cypher", "graphml",
                                               "gexf"]
    assert all(row["seconds"] >= 0 and row["mib"] > 0 for row in rows)
    assert rows[1]["files"] == len(list((tmp_path / "neo4j").iterdir())) > 10
