"""The ``riskgraph`` command: the only module that wires ingest, the core and queries."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from ingest import load_k8s
from queries import attack_paths
from riskgraph import __version__, render
from riskgraph.builder import build_graph
from riskgraph.demo import demo_dir
from riskgraph.errors import InputError, RenderError, SelectorError
from riskgraph.inventory import Inventory
from riskgraph.techniques import all_techniques
from riskgraph.text import paths_table, techniques_markdown, techniques_table

EXIT_OK, EXIT_PATHS_FOUND, EXIT_USAGE, EXIT_INPUT, EXIT_RENDER = 0, 1, 2, 3, 4

EXIT_CODES = """exit codes:
  0  success
  1  attack paths were found and --fail-on-paths was given (for CI gates)
  2  usage error: bad option or selector
  3  the input could not be read at all
  4  a diagram could not be rendered (Graphviz 'dot' missing); the DOT source was written
"""

SELECTORS = """selectors:
  --from  internet (default) | any-pod | pod:NS/NAME | sa:NS/NAME | a vertex id | a glob on ids
  --to    secret (default) | cluster-admin | node | sensitive | pod:NS/NAME | sa:NS/NAME |
          a vertex id | a glob on ids (e.g. 'k8s:Secret:payments/*')
  'sensitive' means workloads or namespaces labelled or annotated
  riskgraph.io/sensitive: "true", plus whatever --sensitive selects.
"""

EXAMPLES = """examples:
  riskgraph paths --demo --to secret
  riskgraph paths --k8s ./manifests --from internet --to secret --format json
  kubectl get all,sa,secrets,roles,rolebindings,clusterroles,clusterrolebindings -A -o json \\
      > dump.json && riskgraph paths --k8s dump.json --from pod:shop/api --to cluster-admin \\
      --format svg -o review.svg
"""


class Progress:
    """Status lines on stderr (silenced by --quiet); results alone go to stdout."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()

    def say(self, message: str) -> None:
        if not self.quiet:
            print(f"riskgraph: {message} [{time.perf_counter() - self.started:.1f}s]",
                  file=sys.stderr, flush=True)


def _input_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("input")
    group.add_argument("--k8s", metavar="PATH", nargs="+", action="extend", default=[],
                       help="manifests, folders (searched recursively), `kubectl get -o json|"
                            "yaml` dumps, `helm template` output; '-' reads standard input")
    group.add_argument("--demo", action="store_true",
                       help="analyse the bundled demo estate (an EKS-style cluster)")
    group.add_argument("-q", "--quiet", action="store_true",
                       help="no progress or input problems on stderr")
    group.add_argument("--max-problems", type=int, default=20, metavar="N",
                       help="input problems listed on stderr (default 20; all are counted)")
    return parent


def _output_options(formats: Sequence[str], default: str) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("output")
    group.add_argument("--format", choices=formats, default=default,
                       help=f"output format (default {default})")
    group.add_argument("-o", "--output", metavar="FILE", type=Path,
                       help="write to FILE instead of standard output")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="riskgraph",
        description="Attack paths through Kubernetes on AWS: every edge is a concrete "
                    "attacker step with its evidence.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"riskgraph {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    paths = commands.add_parser(
        "paths", help="ranked attack paths from entry points to targets",
        description="Find the cheapest attack path to each reachable target, ranked by cost "
                    "(lower is easier). Confidence is that of the weakest step.",
        parents=[_input_options(), _output_options(("table", "json", "dot", "svg", "png",
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
    search.add_argument("--fail-on-paths", action="store_true",
                        help="exit 1 when any path is found (CI gate)")

    graph = commands.add_parser(
        "graph", help="export the whole attack graph",
        description="Export every vertex and edge: JSON in networkx node-link form "
                    "(nodes with id and attributes; edges with source, target, key = "
                    "technique and attributes).",
        parents=[_input_options(), _output_options(("json",), "json")],
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    del graph

    commands.add_parser(
        "techniques", help="the technique catalog",
        description="Every attacker step riskgraph knows: id, severity, MITRE ATT&CK id, "
                    "title and remediation.",
        parents=[_output_options(("table", "json", "markdown"), "table")])
    return parser


def _load(args: argparse.Namespace, progress: Progress) -> Inventory:
    sources = [*args.k8s, *([demo_dir()] if args.demo else [])]
    progress.say(f"reading {len(sources)} input path{'s' * (len(sources) != 1)}")
    inv = load_k8s(sources)
    kinds = ", ".join(f"{kind} {n}" for kind, n in inv.counts.most_common())
    progress.say(f"read {sum(inv.counts.values())} objects from {len(inv.sources)} files"
                 + (f" ({kinds})" if kinds else ""))
    if inv.unknown_kinds:
        progress.say("kinds not analysed (skipped): " + ", ".join(
            f"{kind} x{n}" for kind, n in inv.unknown_kinds.most_common()))
    for problem in inv.problems[:args.max_problems]:
        progress.say(f"skipped: {problem}")
    if len(inv.problems) > args.max_problems:
        progress.say(f"... and {len(inv.problems) - args.max_problems} more input problems "
                     "(raise --max-problems to list them)")
    return inv


def _graph(args: argparse.Namespace, progress: Progress) -> nx.MultiDiGraph:
    inv = _load(args, progress)
    graph = build_graph(inv)
    progress.say(f"graph: {graph.number_of_nodes()} vertices, {graph.number_of_edges()} edges")
    return graph


def _emit(args: argparse.Namespace, data: str | bytes) -> None:
    if args.output is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data if data.endswith("\n") else data + "\n")
        return
    if isinstance(data, bytes):
        args.output.write_bytes(data)
    else:
        args.output.write_text(data if data.endswith("\n") else data + "\n")


def _run_paths(args: argparse.Namespace, progress: Progress) -> int:
    graph = _graph(args, progress)
    found = attack_paths(graph, args.sources or ["internet"], args.targets or ["secret"],
                         max_hops=args.max_hops, top=args.top, sensitive=args.sensitive)
    progress.say(f"{len(found)} path{'s' * (len(found) != 1)} from {found.sources} source(s) "
                 f"to {found.targets} target(s)")
    code = EXIT_PATHS_FOUND if args.fail_on_paths and found.paths else EXIT_OK
    if args.format == "table":
        _emit(args, paths_table(found, evidence=args.evidence))
    elif args.format == "json":
        _emit(args, json.dumps(found.to_dict(), indent=2))
    elif args.format == "dot":
        _emit(args, render.to_dot(found))
    else:
        try:
            _emit(args, render.render(found, args.format))
        except RenderError as error:
            fallback = args.output.with_suffix(".dot") if args.output else None
            if fallback is not None:
                fallback.write_text(render.to_dot(found))
            print(f"riskgraph: {error}" + (f"\nriskgraph: wrote the DOT source to {fallback}"
                                           if fallback else ""), file=sys.stderr)
            return EXIT_RENDER
    if args.output is not None:
        progress.say(f"wrote {args.output}")
    return code


def _run_graph(args: argparse.Namespace, progress: Progress) -> int:
    graph = _graph(args, progress)
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    _emit(args, json.dumps(data))
    return EXIT_OK


def _run_techniques(args: argparse.Namespace) -> int:
    techniques = all_techniques()
    if args.format == "json":
        _emit(args, json.dumps([{"id": t.id, "title": t.title, "severity": t.severity,
                                 "mitre": t.mitre, "remediation": t.remediation}
                                for t in techniques], indent=2))
    elif args.format == "markdown":
        _emit(args, techniques_markdown(techniques))
    else:
        _emit(args, techniques_table(techniques))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskgraph`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "techniques" and not (args.k8s or args.demo):
        parser.error("no input: give --k8s PATH (manifests, a folder or a kubectl dump) "
                     "or --demo for the bundled demo estate")
    try:
        if args.command == "techniques":
            return _run_techniques(args)
        progress = Progress(args.quiet)
        if args.command == "paths":
            return _run_paths(args, progress)
        return _run_graph(args, progress)
    except SelectorError as error:
        print(f"riskgraph: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as error:
        print(f"riskgraph: {error}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
