"""The attack graph as GraphML and GEXF, for Gephi, yEd, Cytoscape and networkx.

networkx's own writers refuse riskgraph's list, dict and None attributes, and build the
whole XML tree in memory. These writers stream instead: one pass over the graph finds each
attribute's type, a second writes the elements. Lists and dicts become JSON text, None is
left out, and a key whose values mix types is written as strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

import networkx as nx

from riskgraph.report.export_common import Scalar, edges, flat_items

#: GraphML and GEXF type names of the scalar types a key may hold.
_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_GEXF_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Most text needs no escaping; checking first is several times faster than escaping all.
_SPECIAL = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f]')
_TEXT_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR_ENTITIES = (*_ENTITIES, ('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))


def escape(text: str, attribute: bool = False) -> str:
    """Text safe inside an XML element (or a double-quoted attribute), control characters
    that XML 1.0 cannot hold removed.

    >>> escape('a<b & "c"\x07'), escape('"c"', attribute=True)
    ('a&lt;b &amp; "c"', '&quot;c&quot;')
    """
    if not (_SPECIAL if attribute else _TEXT_SPECIAL).search(text):
        return text
    text = _NOT_XML.sub("", text)
    for char, entity in _ATTR_ENTITIES if attribute else _ENTITIES:
        text = text.replace(char, entity)
    return text


def quoteattr(text: str) -> str:
    """An XML attribute value in double quotes."""
    return f'"{escape(text, attribute=True)}"'


def _key_types(items: Iterable[dict[str, Any]]) -> dict[str, type]:
    """The one type each attribute key is written as (str when its values disagree)."""
    found: dict[str, type] = {}
    for attrs in items:
        for key, value in attrs.items():
            if value is None:
                continue
            kind = type(value)
            if kind not in _GRAPHML_TYPES:  # flattened to JSON text when written
                kind = next((t for t in (bool, int, float, str) if isinstance(value, t)), str)
            seen = found.setdefault(key, kind)
            if seen is not kind:
                found[key] = float if {seen, kind} == {int, float} else str
    return dict(sorted(found.items()))


def _text(value: Scalar, kind: type) -> str:
    if kind is str and type(value) is str:
        return value
    if kind is bool or isinstance(value, bool):
        return "true" if value else "false"
    if kind is float:
        return repr(float(value))
    return str(value)


def _node_attrs(graph: nx.MultiDiGraph) -> Iterator[dict[str, Any]]:
    return (attrs for _, attrs in graph.nodes(data=True))


def _edge_attrs(graph: nx.MultiDiGraph) -> Iterator[dict[str, Any]]:
    return (attrs for _, _, attrs in graph.edges(data=True))


def write_graphml(graph: nx.MultiDiGraph, out: IO[str]) -> tuple[int, int]:
    """Write ``graph`` to ``out`` as GraphML; edge ids are the technique ids.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph.
    out : text stream
        Where the document goes.

    Returns
    -------
    tuple of int
        The numbers of vertices and edges written.
    """
    node_types, edge_types = _key_types(_node_attrs(graph)), _key_types(_edge_attrs(graph))
    node_keys = {key: f"n{i}" for i, key in enumerate(node_types)}
    edge_keys = {key: f"e{i}" for i, key in enumerate(edge_types)}
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for scope, types, keys in (("node", node_types, node_keys), ("edge", edge_types, edge_keys)):
        for key, kind in types.items():
            out.write(f'<key id="{keys[key]}" for="{scope}" attr.name={quoteattr(key)} '
                      f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    out.write('<graph id="riskgraph" edgedefault="directed">\n')
    nodes = 0
    for vertex_id, attrs in graph.nodes(data=True):
        data = "".join(f'<data key="{node_keys[k]}">{escape(_text(v, node_types[k]))}</data>'
                       for k, v in flat_items(attrs))
        out.write(f"<node id={quoteattr(vertex_id)}>{data}</node>\n")
        nodes += 1
    count = 0
    for source, target, technique, attrs in edges(graph):
        data = "".join(f'<data key="{edge_keys[k]}">{escape(_text(v, edge_types[k]))}</data>'
                       for k, v in flat_items(attrs))
        out.write(f"<edge id={quoteattr(technique)} source={quoteattr(source)} "
                  f"target={quoteattr(target)}>{data}</edge>\n")
        count += 1
    out.write("</graph>\n</graphml>\n")
    return nodes, count


def _gexf_attributes(scope: str, types: dict[str, type]) -> str:
    rows = "".join(f'<attribute id="{i}" title={quoteattr(key)} type="{_GEXF_TYPES[kind]}"/>'
                   for i, (key, kind) in enumerate(types.items()))
    return f'<attributes class="{scope}" mode="static">{rows}</attributes>\n'


def _attvalues(attrs: dict[str, Any], types: dict[str, type], index: dict[str, int]) -> str:
    values = "".join(f'<attvalue for="{index[k]}" value={quoteattr(_text(v, types[k]))}/>'
                     for k, v in flat_items(attrs))
    return f"<attvalues>{values}</attvalues>" if values else ""


def write_gexf(graph: nx.MultiDiGraph, out: IO[str]) -> tuple[int, int]:
    """Write ``graph`` to ``out`` as GEXF 1.2; an edge's label is its technique id.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The attack graph.
    out : text stream
        Where the document goes.

    Returns
    -------
    tuple of int
        The numbers of vertices and edges written.
    """
    node_types, edge_types = _key_types(_node_attrs(graph)), _key_types(_edge_attrs(graph))
    node_index = {key: i for i, key in enumerate(node_types)}
    edge_index = {key: i for i, key in enumerate(edge_types)}
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
              '<graph defaultedgetype="directed" mode="static">\n')
    out.write(_gexf_attributes("node", node_types) + _gexf_attributes("edge", edge_types))
    out.write("<nodes>\n")
    nodes = 0
    for vertex_id, attrs in graph.nodes(data=True):
        label = str(attrs.get("name") or vertex_id)
        out.write(f"<node id={quoteattr(vertex_id)} label={quoteattr(label)}>"
                  f"{_attvalues(attrs, node_types, node_index)}</node>\n")
        nodes += 1
    out.write("</nodes>\n<edges>\n")
    count = 0
    for source, target, technique, attrs in edges(graph):
        out.write(f'<edge id="{count}" source={quoteattr(source)} target={quoteattr(target)} '
                  f"label={quoteattr(technique)}>{_attvalues(attrs, edge_types, edge_index)}"
                  "</edge>\n")
        count += 1
    out.write("</edges>\n</graph>\n</gexf>\n")
    return nodes, count
