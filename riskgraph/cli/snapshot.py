"""``riskgraph snapshot k8s|aws``: read a live source once and save it to a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest import AwsAccountReader, AwsTarget, KubeTarget, LiveCluster
from ingest.snapshot_writers import write_aws_snapshot, write_snapshot
from riskgraph.cli.common import EXIT_CODES, EXIT_OK, Say, status_options
from riskgraph.cli.inputs import call_reporter, page_reporter, report_problems

SNAPSHOT_EXAMPLES = """examples:
  riskgraph snapshot k8s -o cluster.json                  # the current kubeconfig context
  riskgraph snapshot k8s --context prod -o prod.json
  riskgraph snapshot k8s --kubeconfig ~/.kube/eks.yaml --context prod -o prod.json
  riskgraph snapshot k8s --in-cluster -o /out/cluster.json    # from a pod
  riskgraph snapshot aws --profile prod --region eu-west-1 -o account.json
  riskgraph paths --k8s prod.json --aws account.json --to secret   # later, offline
"""


def add_snapshot_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
                    "client. Secret values, containers' literal env values and config map\n"
                    "data are never saved (except kube-system/aws-auth, which maps IAM to\n"
                    "Kubernetes users, and the VPC CNI's network policy switch in\n"
                    "kube-system/amazon-vpc-cni). A kind the credentials may not list, or\n"
                    "whose list still fails after four tries, is reported and skipped; the\n"
                    "rest is saved.",
        epilog=SNAPSHOT_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cluster = k8s.add_argument_group("cluster (default: the current kubeconfig context)")
    cluster.add_argument("--context", "--k8s-context", dest="context", metavar="CTX",
                         help="kubeconfig context to read")
    cluster.add_argument("--kubeconfig", metavar="FILE",
                         help="kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
    cluster.add_argument("--in-cluster", action="store_true",
                         help="use the service account of the pod riskgraph runs in")
    _snapshot_output(k8s)
    aws = sources.add_parser(
        "aws", help="an AWS account, through its APIs",
        description="Read what riskgraph analyses from an AWS account with boto3: IAM\n"
                    "(account authorization details, OIDC providers), EC2 instances,\n"
                    "launch templates (UserData only as its size), security groups and\n"
                    "VPCs, EKS clusters, node groups, add-ons, Pod Identity associations\n"
                    "and access entries, Secrets Manager,\n"
                    "SSM parameters, S3, ECR and KMS (names and policies; never secret\n"
                    "values), RDS, ElastiCache, OpenSearch and Redshift (endpoints and\n"
                    "security groups) and Organizations SCPs when allowed. A call the\n"
                    "credentials may not make is reported and skipped; the rest is saved.",
        epilog=SNAPSHOT_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    account = aws.add_argument_group("account (default: the default credentials and region)")
    account.add_argument("--profile", "--aws-profile", dest="profile", metavar="PROFILE",
                         help="AWS profile to use")
    account.add_argument("--region", "--aws-region", dest="region", metavar="REGION",
                         action="append", default=[],
                         help="region to read (repeatable; default the profile's region)")
    _snapshot_output(aws)


def _snapshot_output(parser: argparse.ArgumentParser) -> None:
    output = parser.add_argument_group("output")
    output.add_argument("-o", "--output", metavar="FILE", type=Path, required=True,
                        help="the snapshot file to write ('-' for standard output)")
    status_options(output)


def check_snapshot_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse option combinations ``snapshot`` cannot honour (exit 2)."""
    if args.snapshot_source == "k8s" and args.in_cluster and (
            args.context or args.kubeconfig):
        parser.error("--in-cluster reads the pod's own service account: it takes no "
                     "--context or --kubeconfig")
    folder = args.output.parent
    if str(args.output) != "-" and not folder.is_dir():
        parser.error(f"cannot write {args.output}: no such directory {folder}")


def run_snapshot(args: argparse.Namespace, say: Say) -> int:
    """``riskgraph snapshot k8s|aws``: read the live source and write the snapshot file."""
    to_stdout = str(args.output) == "-"
    where = "standard output" if to_stdout else args.output
    if args.snapshot_source == "aws":
        account = AwsAccountReader(AwsTarget(profile=args.profile, regions=tuple(args.region)))
        say(f"reading the AWS account of {account.label}")
        documents = write_aws_snapshot(account, sys.stdout if to_stdout else args.output,
                                       call_reporter(say))
        report_problems(say, account.problems, args.max_problems)
        say(f"wrote {documents} documents to {where}")
        return EXIT_OK
    cluster = LiveCluster(KubeTarget(args.context, args.kubeconfig, args.in_cluster))
    say(f"reading {cluster.label}")
    count = write_snapshot(sys.stdout if to_stdout else args.output, cluster,
                           page_reporter(say))
    report_problems(say, cluster.problems, args.max_problems)
    say(f"wrote {count} objects to {where}")
    return EXIT_OK
