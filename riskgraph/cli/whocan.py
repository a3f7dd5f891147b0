"""``riskgraph who-can`` and ``riskgraph rbac``: the reverse questions. Who reaches these
targets, who holds an RBAC permission (directly or through an escalation), and what one
subject holds through every binding, group and aggregated role."""

from __future__ import annotations

import argparse
import json

import networkx as nx

from queries.holders import holders
from queries.rbac_view import rbac_view
from queries.whocan import who_can
from riskgraph.builder import build_graph
from riskgraph.cli.common import (
    EXIT_CODES,
    EXIT_OK,
    Say,
    emit,
    input_options,
    output_options,
    plural,
)
from riskgraph.cli.inputs import load, report_problems
from riskgraph.cli.search import SELECTORS, add_search_options, question_options
from riskgraph.estate.inventory import Inventory
from riskgraph.report.reverse import holders_table, rbac_table, whocan_table
from riskgraph.report.text import paths_table

WHOCAN_EXAMPLES = """examples:
  riskgraph who-can --demo --to k8s:Secret:payments/payments-db
  riskgraph who-can --demo --to cluster-admin --format json
  riskgraph who-can --demo --to secret --explain internet        # one route in full
  riskgraph who-can --demo get secrets -n payments               # can-i, for everyone
  riskgraph who-can --k8s cluster.json create pods/exec
"""

RBAC_EXAMPLES = """examples:
  riskgraph rbac --demo sa:batch/report-runner
  riskgraph rbac --demo arn:aws:iam::111122223333:user/ops-breakglass
  riskgraph rbac --k8s cluster.json group:system:authenticated --wide
"""


def add_whocan_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "who-can", help="who reaches these targets, or who holds an RBAC permission",
        description="Two reverse questions. With --to: every source (workload, service "
                    "account, Kubernetes user or group, IAM principal, the internet) that "
                    "reaches the targets, cheapest first, from one reverse search; pods are "
                    "told once per workload. With VERB RESOURCE: every subject that holds the "
                    "permission (through bindings, groups, aggregated ClusterRoles and "
                    "wildcards; -n scopes it to one namespace), marked direct, and every "
                    "source that reaches one of them, marked via escalation.",
        parents=[input_options(namespace_flag=False), output_options(("table", "json"),
                                                                     "table")],
        epilog=SELECTORS + "\n" + WHOCAN_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("permission", nargs="*", metavar="VERB RESOURCE",
                        help="an RBAC verb and resource (e.g. get secrets, create pods/exec)")
    add_search_options(parser, top_help="sources listed, cheapest first (default 25); the "
                                        "search stops there, so a short list is fast")
    parser.set_defaults(top=25)
    reverse = parser.add_argument_group("reverse question")
    reverse.add_argument("-n", "--namespace", dest="scope", metavar="NS",
                         help="VERB RESOURCE: the namespace asked about (default: any)")
    reverse.add_argument("--max-cost", type=float, metavar="COST",
                         help="leave out sources whose cheapest route costs more")
    reverse.add_argument("--explain", metavar="SOURCE",
                         help="print the cheapest route of this source in full (an id "
                              "as listed, or any vertex; --top does not limit it)")
    reverse.add_argument("--ungrouped", action="store_true",
                         help="list every pod instead of one line per workload")


def check_whocan_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exactly one question: --to, or VERB RESOURCE; never --from."""
    if args.sources:
        parser.error("who-can finds the sources itself: give --to (or VERB RESOURCE), "
                     "not --from")
    if args.permission and len(args.permission) != 2:
        parser.error(f"give VERB RESOURCE (two words, e.g. get secrets), got "
                     f"{' '.join(args.permission)!r}")
    if args.permission and args.targets:
        parser.error("give either --to SELECTOR or VERB RESOURCE, not both")
    if not args.permission and not args.targets:
        parser.error("give --to SELECTOR (who reaches it) or VERB RESOURCE (who holds it)")
    if args.scope and not args.permission:
        parser.error("-n NS scopes VERB RESOURCE; with --to, select targets by id or glob")


def add_rbac_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "rbac", help="what one subject holds: bindings, roles and effective rules",
        description="An rbac-lookup view of one subject (sa:NS/NAME, user:NAME, "
                    "group:NAME, or an IAM role or user ARN through aws-auth and access "
                    "entries): every binding that applies, directly or through a group, its "
                    "role and the namespaces it is scoped to, the rbac.* techniques its "
                    "rules enable, platform defaults marked, and EKS access policies.",
        parents=[input_options(), output_options(("table", "json"), "table")],
        epilog=RBAC_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("subject", metavar="SUBJECT")
    parser.add_argument("--wide", action="store_true",
                        help="table format: every effective rule, with what it enables")


def _estate(args: argparse.Namespace, say: Say) -> tuple[Inventory, nx.MultiDiGraph]:
    """The inventory and its graph; the RBAC views read both."""
    inv = load(args, say, problems=False)
    graph = build_graph(inv)
    report_problems(say, graph.graph["problems"], args.max_problems)
    say(f"graph: {plural(graph.number_of_nodes(), 'vertex', 'vertices')}, "
        f"{plural(graph.number_of_edges(), 'edge')}")
    return inv, graph


def run_whocan(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph who-can``: sources of a target selector, or holders of a permission."""
    inv, graph = _estate(args, say)
    options = question_options(args)
    # The source to explain may lie past --top, where the search would have stopped.
    top = None if args.explain else args.top
    if args.permission:
        verb, resource = args.permission
        held = holders(inv, graph, verb, resource, args.scope, top=top, **options)
        say(f"{plural(len(held.holders), 'subject')} can {verb} {held.resource}")
        answer = held.escalation
        document = held.to_dict()
        table = holders_table(document)
    else:
        answer = who_can(graph, args.targets, max_cost=args.max_cost,
                         sensitive=args.sensitive, group=not args.ungrouped, top=top,
                         **options)
        say(f"{plural(len(answer.sources), 'source')} reach "
            f"{plural(len(answer.targets), 'target')}")
        document = answer.to_dict()
        table = whocan_table(document)
    if args.explain:
        route = answer.explain(args.explain)
        emit(args, json.dumps(route.to_dict(), indent=2) if args.format == "json"
             else paths_table(route))
    elif args.format == "json":
        emit(args, json.dumps({**document, "problems": list(graph.graph["problems"])},
                              indent=2))
    else:
        emit(args, table)
    return EXIT_OK


def run_rbac(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph rbac``: the rbac-lookup view of one subject."""
    inv, graph = _estate(args, say)
    view = rbac_view(inv, graph, args.subject)
    say(f"{view.subject}: {plural(len(view.held), 'binding')}")
    emit(args, json.dumps(view.to_dict(), indent=2) if args.format == "json"
         else rbac_table(view.to_dict(), args.wide))
    return EXIT_OK
