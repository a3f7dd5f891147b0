"""The attack graph as BloodHound OpenGraph JSON, for BloodHound CE's file upload.

Each vertex is a node whose ``kinds`` are its riskgraph kind (``RGPod``, ``RGIAMRole``,
``RGHub``, ...) and the source kind ``RiskGraph``; each edge is one relationship whose kind
is the technique in BloodHound's edge-kind form (``RG_EscapePrivileged``). Property values
are strings, numbers, booleans or arrays of one of these, as OpenGraph requires: None is
left out and riskgraph's few structured values (labels) are not exported.

The document is written piece by piece while the graph is walked, so a 150k-pod graph is
never held twice.
"""

from __future__ import annotations

import json
from typing import IO, Any

import networkx as nx

from riskgraph.report.export_common import edge_kind, edges, readable_name, vertex_kind

SOURCE_KIND = "RiskGraph"


def _node(vertex_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"name": readable_name(vertex_id, attrs),
                             "rg_kind": str(attrs.get("kind", "")),
                             "entry": bool(attrs.get("entry")),
                             "platform_default": bool(attrs.get("platform_default"))}
    if attrs.get("namespace"):
        props["namespace"] = attrs["namespace"]
    if attrs.get("crown_jewel"):
        props["crown_jewel"] = attrs["crown_jewel"]
    return {"id": vertex_id, "kinds": [vertex_kind(attrs, vertex_id), SOURCE_KIND],
            "properties": props}


def _edge(source: str, target: str, technique: str, attrs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"technique": technique, "reason": attrs.get("reason", ""),
                             "confidence": attrs.get("confidence", "certain"),
                             "cost": attrs.get("cost", 1.0),
                             "traversable": attrs.get("traversable", True),
                             "evidence": [str(e) for e in attrs.get("evidence", ())]}
    if attrs.get("mitre"):
        props["mitre"] = attrs["mitre"]
    return {"start": {"value": source, "match_by": "id"},
            "end": {"value": target, "match_by": "id"},
            "kind": edge_kind(technique), "properties": props}


def write_opengraph(graph: nx.MultiDiGraph, out: IO[str]) -> tuple[int, int]:
    """Write ``graph`` to ``out`` as one OpenGraph JSON document.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph (``riskgraph.build_graph``).
    out : text stream
        Where the document goes, one node or edge per line.

    Returns
    -------
    tuple of int
        The numbers of nodes and edges written.
    """
    metadata = json.dumps({"source_kind": SOURCE_KIND})
    out.write(f'{{"metadata": {metadata}, "graph": {{"nodes": [\n')
    nodes = 0
    for vertex_id, attrs in graph.nodes(data=True):
        out.write((",\n" if nodes else "") + json.dumps(_node(vertex_id, attrs)))
        nodes += 1
    out.write('\n], "edges": [\n')
    count = 0
    for source, target, technique, attrs in edges(graph):
        out.write((",\n" if count else "") + json.dumps(_edge(source, target, technique, attrs)))
        count += 1
    out.write("\n]}}\n")
    return nodes, count
