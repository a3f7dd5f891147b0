"""Neo4j exports loaded into a real embedded Cypher engine (Kùzu): the CSV files through
``COPY``, the Cypher script statement by statement, and in both the cheapest routes to
secrets and to AWS admin are the ones ``riskgraph paths`` finds."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import kuzu
import networkx as nx
import pytest

from ingest import load_k8s
from queries import attack_paths
from riskgraph import build_graph
from riskgraph.demo import demo_dir
from riskgraph.report.export_neo4j import (
    NEO4J_ONLY,
    NODE_HEADER,
    REL_HEADER,
    literal,
    write_cypher,
    write_neo4j_csv,
)

_VERTEX_COLUMNS = ("kind STRING, name STRING, namespace STRING, entry BOOLEAN, "
                   "crown_jewel STRING, platform_default BOOLEAN")
_STEP_COLUMNS = ("technique STRING, reason STRING, confidence STRING, cost DOUBLE, "
                 "mitre STRING, traversable BOOLEAN, evidence STRING")
# Kùzu's weighted shortest path, over traversable steps and within riskgraph's hop bound.
_CHEAPEST = ("MATCH p = (a:{v} {{id: $source}})-[e:{e}* WSHORTEST(cost) 1..8 "
             "(r, n | WHERE r.traversable)]->(b:{v} {{id: $target}}) "
             "RETURN properties(nodes(p), 'id'), cost(e)")


@pytest.fixture(scope="module")
def demo() -> nx.MultiDiGraph:
    return build_graph(load_k8s([demo_dir()]))


def _rows(conn: kuzu.Connection, query: str, **params: object) -> list[list[object]]:
    result = conn.execute(query, params)
    assert isinstance(result, kuzu.QueryResult)
    rows = []
    while result.has_next():
        rows.append(result.get_next())
    return rows


def _assert_same_cheapest_routes(graph: nx.MultiDiGraph, conn: kuzu.Connection,
                                 vertex: str, edge: str) -> None:
    for target in ("secret", "aws-admin"):
        found = attack_paths(graph, "internet", target)
        assert found.paths
        for path in found.paths:
            rows = _rows(conn, _CHEAPEST.format(v=vertex, e=edge), source="internet",
                         target=path.target)
            assert len(rows) == 1, path.target
            route, cost = rows[0]
            assert route == list(path.vertices)
            assert cost == pytest.approx(path.cost)


def test_csv_files_have_neo4j_admin_headers_and_an_import_readme(
        demo: nx.MultiDiGraph, tmp_path: Path) -> None:
    files = write_neo4j_csv(demo, tmp_path)
    nodes = [f for f in files if f.name.startswith("nodes_")]
    rels = [f for f in files if f.name.startswith("rels_")]
    assert {f.name for f in nodes} >= {"nodes_Pod.csv", "nodes_IAMRole.csv", "nodes_Hub.csv"}
    assert "rels_escape.privileged.csv" in {f.name for f in rels}
    with (tmp_path / "nodes_Pod.csv").open() as handle:
        reader = csv.reader(handle)
        assert tuple(next(reader)) == NODE_HEADER
        row = next(row for row in reader if row[0] == "k8s:Pod:web/storefront")
    assert row[1] == "RGVertex;RGPod"
    with (tmp_path / "rels_escape.privileged.csv").open() as handle:
        header, first = list(csv.reader(handle))[:2]
    assert tuple(header) == REL_HEADER and first[2] == "RG_EscapePrivileged"
    readme = (tmp_path / "README.md").read_text()
    assert "neo4j-admin database import full" in readme
    assert all(f"--nodes={f.name}" in readme for f in nodes)
    assert all(f"--relationships={f.name}" in readme for f in rels)
    assert sum(1 for f in nodes for _ in f.open()) - len(nodes) == demo.number_of_nodes()


def test_kuzu_loads_the_csv_and_finds_riskgraphs_cheapest_routes(
        demo: nx.MultiDiGraph, tmp_path: Path) -> None:
    files = write_neo4j_csv(demo, tmp_path / "csv")
    conn = kuzu.Connection(kuzu.Database(str(tmp_path / "db")))
    conn.execute(f"CREATE NODE TABLE V(id STRING, labels STRING, {_VERTEX_COLUMNS}, "
                 "PRIMARY KEY(id))")
    conn.execute(f"CREATE REL TABLE S(FROM V TO V, type STRING, {_STEP_COLUMNS})")
    for path in files:
        table = {"nodes": "V", "rels": "S"}.get(path.name.split("_", 1)[0])
        if table:
            conn.execute(f"COPY {table} FROM '{path}' (header=true)")
    assert _rows(conn, "MATCH (v:V) RETURN count(*)") == [[demo.number_of_nodes()]]
    assert _rows(conn, "MATCH ()-[s:S]->() RETURN count(*)") == [[demo.number_of_edges()]]
    assert _rows(conn, "MATCH (v:V {id: 'k8s:Secret:payments/payments-db'}) "
                       "RETURN v.crown_jewel, v.namespace, v.entry") == [
        ["secret", "payments", False]]
    _assert_same_cheapest_routes(demo, conn, "V", "S")


def _load_script(conn: kuzu.Connection, script: str) -> int:
    """Run a cypher-shell script in Kùzu: its tables first (Kùzu has a schema where Neo4j
    has a constraint), each ``:param`` inlined, the Neo4j-only label lines dropped."""
    conn.execute(f"CREATE NODE TABLE IF NOT EXISTS RGVertex(id STRING, {_VERTEX_COLUMNS}, "
                 "PRIMARY KEY(id))")
    for rel_type in sorted(set(re.findall(r"MERGE \(a\)-\[r:(\w+)\]", script))):
        conn.execute(f"CREATE REL TABLE IF NOT EXISTS {rel_type}(FROM RGVertex TO RGVertex, "
                     f"{_STEP_COLUMNS})")
    statements = 0
    for block in script.split(":param {rows: ")[1:]:
        rows, _, statement = block.partition("\n")
        kept = "\n".join(line for line in statement.splitlines()
                         if not line.startswith(NEO4J_ONLY))
        conn.execute(kept.replace("$rows", rows.removesuffix("}")))
        statements += 1
    return statements


def test_kuzu_runs_the_cypher_script_twice_and_finds_the_same_routes(
        demo: nx.MultiDiGraph, tmp_path: Path) -> None:
    out = io.StringIO()
    written = write_cypher(demo, out, batch=40)
    script = out.getvalue()
    conn = kuzu.Connection(kuzu.Database(str(tmp_path / "db")))
    for _ in range(2):  # idempotent: loading the same estate again changes nothing
        assert _load_script(conn, script) == written - 1
        assert _rows(conn, "MATCH (v:RGVertex) RETURN count(*)") == [[demo.number_of_nodes()]]
        assert _rows(conn, "MATCH ()-[r]->() RETURN count(*)") == [[demo.number_of_edges()]]
    rel_types = sorted(set(re.findall(r"MERGE \(a\)-\[r:(\w+)\]", script)))
    conn.execute(f"CREATE REL TABLE Step(FROM RGVertex TO RGVertex, {_STEP_COLUMNS})")
    for rel_type in rel_types:
        conn.execute(f"MATCH (a)-[r:{rel_type}]->(b) CREATE (a)-[:Step {{technique: "
                     "r.technique, reason: r.reason, confidence: r.confidence, cost: r.cost, "
                     "mitre: r.mitre, traversable: r.traversable, evidence: r.evidence}]->(b)")
    _assert_same_cheapest_routes(demo, conn, "RGVertex", "Step")


def test_neo4j_only_syntax_is_the_documented_minimum(demo: nx.MultiDiGraph) -> None:
    out = io.StringIO()
    statements = write_cypher(demo, out, batch=40)
    lines = out.getvalue().splitlines()
    only = [line for line in lines if line.startswith(NEO4J_ONLY)]
    assert sum(line.startswith("CREATE CONSTRAINT ") for line in only) == 1
    assert sum(line.startswith(":param {rows: [") for line in only) == statements - 1
    labels = {line for line in only if line.startswith("SET v:")}
    assert labels == {f"SET v:RG{kind}" for _, kind in demo.nodes(data="kind")}
    assert not any("apoc." in line or "CALL {" in line for line in lines)


def test_cypher_literals_escape_what_could_break_the_script(tmp_path: Path) -> None:
    assert literal({"a": [1, 2.5, None, True]}) == "{a: [1, 2.5, null, true]}"
    graph = nx.MultiDiGraph()
    odd = 'k8s:Pod:ns/a"b\\c'
    graph.add_node(odd, kind="Pod", name="x", namespace="ns", entry=True)
    graph.add_node("k8s:Secret:ns/s", kind="Secret", name="s", namespace="ns",
                   crown_jewel="secret")
    graph.add_edge(odd, "k8s:Secret:ns/s", "pod.mounts-secret",
                   technique="pod.mounts-secret", reason="it's \"quoted\"", cost=1.0,
                   confidence="certain", mitre="T1552.001", evidence=["x: y='z'"])
    out = io.StringIO()
    write_cypher(graph, out)
    conn = kuzu.Connection(kuzu.Database(str(tmp_path / "db")))
    _load_script(conn, out.getvalue())
    assert _rows(conn, "MATCH (a)-[r]->(b) RETURN a.id, r.reason, r.evidence") == [
        [odd, "it's \"quoted\"", "[\"x: y='z'\"]"]]
    # A line break stays an escape, so every :param stays one line (Kùzu drops \n escapes,
    # Neo4j reads them, hence only checked as text).
    assert literal("a\nb") == '"a\\nb"'
