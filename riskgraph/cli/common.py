"""What every ``riskgraph`` command shares: exit codes, the status-line callback, the
input and output options, and writing a result to standard output or the ``-o`` file.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

EXIT_OK, EXIT_PATHS_FOUND, EXIT_USAGE, EXIT_INPUT, EXIT_RENDER = 0, 1, 2, 3, 4

Say = Callable[[str], None]

EXIT_CODES = """exit codes:
  0  success
  1  attack paths were found and --fail-on-paths was given, or `reach` found the
     connection blocked (for CI gates)
  2  usage error: bad option or selector
  3  the input could not be read at all (or the cluster or AWS account could not be
     reached, or refused the credentials)
  4  a diagram could not be rendered (Graphviz 'dot' missing); the DOT source was written
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


def input_options(namespace_flag: bool = True) -> argparse.ArgumentParser:
    """The input options; ``namespace_flag`` adds ``-n/--namespace`` as well as
    ``--default-namespace`` (``reach`` uses ``--namespace`` for its matrix)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("input (any mix of these is analysed as one estate)")
    group.add_argument("--k8s", metavar="PATH", nargs="+", action="extend", default=[],
                       help="manifests, folders (searched recursively), `kubectl get -o json|"
                            "yaml` dumps, `helm template` output, `riskgraph snapshot` files; "
                            "'-' reads standard input")
    group.add_argument(*(("-n", "--namespace") if namespace_flag else ()),
                       "--default-namespace", dest="default_namespace", metavar="NS",
                       default="default",
                       help="the namespace of file objects that name none, as `kubectl "
                            "apply -n NS` (default 'default'); install bundles usually "
                            "leave it out")
    group.add_argument("--per-pod", action="store_true",
                       help="keep every live pod its own vertex (default: the alike live "
                            "replicas of a workload are one vertex named after it, "
                            "k8s:Pod:<ns>/<workload>, whose 'replicas' attribute maps each "
                            "pod to its node)")
    group.add_argument("--k8s-context", "--context", dest="k8s_context", metavar="CTX",
                       nargs="?", const="",
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
    group.add_argument("--aws-profile", "--profile", dest="aws_profile", metavar="PROFILE",
                       nargs="?", const="",
                       help="read the live AWS account of this profile (the default "
                            "credentials if PROFILE is left out); needs read-only IAM, EC2, "
                            "EKS and data-store list permissions")
    group.add_argument("--aws-region", "--region", dest="aws_region", metavar="REGION",
                       action="append", default=[],
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
    group.add_argument("--assume-exploitable", default="app", choices=("none", "app", "all"),
                       help="which listening ports a pod that reaches them is assumed to "
                            "exploit: 'app' (default) counts application ports as likely and "
                            "metrics, health, probe and webhook ports as a costly possible "
                            "step; 'all' counts every port as an application port; 'none' "
                            "draws no step onto a reached container")
    group.add_argument("--as-of", metavar="DATE", type=analysis_time,
                       help="decide IAM conditions on dates (aws:CurrentTime, "
                            "aws:TokenIssueTime) at this ISO date or time, UTC unless it "
                            "names a zone (default: now); for reproducible runs")
    status_options(group)
    return parent


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 object``, ``2 objects``: the count and the noun that agrees with it."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a usage error otherwise)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


#: File extensions that name an output format, for ``-o FILE`` without ``--format``.
_EXTENSION_FORMATS = {"json": "json", "dot": "dot", "gv": "dot", "svg": "svg", "png": "png",
                      "pdf": "pdf", "md": "markdown", "markdown": "markdown",
                      "sarif": "sarif", "html": "html"}
BINARY_FORMATS = frozenset({"png", "pdf"})


def analysis_time(text: str) -> datetime:
    """An ``--as-of`` value: an ISO 8601 date or date and time, UTC unless it says.

    >>> analysis_time("2026-01-31").isoformat()
    '2026-01-31T00:00:00+00:00'
    """
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or time (e.g. 2026-01-31 or "
            "2026-01-31T12:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def output_options(formats: Sequence[str], default: str) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("output")
    group.add_argument("--format", choices=formats, default=None,
                       help=f"output format (default: from the -o file's extension, e.g. "
                            f".svg or .json, else {default})")
    group.add_argument("-o", "--output", metavar="FILE", type=Path,
                       help="write to FILE instead of standard output ('-' for standard "
                            "output)")
    parent.set_defaults(format_choices=tuple(formats), format_default=default)
    return parent


def settle_output(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Check ``-o`` and ``--format`` before any work: ``-o -`` is standard output, a
    missing ``--format`` follows the file's extension, the folder must exist, and binary
    formats never go to a terminal. Exits through ``parser.error`` (code 2)."""
    if not hasattr(args, "format_choices"):
        return
    if args.output is not None and str(args.output) == "-":
        args.output = None
    if args.format is None:
        suffix = args.output.suffix.lstrip(".").lower() if args.output is not None else ""
        inferred = _EXTENSION_FORMATS.get(suffix)
        args.format = inferred if inferred in args.format_choices else args.format_default
    if args.output is not None and not args.output.parent.is_dir():
        parser.error(f"cannot write {args.output}: no such directory {args.output.parent}")
    if args.output is None and args.format in BINARY_FORMATS and sys.stdout.isatty():
        parser.error(f"{args.format.upper()} is binary and standard output is a terminal: "
                     f"give -o FILE.{args.format} or redirect the output")


def status_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument("-q", "--quiet", action="store_true",
                       help="no progress or input problems on stderr")
    group.add_argument("--max-problems", type=int, default=20, metavar="N",
                       help="input problems listed on stderr (default 20; all are counted)")


def emit(args: argparse.Namespace, data: str | bytes) -> None:
    """Write the result to the ``-o`` file, or to standard output."""
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


