"""``riskgraph paths`` and ``riskgraph graph``: ranked attack paths, and the whole graph (its
drawings are scoped by :mod:`riskgraph.cli.export`); the search options the decision
commands share."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx

from queries import PathSet, fixes, paths_document
from queries.fixes import lab_for
from queries.paths import Question, answer, ask
from riskgraph.cli.common import (
    EXIT_CODES,
    EXIT_OK,
    EXIT_PATHS_FOUND,
    Say,
    emit,
    input_options,
    output_options,
    plural,
    positive,
)
from riskgraph.cli.export import add_scope_options, draw_graph
from riskgraph.cli.gate import add_gate_options, gated_paths, paths_json
from riskgraph.cli.inputs import load_estate, load_graph
from riskgraph.errors import RenderError
from riskgraph.report import diagram
from riskgraph.report.text import brief_table, groups_table, paths_table

#: The hop bound of the second search that finds routes cut by --max-hops.
_BEYOND_HOPS = 24

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


def add_search_options(parser: argparse.ArgumentParser, *, targets: bool = True,
                       top_help: str = "paths shown, cheapest first (default 10)") -> None:
    """The search options ``paths``, ``fixes`` and ``blast`` share."""
    search = parser.add_argument_group("search")
    search.add_argument("--from", dest="sources", metavar="SELECTOR", action="append",
                        help="where the attacker starts (repeatable; default internet)")
    if targets:
        search.add_argument("--to", dest="targets", metavar="SELECTOR", action="append",
                            help="what the attacker wants (repeatable; default secret)")
        search.add_argument("--sensitive", metavar="SELECTOR", action="append", default=[],
                            help="also treat these vertices as sensitive (for --to "
                                 "sensitive)")
    search.add_argument("--max-hops", type=positive, default=8, metavar="N",
                        help="longest path searched, in steps, bookkeeping ones (pod.contains, "
                             "hubs) included; targets only a longer route reaches are "
                             "announced (default 8)")
    search.add_argument("--top", type=positive, default=10, metavar="N", help=top_help)
    search.add_argument("--avoid", metavar="SELECTOR", action="append", default=[],
                        help="paths may not pass through these vertices: what if this "
                             "binding or workload were fixed? (repeatable)")
    search.add_argument("--avoid-technique", metavar="ID", action="append", default=[],
                        help="paths may not take this step: what if we enforced IMDSv2 "
                             "(pod.imds), dropped exec rights (rbac.pods-exec) or segmented "
                             "the network (net.reach)? (repeatable; `riskgraph techniques` "
                             "lists the ids)")
    search.add_argument("--hide-platform-defaults", action="store_true",
                        help="ignore paths through the built-in system: and EKS bindings "
                             "a cluster owner cannot change")
    drawing = parser.add_argument_group("diagram (dot, svg, png, pdf)")
    drawing.add_argument("--title", metavar="TEXT",
                         help="heading of the diagram (default: the question and the input)")
    drawing.add_argument("--layout", choices=diagram.LAYOUTS, default="LR",
                         help="LR draws left to right (default), TB top to bottom (fits "
                              "slides); past ten paths one route per route group is drawn")


def question_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of the path queries, from the shared search options."""
    return {"max_hops": args.max_hops, "avoid": args.avoid,
            "avoid_techniques": args.avoid_technique,
            "skip_platform_defaults": args.hide_platform_defaults}


def add_paths_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    paths = commands.add_parser(
        "paths", help="ranked attack paths from entry points to targets",
        description="Find the cheapest attack path to each reachable target, ranked by cost "
                    "(lower is easier). Confidence is that of the weakest step. The table "
                    "tells paths that take the same route pattern once, as a route group "
                    "with the change to make first.",
        parents=[input_options(), output_options(("table", "json", "sarif", "dot", "svg",
                                                     "png", "pdf"), "table")],
        epilog=SELECTORS + "\n" + EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_search_options(paths)
    view = paths.add_argument_group("view")
    view.add_argument("--ungrouped", action="store_true",
                      help="table format: every path in full instead of route groups")
    view.add_argument("--brief", action="store_true",
                      help="table format: one line per path (rank, cost, confidence, "
                           "source -> target, the technique chain)")
    view.add_argument("--evidence", action="store_true",
                      help="table format: list each step's evidence")
    view.add_argument("--apply-fixes", type=int, default=0, metavar="N",
                      help="what remains once the N fixes `riskgraph fixes` ranks first "
                           "(same question) are made")
    view.add_argument("--fail-on-paths", action="store_true",
                      help="exit 1 when any path is found (CI gate; --fail-on any)")
    add_gate_options(paths, "paths")


def add_graph_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    graph = commands.add_parser(
        "graph", help="the whole attack graph as JSON, or a drawing of part of it",
        description="Export every vertex and edge: JSON in networkx node-link form "
                    "(nodes with id and attributes; edges with source, target, key = "
                    "technique and attributes). dot, svg, png and pdf draw a part of the "
                    "graph chosen with --focus or --namespace. For BloodHound, Neo4j, "
                    "Gephi or yEd see `riskgraph export`.",
        # --namespace scopes the drawing here; --default-namespace names file objects' one.
        parents=[input_options(namespace_flag=False),
                 output_options(("json", "dot", "svg", "png", "pdf"), "json")],
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_scope_options(graph)


def run_paths(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph paths``: the exit code (1 with --fail-on-paths when any path is found)."""
    inv, graph = load_estate(args, say)
    sources, targets = args.sources or ["internet"], args.targets or ["secret"]
    blocked: tuple[tuple[str, str, str], ...] = ()
    if args.apply_fixes:
        plan = fixes(graph, sources, targets, limit=args.apply_fixes,
                     sensitive=args.sensitive, **question_options(args))
        blocked = plan.blocked_edges
        say(f"applied {len(plan.fixes)} fix{'es' * (len(plan.fixes) != 1)}: "
            + "; ".join(f.fix.change(f.techniques) for f in plan.fixes))
    question = ask(graph, sources, targets, sensitive=args.sensitive, blocked_edges=blocked,
                   **question_options(args))
    found = answer(graph, question, args.top)
    say(f"{plural(len(found), 'path')} from {plural(found.sources, 'source')} "
        f"to {plural(found.targets, 'target')}")
    notes = _notes(graph, args, question, sources, targets, found)
    code = EXIT_PATHS_FOUND if args.fail_on_paths and found.paths else EXIT_OK
    if args.format != "table":
        for note in notes:
            say(f"note: {note}")
    if args.baseline is not None or args.fail_on is not None or args.format == "sarif":
        return gated_paths(args, inv, graph, question, found, notes, code)
    if args.format == "table":
        if args.brief:
            table = brief_table(found)
        elif args.ungrouped:
            table = paths_table(found, evidence=args.evidence)
        else:
            groups = paths_document(found, lab_for(graph, question))["groups"]
            table = groups_table(found, groups, evidence=args.evidence)
        emit(args, "\n".join([table, *(f"note: {note}" for note in notes)]))
    elif args.format == "json":
        emit(args, json.dumps(paths_json(graph, question, found, notes), indent=2))
    else:
        emit_diagram(args, found)
    if args.output is not None:
        say(f"wrote {args.output}")
    return code


def emit_diagram(args: argparse.Namespace, routes: PathSet,
                 marked: Mapping[tuple[str, str, str], str] | None = None) -> None:
    """Write ``routes`` as a diagram in ``args.format`` (dot, svg, png or pdf), titled and
    laid out as ``--title`` and ``--layout`` say, one route per route group past ten paths;
    without Graphviz, the DOT source goes beside the requested file and the error says so."""
    options: dict[str, Any] = {"marked": marked, "layout": args.layout,
                               "groups": routes.groups()}
    title = args.title or _default_title(args)
    if args.format == "dot":
        emit(args, diagram.to_dot(routes, title, **options))
        return
    try:
        emit(args, diagram.render(routes, args.format, title, **options))
    except RenderError as error:
        if args.output is None:
            raise
        fallback = args.output.with_suffix(".dot")
        fallback.write_text(diagram.to_dot(routes, title, **options))
        raise RenderError(f"{error}\nriskgraph: wrote the DOT source to {fallback}"
                          ) from error


def _default_title(args: argparse.Namespace) -> str:
    """The question and the input: "Fixes: internet → secret · demo estate"."""
    sources = ", ".join(args.sources or ["internet"])
    inputs = [*(["demo estate"] if args.demo else []),
              *(Path(p).name or p for p in [*args.k8s, *args.aws])]
    if args.k8s_context is not None or args.kubeconfig is not None:
        inputs.append(f"context {args.k8s_context or 'current'}")
    if args.aws_profile is not None:
        inputs.append(f"AWS profile {args.aws_profile or 'default'}")
    if args.command == "blast":
        question = f"Blast radius of {sources}"
    else:
        targets = ", ".join(getattr(args, "targets", None) or ["secret"])
        question = f"{'Fixes' if args.command == 'fixes' else 'Attack paths'}: " \
                   f"{sources} \u2192 {targets}"
    return " · ".join([question, *([", ".join(inputs)] if inputs else [])])


def _notes(graph: nx.MultiDiGraph, args: argparse.Namespace, question: Question,
           sources: list[str], targets: list[str], found: PathSet) -> list[str]:
    """What the answer leaves out: targets beyond --max-hops, and why an empty answer is
    not a clean bill of health."""
    notes = []
    if not found.truncated and len(found) < args.top and found.targets > len(found):
        # Searched again with a far larger bound only when the answer has room for more:
        # a route one step too long must not vanish silently.
        longer = answer(graph, replace(question, max_hops=max(_BEYOND_HOPS, 2 * args.max_hops)),
                        args.top)
        shown = {path.target for path in found}
        cut = [path for path in longer if path.target not in shown]
        if cut:
            at_least = "at least " if longer.truncated else ""
            notes.append(f"{at_least}{plural(len(cut), 'more target')} "
                         f"{'is' if len(cut) == 1 else 'are'} reachable in "
                         f"more than {args.max_hops} steps (the cheapest such route takes "
                         f"{len(cut[0].steps)}; steps include bookkeeping hops such as "
                         "pod.contains and hubs): raise --max-hops to see "
                         f"{'it' if len(cut) == 1 and not at_least else 'them'}")
    if found.paths:
        return notes
    if found.targets == 0:
        notes.append(f"the input holds nothing {' or '.join(targets)} selects, so no "
                     "path can end there; this is not evidence that none exists")
    if "internet" in sources:
        exposed = len({v for entry, is_entry in graph.nodes(data="entry") if is_entry
                       for v in graph.successors(entry)})
        notes.append(f"searched from the internet, which reaches "
                     f"{plural(exposed, 'exposed object')} here (load balancers, ingresses, "
                     "NodePorts, public nodes); an empty answer is not proof of safety: try "
                     "--from any-pod for what a compromised pod could reach")
    return notes


def run_graph(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph graph``: the whole graph as node-link JSON, or a drawing of a part."""
    graph = load_graph(args, say)
    if args.format != "json":
        return draw_graph(args, graph, say)
    data: dict[str, Any] = nx.node_link_data(graph, edges="edges")
    emit(args, json.dumps(data))
    return EXIT_OK


