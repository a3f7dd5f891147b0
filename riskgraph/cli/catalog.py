"""``riskgraph techniques``: the technique catalog."""

from __future__ import annotations

import argparse
import json

from riskgraph.cli.common import EXIT_OK, emit, output_options
from riskgraph.report.text import techniques_markdown, techniques_table
from riskgraph.techniques import all_techniques


def add_techniques_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    techniques = commands.add_parser(
        "techniques", help="the technique catalog",
        description="Every attacker step riskgraph knows: id, severity, MITRE ATT&CK id, "
                    "title and remediation.",
        parents=[output_options(("table", "json", "markdown"), "table")])
    # Accepted like every other command's, so scripts can pass -q everywhere; the catalog
    # has no progress to silence.
    techniques.add_argument("-q", "--quiet", action="store_true",
                            help="no progress on stderr (the catalog prints none)")


def run_techniques(args: argparse.Namespace) -> int:
    """``riskgraph techniques``: the catalog as a table, JSON or Markdown."""
    techniques = all_techniques()
    if args.format == "json":
        emit(args, json.dumps([{"id": t.id, "title": t.title, "severity": t.severity,
                                 "mitre": t.mitre, "remediation": t.remediation}
                                for t in techniques], indent=2))
    elif args.format == "markdown":
        emit(args, techniques_markdown(techniques))
    else:
        emit(args, techniques_table(techniques))
    return EXIT_OK
