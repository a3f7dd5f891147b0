"""The ``riskgraph`` command line: the parser, usage checks, dispatch and exit codes.

Each command group lives in its own module (``search``: paths and graph; ``decide``:
fixes and blast; ``findings``; ``whocan``: who-can and rbac; ``export``; ``reach``;
``snapshot``; ``catalog``: techniques) with its options and what it does. This package is
the only place that prints, and the only one that wires ingest, the core and queries.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from riskgraph import __version__
from riskgraph.cli.catalog import add_techniques_parser, run_techniques
from riskgraph.cli.common import (
    EXIT_CODES,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_RENDER,
    EXIT_USAGE,
    Progress,
    Say,
    input_options,
    output_options,
    settle_output,
)
from riskgraph.cli.decide import add_blast_parser, add_fixes_parser, run_blast, run_fixes
from riskgraph.cli.export import (
    add_export_parser,
    check_export_usage,
    check_graph_usage,
    run_export,
)
from riskgraph.cli.findings import add_findings_parser, run_findings
from riskgraph.cli.inputs import load
from riskgraph.cli.reach import add_reach_parser, check_reach_usage, reach_command
from riskgraph.cli.search import add_graph_parser, add_paths_parser, run_graph, run_paths
from riskgraph.cli.snapshot import add_snapshot_parser, check_snapshot_usage, run_snapshot
from riskgraph.cli.whocan import (
    add_rbac_parser,
    add_whocan_parser,
    check_whocan_usage,
    run_rbac,
    run_whocan,
)
from riskgraph.errors import InputError, RenderError, SelectorError, SettingError
from riskgraph.parallel.workers import configured_workers

_ANALYSES = ("paths", "fixes", "blast", "findings", "graph", "reach", "export", "who-can",
             "rbac")


#: What each command that reads an estate runs, given its options and the status callback.
_RUNNERS: dict[str, Callable[[argparse.Namespace, Say], int]] = {
    "paths": run_paths, "fixes": run_fixes, "blast": run_blast, "findings": run_findings,
    "who-can": run_whocan, "rbac": run_rbac, "snapshot": run_snapshot, "export": run_export,
    "graph": run_graph}


def build_parser() -> argparse.ArgumentParser:
    """The whole ``riskgraph`` parser, one sub-command per command group."""
    parser = argparse.ArgumentParser(
        prog="riskgraph",
        description="Attack paths through Kubernetes on AWS: every edge is a concrete "
                    "attacker step with its evidence.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"riskgraph {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_paths_parser(commands)
    add_fixes_parser(commands)
    add_blast_parser(commands)
    add_findings_parser(commands)
    add_whocan_parser(commands)
    add_rbac_parser(commands)
    add_graph_parser(commands)
    add_export_parser(commands)
    add_reach_parser(commands, [input_options(namespace_flag=False),
                                output_options(("table", "json"), "table")])
    add_snapshot_parser(commands)
    add_techniques_parser(commands)
    return parser


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.command in _ANALYSES and not (
            args.k8s or args.aws or args.demo or args.k8s_context is not None
            or args.kubeconfig or args.aws_profile is not None):
        parser.error("no input: give --k8s PATH (manifests, a folder, a kubectl dump or a "
                     "snapshot), --k8s-context CTX for a live cluster, --aws PATH or "
                     "--aws-profile for an AWS account, or --demo for the bundled demo "
                     "estate")
    if args.command in _ANALYSES and args.aws_region and args.aws_profile is None:
        parser.error("--aws-region chooses the regions of a live read: give --aws-profile "
                     "too (alone, it reads the default credentials)")
    settle_output(parser, args)
    if args.command == "reach":
        check_reach_usage(parser, args)
    if args.command == "export":
        check_export_usage(parser, args)
    if args.command == "graph":
        check_graph_usage(parser, args)
    if args.command == "snapshot":
        check_snapshot_usage(parser, args)
    if args.command == "who-can":
        check_whocan_usage(parser, args)


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskgraph`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_usage(parser, args)
    try:
        configured_workers()  # a bad setting is told now, not after minutes of reading input
        if args.command == "techniques":
            return run_techniques(args)
        say = Progress(args.quiet).say
        if args.command == "reach":
            text, code = reach_command(load(args, say, paths_view=False), args, say)
            _write(args, text)
            return code
        return _RUNNERS[args.command](args, say)
    except (SelectorError, SettingError) as error:
        print(f"riskgraph: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as error:
        print(f"riskgraph: {error}", file=sys.stderr)
        return EXIT_INPUT
    except RenderError as error:
        print(f"riskgraph: {error}", file=sys.stderr)
        return EXIT_RENDER
    except BrokenPipeError:
        return EXIT_OK
