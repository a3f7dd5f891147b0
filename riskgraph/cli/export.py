"""``riskgraph export``: the attack graph for BloodHound, Neo4j, Gephi and yEd; and the
scope options of ``riskgraph graph --format svg|dot`` (drawings of the graph itself).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import networkx as nx

from queries.selectors import resolve_sources
from riskgraph.cli.common import EXIT_CODES, EXIT_OK, Say, emit, input_options
from riskgraph.cli.inputs import load_graph
from riskgraph.errors import RenderError, SelectorError
from riskgraph.report.export_graphml import write_gexf, write_graphml
from riskgraph.report.export_neo4j import write_cypher, write_neo4j_csv
from riskgraph.report.export_opengraph import write_opengraph
from riskgraph.report.graph_diagram import graph_to_dot, render_graph
from riskgraph.report.scope import DRAWING_LIMIT, neighbourhood, scoped

_STREAMS: dict[str, Callable[[nx.MultiDiGraph, IO[str]], object]] = {
    "opengraph": write_opengraph, "cypher": write_cypher, "graphml": write_graphml,
    "gexf": write_gexf}

EXPORT_FORMATS = """formats:
  opengraph   BloodHound OpenGraph JSON: upload it in BloodHound CE (Administration >
              File Ingest); kinds RGPod, RGIAMRole, ...; edge kinds RG_EscapePrivileged, ...
  neo4j-csv   a folder (-o DIR, required) of neo4j-admin import CSV files, one per vertex
              kind and per technique, with a README giving the import command
  cypher      an idempotent script of batched UNWIND ... MERGE statements: cypher-shell -f FILE
  graphml     GraphML for yEd, Gephi, Cytoscape, networkx (lists and dicts as JSON text)
  gexf        GEXF 1.2 for Gephi
"""


def add_export_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help="the attack graph for BloodHound, Neo4j, Gephi or yEd",
        description="Write every vertex and edge for another tool. Every format streams: "
                    "the graph is never copied.",
        parents=[input_options()], epilog=EXPORT_FORMATS + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    group = export.add_argument_group("output")
    group.add_argument("--format", required=True,
                       choices=("opengraph", "neo4j-csv", "cypher", "graphml", "gexf"),
                       help="what to write (see formats below)")
    group.add_argument("-o", "--output", metavar="PATH", type=Path,
                       help="file (or folder for neo4j-csv) instead of standard output")


def add_scope_options(parser: argparse.ArgumentParser) -> None:
    """``graph``'s options choosing the part of the graph a dot/svg drawing shows."""
    group = parser.add_argument_group("drawing (--format dot|svg|png|pdf)")
    group.add_argument("--focus", metavar="SELECTOR", action="append", default=[],
                       help="draw the neighbourhood of these vertices (pod:NS/NAME, "
                            "sa:NS/NAME, a vertex id or a glob; repeatable)")
    group.add_argument("--radius", type=int, default=2, metavar="N",
                       help="steps drawn out of and into the focus (default 2)")
    group.add_argument("--namespace", metavar="NS", action="append", default=[],
                       help="draw this namespace and what touches it (repeatable)")
    group.add_argument("--collapse", action="store_true",
                       help="fold containers into their pods and hubs into direct edges")


def check_export_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse what cannot be written: a folder of CSV files to standard output."""
    if args.format == "neo4j-csv" and args.output is None:
        parser.error("--format neo4j-csv writes a folder of files: give -o DIR")


def check_graph_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The drawing options only make sense for a drawing, and the radius cannot be negative."""
    if args.format == "json" and (args.focus or args.namespace or args.collapse):
        parser.error("--focus, --namespace and --collapse choose what a drawing shows: give "
                     "--format svg (or dot, png, pdf)")
    if args.radius < 0:
        parser.error("--radius counts steps: give 0 or more")


def run_export(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph export``: write the graph in the chosen format."""
    graph = load_graph(args, say)
    if args.format == "neo4j-csv":
        files = write_neo4j_csv(graph, args.output)
        say(f"wrote {len(files)} files to {args.output}")
        return EXIT_OK
    write = _STREAMS[args.format]
    if args.output is None:
        write(graph, sys.stdout)
    else:
        with args.output.open("w", encoding="utf-8") as out:
            write(graph, out)
        say(f"wrote {args.output}")
    return EXIT_OK


def draw_graph(args: argparse.Namespace, graph: nx.MultiDiGraph, say: Say) -> int:
    """``riskgraph graph --format dot|svg|...``: a drawing of a scope of the graph."""
    focus = resolve_sources(graph, args.focus) if args.focus else set()
    if focus or args.namespace:
        chosen = neighbourhood(graph, focus, args.radius, args.namespace)
        where = ", ".join([*args.focus, *(f"namespace {ns}" for ns in args.namespace)])
        title = f"Attack graph around {where}" + (f" (radius {args.radius})" if focus else "")
    else:
        chosen, title = set(graph), "Attack graph"
    part = scoped(graph, chosen, collapse=args.collapse)
    if part.number_of_nodes() > DRAWING_LIMIT:
        raise SelectorError(
            f"the drawing would hold {part.number_of_nodes()} vertices (the limit is "
            f"{DRAWING_LIMIT}): choose a part with --focus SELECTOR [--radius N] or "
            "--namespace NS, fold it with --collapse, or use `riskgraph export` for a tool "
            "that lays out large graphs")
    say(f"drawing {part.number_of_nodes()} vertices, {part.number_of_edges()} edges")
    if args.format == "dot":
        emit(args, graph_to_dot(part, title, focus))
        return EXIT_OK
    try:
        emit(args, render_graph(part, args.format, title, focus))
    except RenderError as error:
        if args.output is None:
            raise
        fallback = args.output.with_suffix(".dot")
        fallback.write_text(graph_to_dot(part, title, focus))
        raise RenderError(f"{error}\nriskgraph: wrote the DOT source to {fallback}") from error
    return EXIT_OK

