"""The attack graph for Neo4j: CSV files for ``neo4j-admin database import``, and a
Cypher script of batched, parameterised ``UNWIND ... MERGE`` statements for
``cypher-shell``.

Every vertex carries the label ``RGVertex`` and its kind's (``RGPod``); its riskgraph id is
the key (``id:ID`` in CSV, ``MERGE ... {id: ...}`` in Cypher), so exports of two clusters
of one AWS account meet at the shared ARNs. Relationship types are the techniques
(``RG_EscapePrivileged``). Writers keep one open file, or one batch of rows, per kind and
technique, never the whole graph.

Neo4j-only syntax in the script is limited to the ``CREATE CONSTRAINT`` line, the
``:param`` lines of ``cypher-shell`` and ``SET v:<kind label>`` lines (see
:data:`NEO4J_ONLY`); everything else is plain openCypher.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any

import networkx as nx

from riskgraph.report.export_common import edge_kind, edges, readable_name, vertex_kind

VERTEX_LABEL = "RGVertex"
NODE_HEADER = ("id:ID", ":LABEL", "kind", "name", "namespace", "entry:boolean", "crown_jewel",
               "platform_default:boolean")
REL_HEADER = (":START_ID", ":END_ID", ":TYPE", "technique", "reason", "confidence",
              "cost:double", "mitre", "traversable:boolean", "evidence")
#: How each Neo4j-only line of the Cypher script starts.
NEO4J_ONLY = ("CREATE CONSTRAINT ", ":param ", "SET v:")
BATCH = 1000

_IMPORT_README = """# riskgraph graph for Neo4j

One CSV file per vertex kind (`nodes_<kind>.csv`) and per technique
(`rels_<technique>.csv`), with `neo4j-admin database import` headers. Into a new database:

    neo4j-admin database import full neo4j --overwrite-destination \\
        --multiline-fields=true --skip-duplicate-nodes=true \\
{nodes}
{rels}

Vertex ids are the keys: import the folders of several clusters of one AWS account
together (add their `--nodes`/`--relationships` options) and they join at the shared ARNs;
`--skip-duplicate-nodes` keeps one copy of each. `evidence` is a JSON list as text.
"""


def _node_row(vertex_id: str, attrs: dict[str, Any]) -> list[str]:
    return [vertex_id, f"{VERTEX_LABEL};{vertex_kind(attrs, vertex_id)}",
            str(attrs.get("kind", "")), readable_name(vertex_id, attrs),
            str(attrs.get("namespace") or ""), _bool(attrs.get("entry")),
            str(attrs.get("crown_jewel") or ""), _bool(attrs.get("platform_default"))]


def _rel_row(source: str, target: str, technique: str, attrs: dict[str, Any]) -> list[str]:
    return [source, target, edge_kind(technique), technique, str(attrs.get("reason", "")),
            str(attrs.get("confidence", "certain")), repr(float(attrs.get("cost", 1.0))),
            str(attrs.get("mitre") or ""), _bool(attrs.get("traversable", True)),
            json.dumps(list(attrs.get("evidence", ())))]


def _bool(value: Any) -> str:
    return "true" if value else "false"


def write_neo4j_csv(graph: nx.MultiDiGraph, folder: Path) -> list[Path]:
    """Write ``graph`` into ``folder`` as neo4j-admin import CSV files and a README.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph.
    folder : pathlib.Path
        Created when missing; files of the same names are replaced.

    Returns
    -------
    list of pathlib.Path
        The node files, then the relationship files, then the README.
    """
    folder.mkdir(parents=True, exist_ok=True)
    node_files: dict[str, Path] = {}
    rel_files: dict[str, Path] = {}
    with ExitStack() as stack:
        writers: dict[str, Any] = {}

        def writer(name: str, header: tuple[str, ...], into: dict[str, Path]) -> Any:
            if name not in writers:
                path = folder / f"{name}.csv"
                handle = stack.enter_context(path.open("w", newline="", encoding="utf-8"))
                writers[name] = csv.writer(handle)
                writers[name].writerow(header)
                into[name] = path
            return writers[name]

        for vertex_id, attrs in graph.nodes(data=True):
            name = f"nodes_{vertex_kind(attrs, vertex_id)[2:]}"
            writer(name, NODE_HEADER, node_files).writerow(_node_row(vertex_id, attrs))
        for source, target, technique, attrs in edges(graph):
            writer(f"rels_{technique}", REL_HEADER, rel_files).writerow(
                _rel_row(source, target, technique, attrs))
    readme = folder / "README.md"
    readme.write_text(_IMPORT_README.format(
        nodes="\n".join(f"        --nodes={p.name} \\" for p in sorted(node_files.values())),
        rels=" \\\n".join(f"        --relationships={p.name}"
                          for p in sorted(rel_files.values()))))
    return sorted(node_files.values()) + sorted(rel_files.values()) + [readme]


_WORDS = {None: "null", True: "true", False: "false"}


def literal(value: Any) -> str:
    """A Cypher literal of a JSON-like value (maps with plain keys, lists, scalars).

    >>> literal({"id": 'a"b', "cost": 1.0, "ns": None, "entry": True})
    '{id: "a\\\\"b", cost: 1.0, ns: null, entry: true}'
    """
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"
    if kind is list or kind is tuple:
        return "[" + ", ".join(map(literal, value)) + "]"
    if kind is float:
        return repr(value)
    if value is None or kind is bool:
        return _WORDS[value]
    return json.dumps(value)


def _vertex_params(vertex_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    return {"id": vertex_id, "kind": str(attrs.get("kind", "")),
            "name": readable_name(vertex_id, attrs), "namespace": attrs.get("namespace"),
            "entry": bool(attrs.get("entry")), "crown_jewel": attrs.get("crown_jewel"),
            "platform_default": bool(attrs.get("platform_default"))}


def _edge_params(source: str, target: str, technique: str,
                 attrs: dict[str, Any]) -> dict[str, Any]:
    return {"source": source, "target": target, "technique": technique,
            "reason": str(attrs.get("reason", "")),
            "confidence": str(attrs.get("confidence", "certain")),
            "cost": float(attrs.get("cost", 1.0)), "mitre": attrs.get("mitre"),
            "traversable": bool(attrs.get("traversable", True)),
            "evidence": json.dumps(list(attrs.get("evidence", ())))}


def _vertex_statement(label: str) -> str:
    return (f"UNWIND $rows AS row\nMERGE (v:{VERTEX_LABEL} {{id: row.id}})\nSET v:{label}\n"
            "SET v.kind = row.kind, v.name = row.name, v.namespace = row.namespace, "
            "v.entry = row.entry, v.crown_jewel = row.crown_jewel, "
            "v.platform_default = row.platform_default;\n")


def _edge_statement(rel_type: str) -> str:
    return (f"UNWIND $rows AS row\nMATCH (a:{VERTEX_LABEL} {{id: row.source}}), "
            f"(b:{VERTEX_LABEL} {{id: row.target}})\nMERGE (a)-[r:{rel_type}]->(b)\n"
            "SET r.technique = row.technique, r.reason = row.reason, "
            "r.confidence = row.confidence, r.cost = row.cost, r.mitre = row.mitre, "
            "r.traversable = row.traversable, r.evidence = row.evidence;\n")


def _batches(rows: Iterator[tuple[str, dict[str, Any]]], size: int
             ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rows grouped by key into batches of at most ``size``, one pending batch per key."""
    pending: dict[str, list[dict[str, Any]]] = {}
    for key, row in rows:
        batch = pending.setdefault(key, [])
        batch.append(row)
        if len(batch) >= size:
            yield key, pending.pop(key)
    yield from pending.items()


def write_cypher(graph: nx.MultiDiGraph, out: IO[str], batch: int = BATCH) -> int:
    """Write ``graph`` as an idempotent Cypher script for ``cypher-shell -f``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph.
    out : text stream
        Where the script goes.
    batch : int, optional
        Rows per ``UNWIND`` (default 1000).

    Returns
    -------
    int
        The number of statements written, the constraint included.
    """
    out.write("// riskgraph attack graph; load with: cypher-shell -f THIS_FILE\n"
              "// MERGE on the vertex id makes loading the same estate again an update.\n"
              f"CREATE CONSTRAINT rg_vertex_id IF NOT EXISTS FOR (v:{VERTEX_LABEL}) "
              "REQUIRE v.id IS UNIQUE;\n")
    statements = 1
    vertex_rows = ((vertex_kind(attrs, v), _vertex_params(v, attrs))
                   for v, attrs in graph.nodes(data=True))
    for label, rows in _batches(vertex_rows, batch):
        out.write(f":param {{rows: {literal(rows)}}}\n" + _vertex_statement(label))
        statements += 1
    edge_rows = ((edge_kind(t), _edge_params(s, d, t, attrs)) for s, d, t, attrs in edges(graph))
    for rel_type, rows in _batches(edge_rows, batch):
        out.write(f":param {{rows: {literal(rows)}}}\n" + _edge_statement(rel_type))
        statements += 1
    return statements
