"""The ``riskgraph`` command line: options, help texts and exit codes.

What each command does is in ``riskgraph.cli_commands``; this module parses and dispatches,
and is the only one that prints.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from riskgraph import __version__
from riskgraph.cli_commands import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_RENDER,
    EXIT_USAGE,
    load,
    run_graph,
    run_paths,
    run_snapshot,
    run_techniques,
)
from riskgraph.cli_reach import add_reach_parser, check_reach_usage, reach_command
from riskgraph.errors import InputError, RenderError, SelectorError

EXIT_CODES = """exit codes:
  0  success
  1  attack paths were found and --fail-on-paths was given, or `reach` found the
     connection blocked (for CI gates)
  2  usage error: bad option or selector
  3  the input could not be read at all (or the cluster or AWS account could not be
     reached, or refused the credentials)
  4  a diagram could not be rendered (Graphviz 'dot' missing); the DOT source was written
"""

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

SNAPSHOT_EXAMPLES = """examples:
  riskgraph snapshot k8s -o cluster.json                  # the current kubeconfig context
  riskgraph snapshot k8s --context prod -o prod.json
  riskgraph snapshot k8s --kubeconfig ~/.kube/eks.yaml --context prod -o prod.json
  riskgraph snapshot k8s --in-cluster -o /out/cluster.json    # from a pod
  riskgraph snapshot aws --profile prod --region eu-west-1 -o account.json
  riskgraph paths --k8s prod.json --aws account.json --to secret   # later, offline
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
    group = parent.add_argument_group("input (any mix of these is analysed as one estate)")
    group.add_argument("--k8s", metavar="PATH", nargs="+", action="extend", default=[],
                       help="manifests, folders (searched recursively), `kubectl get -o json|"
                            "yaml` dumps, `helm template` output, `riskgraph snapshot` files; "
                            "'-' reads standard input")
    group.add_argument("--k8s-context", metavar="CTX", nargs="?", const="",
                       help="read the live cluster of kubeconfig context CTX (the current "
                            "context if CTX is left out); needs list on the kinds analysed")
    group.add_argument("--kubeconfig", metavar="FILE",
                       help="kubeconfig for the live cluster (default $KUBECONFIG or "
                            "~/.kube/config); alone, reads its current context")
    group.add_argument("--aws", metavar="PATH", nargs="+", action="extend", default=[],
                       help="`aws ... --output json` files or folders (IAM account "
                            "authorization details, EC2 instances, EKS cluster, access "
                            "entries, ...) or `riskgraph snapshot aws` files; --k8s accepts "
                            "them too")
    group.add_argument("--aws-profile", metavar="PROFILE", nargs="?", const="",
                       help="read the live AWS account of this profile (the default "
                            "credentials if PROFILE is left out); needs read-only IAM, EC2, "
                            "EKS and data-store list permissions")
    group.add_argument("--aws-region", metavar="REGION", action="append", default=[],
                       help="region to read live (repeatable; default the profile's)")
    group.add_argument("--eks-cluster", metavar="NAME",
                       help="which EKS cluster of the AWS input the Kubernetes input is "
                            "(needed only when the AWS input holds several and the nodes' "
                            "instance tags do not tell)")
    group.add_argument("--demo", action="store_true",
                       help="analyse the bundled demo estate (an EKS cluster and its AWS "
                            "account)")
    group.add_argument("--pod-security-default", default="privileged",
                       choices=("privileged", "baseline", "restricted"),
                       help="the cluster's PodSecurity admission default 'enforce' level for "
                            "namespaces without the label (default privileged, as on EKS)")
    group.add_argument("--network-policy", default="detect",
                       choices=("detect", "enforced", "flat"),
                       help="whether the network plugin enforces NetworkPolicies: 'detect' "
                            "looks for Calico, Cilium, Antrea, kube-router or Weave Net in the "
                            "input (default); 'enforced' when it does and the input does not "
                            "show it (e.g. the VPC CNI's policy agent); 'flat' to ignore them")
    _status_options(group)
    return parent


def _status_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument("-q", "--quiet", action="store_true",
                       help="no progress or input problems on stderr")
    group.add_argument("--max-problems", type=int, default=20, metavar="N",
                       help="input problems listed on stderr (default 20; all are counted)")


def _output_options(formats: Sequence[str], default: str) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("output")
    group.add_argument("--format", choices=formats, default=default,
                       help=f"output format (default {default})")
    group.add_argument("-o", "--output", metavar="FILE", type=Path,
                       help="write to FILE instead of standard output")
    return parent


def _add_snapshot(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    snapshot = commands.add_parser(
        "snapshot", help="save a live cluster or AWS account to a file, to analyse later",
        description="Read a live source once and save what riskgraph analyses to one "
                    "versioned JSON file; give the file to --k8s later.")
    sources = snapshot.add_subparsers(dest="snapshot_source", required=True, metavar="SOURCE")
    k8s = sources.add_parser(
        "k8s", help="a Kubernetes cluster, through its API server",
        description="List every kind riskgraph analyses (pods, workloads, RBAC, service\n"
                    "accounts, secrets, config maps, services, ingresses, network policies,\n"
                    "namespaces, nodes) in all namespaces, page by page, with the official\n"
                    "client. Secret values and config map data are never saved (except\n"
                    "kube-system/aws-auth, which maps IAM to Kubernetes users, and the VPC\n"
                    "CNI's network policy switch in kube-system/amazon-vpc-cni). A kind the\n"
                    "credentials may not list is reported and skipped; the rest is saved.",
        epilog=SNAPSHOT_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cluster = k8s.add_argument_group("cluster (default: the current kubeconfig context)")
    cluster.add_argument("--context", metavar="CTX", help="kubeconfig context to read")
    cluster.add_argument("--kubeconfig", metavar="FILE",
                         help="kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
    cluster.add_argument("--in-cluster", action="store_true",
                         help="use the service account of the pod riskgraph runs in")
    _snapshot_output(k8s)
    aws = sources.add_parser(
        "aws", help="an AWS account, through its APIs",
        description="Read what riskgraph analyses from an AWS account with boto3: IAM\n"
                    "(account authorization details, OIDC providers), EC2 instances,\n"
                    "launch templates, security groups and VPCs, EKS clusters, node groups,\n"
                    "add-ons, Pod Identity associations and access entries, Secrets Manager,\n"
                    "SSM parameters, S3, ECR and KMS (names and policies; never secret\n"
                    "values), RDS, ElastiCache, OpenSearch and Redshift (endpoints and\n"
                    "security groups) and Organizations SCPs when allowed. A call the\n"
                    "credentials may not make is reported and skipped; the rest is saved.",
        epilog=SNAPSHOT_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    account = aws.add_argument_group("account (default: the default credentials and region)")
    account.add_argument("--profile", metavar="PROFILE", help="AWS profile to use")
    account.add_argument("--region", metavar="REGION", action="append", default=[],
                         help="region to read (repeatable; default the profile's region)")
    _snapshot_output(aws)


def _snapshot_output(parser: argparse.ArgumentParser) -> None:
    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output", metavar="FILE", type=Path, required=True,
                        help="the snapshot file to write ('-' for standard output)")
    _status_options(output)


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
    search.add_argument("--avoid", metavar="SELECTOR", action="append", default=[],
                        help="paths may not pass through these vertices: what if this "
                             "binding or workload were fixed? (repeatable)")
    search.add_argument("--hide-platform-defaults", action="store_true",
                        help="ignore paths through the built-in system: and EKS bindings "
                             "a cluster owner cannot change")
    search.add_argument("--fail-on-paths", action="store_true",
                        help="exit 1 when any path is found (CI gate)")

    commands.add_parser(
        "graph", help="export the whole attack graph",
        description="Export every vertex and edge: JSON in networkx node-link form "
                    "(nodes with id and attributes; edges with source, target, key = "
                    "technique and attributes).",
        parents=[_input_options(), _output_options(("json",), "json")],
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)

    add_reach_parser(commands, [_input_options(),
                                _output_options(("table", "json"), "table")])
    _add_snapshot(commands)
    commands.add_parser(
        "techniques", help="the technique catalog",
        description="Every attacker step riskgraph knows: id, severity, MITRE ATT&CK id, "
                    "title and remediation.",
        parents=[_output_options(("table", "json", "markdown"), "table")])
    return parser


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.command in ("paths", "graph", "reach") and not (
            args.k8s or args.aws or args.demo or args.k8s_context is not None
            or args.kubeconfig or args.aws_profile is not None):
        parser.error("no input: give --k8s PATH (manifests, a folder, a kubectl dump or a "
                     "snapshot), --k8s-context CTX for a live cluster, --aws PATH or "
                     "--aws-profile for an AWS account, or --demo for the bundled demo "
                     "estate")
    if args.command in ("paths", "graph", "reach") and args.aws_region \
            and args.aws_profile is None:
        parser.error("--aws-region chooses the regions of a live read: give --aws-profile "
                     "too (alone, it reads the default credentials)")
    if args.command == "reach":
        check_reach_usage(parser, args)
    if args.command == "snapshot":
        if args.snapshot_source == "k8s" and args.in_cluster and (
                args.context or args.kubeconfig):
            parser.error("--in-cluster reads the pod's own service account: it takes no "
                         "--context or --kubeconfig")
        folder = args.output.parent
        if str(args.output) != "-" and not folder.is_dir():
            parser.error(f"cannot write {args.output}: no such directory {folder}")


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
        if args.command == "techniques":
            return run_techniques(args)
        say = Progress(args.quiet).say
        if args.command == "paths":
            return run_paths(args, say)
        if args.command == "snapshot":
            return run_snapshot(args, say)
        if args.command == "reach":
            text, code = reach_command(load(args, say, paths_view=False), args, say)
            _write(args, text)
            return code
        return run_graph(args, say)
    except SelectorError as error:
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


if __name__ == "__main__":
    sys.exit(main())
