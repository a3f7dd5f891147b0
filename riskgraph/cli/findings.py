"""``riskgraph findings``: hardening findings per object, ranked by the attack paths they
sit on, as a table, JSON, SARIF or an HTML report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from queries import PathSet, fixes, paths_document
from queries.baseline import finding_fingerprint
from queries.findings import findings, location
from queries.fixes import Where, lab_for
from queries.paths import ask
from queries.suppress import Ignore, parse_ignores
from riskgraph.checks import all_checks
from riskgraph.cli.common import EXIT_CODES, Say, emit, input_options, output_options
from riskgraph.cli.gate import add_gate_options, apply_baseline, gate_code
from riskgraph.cli.inputs import load_estate
from riskgraph.cli.search import SELECTORS, add_search_options
from riskgraph.errors import InputError
from riskgraph.report.findings import findings_table
from riskgraph.report.html import html_report
from riskgraph.report.sarif import findings_sarif

EXAMPLES = """examples:
  riskgraph findings --demo
  riskgraph findings --demo --format sarif -o riskgraph.sarif
  riskgraph findings --k8s ./manifests --check pod.run-as-root --check image.mutable-tag
  riskgraph findings --k8s-context prod --baseline prod-findings.json --fail-on new
  riskgraph findings --demo --ignore-file riskgraph-ignore.yaml --format json

ignore file (YAML): a list of {check, object (a glob on ids), reason, expires: YYYY-MM-DD};
an object annotated riskgraph.io/ignore: "<check>[,<check>]" is suppressed too. Suppressed
findings are counted and listed in the summary, never dropped silently.
"""


def add_findings_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]
                        ) -> None:
    parser = commands.add_parser(
        "findings", help="hardening findings per object, ranked by attack paths",
        description="One finding per (object, check): posture checks of the EKS hardening "
                    "checklist (root containers, mutable images, secrets in environment "
                    "variables, IMDS, aws-auth system:masters, ...) and every attacker "
                    "step whose fix is a configurable object. Each finding counts the "
                    "attack paths (--from to --to within --max-hops) through its object; "
                    "findings are sorted by severity x paths.",
        parents=[input_options(), output_options(("table", "json", "sarif", "html"), "table")],
        epilog=SELECTORS + "\n" + EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_search_options(parser)
    chosen = parser.add_argument_group("checks")
    chosen.add_argument("--check", metavar="ID", action="append",
                        help="only this check or technique id (repeatable)")
    chosen.add_argument("--skip-check", metavar="ID", action="append", default=[],
                        help="leave this check or technique id out (repeatable)")
    chosen.add_argument("--ignore-file", type=Path, metavar="FILE",
                        help="suppressions: YAML list of check, object glob, reason, expires")
    add_gate_options(parser, "findings")


def _ignores(path: Path | None) -> list[Ignore]:
    if path is None:
        return []
    try:
        return parse_ignores(yaml.safe_load(path.read_text()), str(path))
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise InputError(f"ignore file {path}: {error}") from error


def _html(args: argparse.Namespace, graph: nx.MultiDiGraph, document: dict[str, Any],
          found: PathSet, where: Where) -> str:
    """The HTML report: the findings, the route groups of the same question with their
    diagrams, and the five fixes ranked first."""
    sources, targets = args.sources or ["internet"], args.targets or ["secret"]
    question = ask(graph, sources, targets, max_hops=args.max_hops, sensitive=args.sensitive)
    paths = paths_document(found, lab_for(graph, question))
    routes = [PathSet(tuple(found[i] for i in group["paths"]), found.sources, found.targets,
                      vertices=found.vertices) for group in paths["groups"]]
    plan = fixes(graph, sources, targets, limit=5, sensitive=args.sensitive,
                 max_hops=args.max_hops)
    return html_report(document, paths, routes, plan.to_dict(where)["fixes"],
                       {"sources": ", ".join(sources), "targets": ", ".join(targets),
                        "max_hops": args.max_hops})


def run_findings(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph findings``: the exit code (1 when --fail-on is met)."""
    ignores = _ignores(args.ignore_file)
    known = {c.id for c in all_checks()}
    inv, graph = load_estate(args, say)
    result = findings(graph, inv, args.sources or ["internet"], args.targets or ["secret"],
                      max_hops=args.max_hops, sensitive=args.sensitive, checks=args.check,
                      skip_checks=args.skip_check, ignores=ignores)
    document = result.to_dict()
    apply_baseline(args, document, "findings", finding_fingerprint)
    rows = document["findings"]
    posture = sum(1 for row in rows if row["check"] in known)
    say(f"{len(rows)} finding{'s' * (len(rows) != 1)} ({posture} posture, "
        f"{len(rows) - posture} attacker steps) over {len(result.paths)} attack paths")
    if args.format == "json":
        emit(args, json.dumps(document, indent=2))
    elif args.format == "sarif":
        emit(args, json.dumps(findings_sarif(document), indent=2))
    elif args.format == "html":
        emit(args, _html(args, graph, document, result.paths,
                         lambda obj: location(inv, obj)))
    else:
        emit(args, findings_table(document))
    return gate_code(args, rows, lambda row: str(row["severity"]))
