"""Reading the input every analysis command takes: files, the demo, a live cluster and a
live AWS account, together as one Inventory, with progress and problems said on the way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import networkx as nx

from ingest import (
    AwsAccountReader,
    AwsTarget,
    CallRead,
    KubeTarget,
    LiveCluster,
    PageProgress,
    PageRead,
    ParsedObjects,
    read_k8s,
)
from ingest.k8s_live import RESOURCES
from riskgraph._gc import gc_paused
from riskgraph.builder import build_graph
from riskgraph.cli.common import Say, plural
from riskgraph.demo import demo_dir
from riskgraph.errors import Problem
from riskgraph.estate import Inventory
from riskgraph.netpol.enforcement import enforcement

#: --network-policy -> Inventory.network_policy_enforcement (None: detect from the input).
_ENFORCEMENT: dict[str, bool | None] = {"detect": None, "enforced": True, "flat": False}

_PAGES_BETWEEN_REPORTS = 10  # a 150k-pod cluster lists 300 pages of pods
_BAR_WIDTH = 20


def page_reporter(say: Say, kinds: int = len(RESOURCES)) -> PageProgress:
    """A live reader's progress callback: a progress bar over the resource types, one line
    per type listed, and a line every few pages of a long listing."""
    finished = 0

    def report(read: PageRead) -> None:
        nonlocal finished
        if read.done:
            finished += 1
            filled = _BAR_WIDTH * finished // kinds
            say(f"[{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {finished}/{kinds} kinds: "
                f"listed {read.objects} {read.resource}"
                + (f" ({read.page} pages)" if read.page > 1 else ""))
        elif read.page % _PAGES_BETWEEN_REPORTS == 0:
            say(f"listing {read.resource}: page {read.page}, {read.objects} so far")
    return report


def call_reporter(say: Say) -> Callable[[CallRead], None]:
    """A live AWS reader's progress callback: one line per API operation and region."""
    def report(read: CallRead) -> None:
        if read.done:
            where = f" {read.region}" if read.region else ""
            outcome = f"failed ({read.error})" if read.error else f"{read.items} items"
            say(f"aws {read.service} {read.operation}{where}: {outcome}")
    return report


def report_problems(say: Say, problems: Sequence[Problem | str], limit: int) -> None:
    """Say the first ``limit`` input problems, how many more there are, and the total."""
    for problem in problems[:limit]:
        say(f"input problem: {problem}")
    if len(problems) > limit:
        say(f"... and {plural(len(problems) - limit, 'more input problem')} "
            "(raise --max-problems to list them)")
    if problems:
        say(f"{plural(len(problems), 'input problem')} in all: what they name was skipped "
            "or only partly used")


def live_target(args: argparse.Namespace) -> KubeTarget | None:
    """The live cluster an analysis command reads, if --k8s-context or --kubeconfig is given."""
    if args.k8s_context is None and args.kubeconfig is None:
        return None
    return KubeTarget(context=args.k8s_context or None, kubeconfig=args.kubeconfig)


def load(args: argparse.Namespace, say: Say, *, paths_view: bool = True,
         problems: bool = True) -> Inventory:
    """The Inventory of every input given: files, the demo and a live cluster, together.

    ``paths_view`` warns, when policies are read but nothing shows they are enforced, that
    the attack graph treats the pod network as flat (``reach`` words its own warning).
    ``problems`` says the inventory's problems; :func:`load_graph` says them itself, with
    those found while building the graph.
    """
    paths = [*args.k8s, *args.aws, *([demo_dir()] if args.demo else [])]
    target = live_target(args)
    parsed = ParsedObjects()
    if paths:
        say(f"reading {plural(len(paths), 'input path')}")
        parsed.extend(read_k8s(paths))
    if target is not None:
        cluster = LiveCluster(target)
        say(f"reading the live cluster of {cluster.label}")
        parsed.extend(cluster.read(page_reporter(say)))
    if args.aws_profile is not None:
        account = AwsAccountReader(AwsTarget(profile=args.aws_profile or None,
                                             regions=tuple(args.aws_region)))
        say(f"reading the live AWS account of {account.label}")
        parsed.extend(account.read(call_reporter(say)))
    if args.eks_cluster:
        parsed.aws.cluster_name = args.eks_cluster
    parsed.aws.as_of = args.as_of
    with gc_paused():
        inv = parsed.inventory(args.default_namespace, args.per_pod)
    inv.pod_security_default = args.pod_security_default
    inv.network_policy_enforcement = _ENFORCEMENT[args.network_policy]
    inv.assume_exploitable = args.assume_exploitable
    kinds = ", ".join(f"{kind} {n}" for kind, n in inv.counts.most_common())
    say(f"read {plural(sum(inv.counts.values()), 'object')} from "
        f"{plural(len(inv.sources), 'source')}" + (f" ({kinds})" if kinds else ""))
    if not inv.aws.empty:
        say("AWS: " + aws_summary(inv))
    if inv.unknown_kinds:
        say("kinds not analysed (skipped): " + ", ".join(
            f"{kind} x{n}" for kind, n in inv.unknown_kinds.most_common()))
    if problems:
        report_problems(say, inv.problems, args.max_problems)
    enforced, why = enforcement(inv)
    if paths_view and inv.network_policies and not enforced \
            and inv.network_policy_enforcement is None:
        count = len(inv.network_policies)
        say(f"{plural(count, 'NetworkPolicy', 'NetworkPolicies')} "
            f"{'is' if count == 1 else 'are'} read but {why}: the pod network "
            "is analysed as flat (give --network-policy enforced if the plugin enforces them)")
    return inv


def aws_summary(inv: Inventory) -> str:
    """One line on what the AWS input holds, e.g. ``account 1111..., 12 roles, 3 users``."""
    aws = inv.aws
    counts = [(len(aws.roles), "role", "roles"), (len(aws.users), "user", "users"),
              (len(aws.instances), "instance", "instances"),
              (len(aws.nodegroups), "node group", "node groups"),
              (len(aws.access_entries), "access entry", "access entries"),
              (len(aws.pod_identity_associations), "pod identity association",
               "pod identity associations"),
              (sum(1 for _ in aws.data_resources), "data store", "data stores"),
              (len(aws.databases), "database", "databases"),
              (len(aws.endpoints), "VPC service", "VPC services"),
              (len(aws.vpcs), "VPC", "VPCs"),
              (len(aws.security_groups), "security group", "security groups")]
    accounts = ", ".join(sorted(aws.accounts)) or "unknown"
    parts = [f"account{'s' * (len(aws.accounts) > 1)} {accounts}",
             f"EKS cluster {aws.cluster_name}" if aws.cluster is not None else
             "no EKS cluster matched"]
    parts += [plural(n, one, many) for n, one, many in counts if n]
    return ", ".join(parts)


def load_graph(args: argparse.Namespace, say: Say) -> nx.MultiDiGraph:
    """The attack graph of every input given; says every problem found reading the input
    and building the graph (``graph.graph["problems"]``)."""
    return load_estate(args, say)[1]


def load_estate(args: argparse.Namespace, say: Say) -> tuple[Inventory, nx.MultiDiGraph]:
    """The inventory and the attack graph of every input given (see :func:`load_graph`);
    the inventory says where each object was read."""
    inv = load(args, say, problems=False)
    graph = build_graph(inv)
    report_problems(say, graph.graph["problems"], args.max_problems)
    say(f"graph: {plural(graph.number_of_nodes(), 'vertex', 'vertices')}, "
        f"{plural(graph.number_of_edges(), 'edge')}")
    return inv, graph


