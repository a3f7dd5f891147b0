"""``riskgraph paths`` and ``riskgraph graph``: ranked attack paths, and the whole graph (its
drawings are scoped by :mod:`riskgraph.cli.export`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import networkx as nx

from queries import attack_paths
from riskgraph.cli.common import (
    EXIT_CODES,
    EXIT_OK,
    EXIT_PATHS_FOUND,
    Say,
    emit,
    input_options,
    output_options,
)
from riskgraph.cli.export import add_scope_options, draw_graph
from riskgraph.cli.inputs import load_graph
from riskgraph.errors import RenderError
from riskgraph.report import diagram
from riskgraph.report.text import paths_table

SELECTORS = """selectors:
  --from  internet (default) | any-pod | pod:NS/NAME | sa:NS/NAME | a vertex id | a glob on ids
  --to    secret (default) | cluster-admin | node | sensitive | aws-admin | aws-secret | s3 |
          data-store | pod:NS/NAME | sa:NS/NAME | a vertex id (an ARN for AWS resources) |
          a glob on ids (e.g. 'k8s:Secret:payments/*', 'arn:aws:s3:::*')
  'secret' means Kubernetes Secrets, Secrets Manager secrets and SecureString parameters;
  'aws-admin' means full control of an AWS account (aws:Admin:<account id>).
  'sensitive' means workloads or namespaces labelled or annotated
  riskgraph.io/sensitive: "true", plus whatever --sensitive selects.
"""

EXAMPLES = """examples:
  riskgraph paths --demo --to secret
  riskgraph paths --demo --to aws-admin                   # pod -> node role -> AWS admin
  riskgraph paths --k8s ./manifests --from internet --to secret --format json
  riskgraph paths --k8s-context prod --to cluster-admin     # a live cluster
  riskgraph paths --k8s-context prod --k8s ./new-release    # live, plus what is to deploy
  riskgraph paths --k8s-context prod --aws-profile prod --to aws-admin
  riskgraph paths --k8s cluster.json --aws ./aws-dumps --to s3
  riskgraph snapshot k8s --context prod -o prod.json && \\
      riskgraph paths --k8s prod.json --from pod:shop/api --format svg -o review.svg
"""


def add_paths_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    paths = commands.add_parser(
        "paths", help="ranked attack paths from entry points to targets",
        description="Find the cheapest attack path to each reachable target, ranked by cost "
                    "(lower is easier). Confidence is that of the weakest step.",
        parents=[input_options(), output_options(("table", "json", "dot", "svg", "png",
                                                     "pdf"), "table")],
        epilog=SELECTORS + "\n" + EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    search = paths.add_argument_group("search")
    search.add_argument("--from", dest="sources", metavar="SELECTOR", action="append",
                        help="where the attacker starts (repeatable; default internet)")
    search.add_argument("--to", dest="targets", metavar="SELECTOR", action="append",
                        help="what the attacker wants (repeatable; default secret)")
    search.add_argument("--sensitive", metavar="SELECTOR", action="append", default=[],
                        help="also treat these vertices as sensitive (for --to sensitive)")
    search.add_argument("--max-hops", type=int, default=8, metavar="N",
                        help="longest path searched, in steps (default 8)")
    search.add_argument("--top", type=int, default=10, metavar="N",
                        help="paths shown, cheapest first (default 10)")
    search.add_argument("--evidence", action="store_true",
                        help="table format: list each step's evidence")
    search.add_argument("--avoid", metavar="SELECTOR", action="append", default=[],
                        help="paths may not pass through these vertices: what if this "
                             "binding or workload were fixed? (repeatable)")
    search.add_argument("--hide-platform-defaults", action="store_true",
                        help="ignore paths through the built-in system: and EKS bindings "
                             "a cluster owner cannot change")
    search.add_argument("--fail-on-paths", action="store_true",
                        help="exit 1 when any path is found (CI gate)")


def add_graph_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    graph = commands.add_parser(
        "graph", help="the whole attack graph as JSON, or a drawing of part of it",
        description="Export every vertex and edge: JSON in networkx node-link form "
                    "(nodes with id and attributes; edges with source, target, key = "
                    "technique and attributes). dot, svg, png and pdf draw a part of the "
                    "graph chosen with --focus or --namespace. For BloodHound, Neo4j, "
                    "Gephi or yEd see `riskgraph export`.",
        parents=[input_options(), output_options(("json", "dot", "svg", "png", "pdf"),
                                                    "json")],
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_scope_options(graph)


def run_paths(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph paths``: the exit code (1 with --fail-on-paths when any path is found)."""
    graph = load_graph(args, say)
    found = attack_paths(graph, args.sources or ["internet"], args.targets or ["secret"],
                         max_hops=args.max_hops, top=args.top, sensitive=args.sensitive,
                         avoid=args.avoid,
                         skip_platform_defaults=args.hide_platform_defaults)
    say(f"{len(found)} path{'s' * (len(found) != 1)} from {found.sources} source(s) "
                 f"to {found.targets} target(s)")
    code = EXIT_PATHS_FOUND if args.fail_on_paths and found.paths else EXIT_OK
    if args.format == "table":
        emit(args, paths_table(found, evidence=args.evidence))
    elif args.format == "json":
        emit(args, json.dumps(found.to_dict(), indent=2))
    elif args.format == "dot":
        emit(args, diagram.to_dot(found))
    else:
        try:
            emit(args, diagram.render(found, args.format))
        except RenderError as error:
            if args.output is None:
                raise
            fallback = args.output.with_suffix(".dot")
            fallback.write_text(diagram.to_dot(found))
            raise RenderError(f"{error}\nriskgraph: wrote the DOT source to {fallback}"
                              ) from error
    if args.output is not None:
        say(f"wrote {args.output}")
    return code


def run_graph(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph graph``: the whole graph as node-link JSON, or a drawing of a part."""
    graph = load_graph(args, say)
    if args.format != "json":
        return draw_graph(args, graph, say)
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    emit(args, json.dumps(data))
    return EXIT_OK


