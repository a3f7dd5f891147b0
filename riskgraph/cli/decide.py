"""``riskgraph fixes`` and ``riskgraph blast``: what to change first, and what falls with a
compromised workload."""

from __future__ import annotations

import argparse
import json

from queries import blast_radius, fixes
from queries.baseline import fix_fingerprint
from queries.blast import rank_by_blast
from queries.catalog import severity_of
from queries.findings import location
from riskgraph.cli.common import EXIT_CODES, EXIT_OK, Say, emit, input_options, output_options
from riskgraph.cli.gate import add_gate_options, apply_baseline, gate_code
from riskgraph.cli.inputs import load_estate, load_graph
from riskgraph.cli.search import SELECTORS, add_search_options, emit_diagram, question_options
from riskgraph.report.decisions import blast_rank_table, blast_table, fixes_table
from riskgraph.report.findings import baseline_line

_DIAGRAMS = ("table", "json", "dot", "svg", "png", "pdf")

FIXES_EXAMPLES = """examples:
  riskgraph fixes --demo --to secret
  riskgraph fixes --demo --to secret --format svg -o fixes.svg   # the routes, cut edges marked
  riskgraph paths --demo --to secret --apply-fixes 2             # what the first two leave
  riskgraph fixes --k8s ./manifests --from any-pod --to cluster-admin --format json
"""

BLAST_EXAMPLES = """examples:
  riskgraph blast --demo --from pod:web/storefront
  riskgraph blast --demo --from pod:web/storefront --format svg -o blast.svg
  riskgraph blast --demo --from any-pod --rank          # the riskiest workloads first
  riskgraph blast --k8s cluster.json --from sa:ci/deployer --max-cost 3 --format json
"""


def add_fixes_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "fixes", help="ranked changes that cut the most attack paths",
        description="Rank the changes a person can make (a binding, a container's "
                    "securityContext, a node group's metadata options, an IAM policy, ...) "
                    "by how many of the paths from --from to --to they remove. Candidates "
                    "are the changes most of the routes share (and, when every single change "
                    "has a detour, a small minimum cut applied together); each fix is "
                    "measured by searching again without it, given the fixes ranked before "
                    "it. "
                    "Structural steps (a pod holds its containers, hub fan-out) are never "
                    "offered; nor is the exposure of an entry point to the internet, which "
                    "is the question's premise.",
        parents=[input_options(), output_options(_DIAGRAMS, "table")],
        epilog=SELECTORS + "\n" + FIXES_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_search_options(parser, top_help="fixes ranked at most (default 10)")
    add_gate_options(parser, "fixes")


def add_blast_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "blast", help="everything reachable from a compromised workload or principal",
        description="List everything an attacker holding --from reaches within --max-hops "
                    "and --max-cost, cheapest first, summarised by class (secrets, service "
                    "accounts, nodes, IAM roles, data stores, cluster-admin, aws-admin, "
                    "sensitive workloads). The diagram is the shortest-path tree pruned to "
                    "the crown jewels.",
        parents=[input_options(), output_options(_DIAGRAMS, "table")],
        epilog=SELECTORS + "\n" + BLAST_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_search_options(parser, targets=False,
                       top_help="--rank: sources listed (default 10)")
    bounds = parser.add_argument_group("blast radius")
    bounds.add_argument("--max-cost", type=float, metavar="COST",
                        help="leave out what costs more to reach (default unbounded)")
    bounds.add_argument("--rank", action="store_true",
                        help="rank every source --from selects by its blast radius, the "
                             "riskiest first (one search per source)")


def run_fixes(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph fixes``: ranked fixes as a table, JSON or a diagram with cuts marked."""
    inv, graph = load_estate(args, say)
    targets = args.targets or ["secret"]
    plan = fixes(graph, args.sources or ["internet"], targets, limit=args.top,
                 sensitive=args.sensitive, progress=say, **question_options(args))
    say(f"{len(plan.fixes)} fix{'es' * (len(plan.fixes) != 1)}: {plan.paths_before} paths "
        f"before, {plan.paths_after} after")
    document = plan.to_dict(lambda obj: location(inv, obj))
    apply_baseline(args, document, "fixes", fix_fingerprint)
    if args.format == "table":
        if "baseline" in document:
            table = fixes_table(document, "paths to " + ", ".join(targets)) \
                if document["fixes"] else "No new fixes."
            emit(args, f"{table}\nbaseline: {baseline_line(document['baseline'])}")
        else:
            emit(args, fixes_table(document, "paths to " + ", ".join(targets)))
    elif args.format == "json":
        emit(args, json.dumps(document, indent=2))
    else:
        marked = {edge: f"fix {ranked.rank}" for ranked in plan.fixes for edge in ranked.edges}
        emit_diagram(args, plan.before, marked)
    return gate_code(args, document["fixes"], lambda fix: severity_of(str(fix["technique"])))


def run_blast(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph blast``: the blast radius of --from, or sources ranked by it."""
    graph = load_graph(args, say)
    sources = args.sources or ["internet"]
    options = question_options(args)
    if args.rank:
        ranked = rank_by_blast(graph, sources, max_cost=args.max_cost, **options)[:args.top]
        rows = [{"source": b.source, "reachable": len(b.reachable),
                 "crown_jewels": b.crown_jewels} for b in ranked]
        emit(args, json.dumps({"ranking": rows}, indent=2) if args.format == "json"
             else blast_rank_table(rows))
        return EXIT_OK
    blast = blast_radius(graph, sources, max_cost=args.max_cost, **options)
    say(f"{len(blast.reachable)} vertices reachable from {blast.source}")
    if args.format == "table":
        emit(args, blast_table(blast.to_dict()))
    elif args.format == "json":
        emit(args, json.dumps(blast.to_dict(), indent=2))
    else:
        emit_diagram(args, blast.routes)
    return EXIT_OK
