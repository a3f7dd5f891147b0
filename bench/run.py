"""Time riskgraph end to end on a synthetic estate and report where time and memory go.

``python -m bench.run --pods 10000 [--keep DIR] [--indent] [--json] [--no-aws] [--policies N]
[--skip-cli] [--skip-decisions]``

Phases, each timed on its own: generate the Kubernetes dump and the AWS account's CLI
outputs (``bench.synth``, in a child process, skipped when ``--keep DIR`` already holds
them); the decoding floors, a bare ``json.load``, ``orjson`` and ``msgspec`` of the files, and
the ``riskgraph paths --to secret`` command line end to end (``bench._children``: child
processes, so their memory does not count against riskgraph's peak; ``--skip-cli`` leaves
the command line out); ingest (``ingest.load_k8s`` of both files); build
(``riskgraph.builder.build_graph``); two path queries (``queries.attack_paths(G,
"internet", "secret")`` and ``(G, "internet", "aws-admin")``); then, outside the end-to-end
sum, ``internet -> cluster-admin``, the reverse questions ``queries.who_can(G,
"cluster-admin", top=25)`` and ``(G, "secret", top=25)`` (what ``riskgraph who-can`` lists
by default), so each can be compared with a path query to the same targets, and ``(G,
"secret")`` listing every source, and the decision queries (route groups, fixes to
secrets, a blast radius; ``--skip-decisions`` leaves them out, as they take minutes at
150k pods). After each phase the table gives this process's peak RSS (``ru_maxrss``) and
its current RSS (``/proc/self/statm``), so what each phase keeps shows beside the peak, and
the peak proportional set size of this process with the build's forked workers
(``bench._memory``: RSS would count the pages they share twice) and the workers' CPU time.
``--no-aws`` reads the Kubernetes dump alone, as before the AWS half existed, for
comparison. ``--policies N`` generates N realistic NetworkPolicies and a Calico DaemonSet
that enforces them (``bench.synth``); the dumps' names then carry
``-npN``.

After building, ``gc.freeze()`` moves the inventory and graph (millions of long-lived objects)
into the collector's permanent generation. Without it every full collection the query's own
allocations trigger would traverse the whole graph again, and the query time would measure
the collector rather than the search. The CLI does the same: ``build_graph`` freezes what
it built on leaving its ``riskgraph._gc.gc_paused`` block.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bench._children import FLOORS, floors, run_cli
from bench._memory import TreePeak
from bench.synth import POLICIES_HELP

if TYPE_CHECKING:
    from riskgraph.estate.inventory import Inventory

T = TypeVar("T")

#: Techniques that bridge to or act inside AWS (besides every ``aws.*`` one).
AWS_BRIDGES = frozenset({"pod.imds", "pod.irsa", "pod.eks-pod-identity", "pod.csi-secret",
                         "node.instance-role", "node.pod-identity"})
#: The AWS inventory's lists reported, as (label, attribute).
AWS_COUNTS = (("roles", "roles"), ("users", "users"), ("groups", "groups"),
              ("managed policies", "managed_policies"), ("instances", "instances"),
              ("node groups", "nodegroups"), ("access entries", "access_entries"),
              ("pod identity associations", "pod_identity_associations"),
              ("buckets", "buckets"), ("secrets", "secrets"), ("parameters", "parameters"),
              ("repositories", "repositories"), ("KMS keys", "kms_keys"),
              ("VPC services", "endpoints"), ("credential report rows", "credential_reports"),
              ("functions", "functions"), ("stacks", "stacks"),
              ("build projects", "build_projects"), ("scaling groups", "scaling_groups"))
QUERIES = (("query", "secret"), ("query-aws", "aws-admin"))
#: Timed beside the path queries, not summed into end to end.
REVERSE = (("who-can-ca", "cluster-admin", 25), ("who-can-sec", "secret", 25),
           ("who-can-all", "secret", None))


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Resident set size of this process now (``/proc/self/statm``; NaN where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            resident = int(statm.read().split()[1])
    except OSError:
        return float("nan")
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(results: dict[str, Any], phase: str, action: Callable[[], T]) -> T:
    """Run ``action``, recording its wall and CPU time (which other work on a shared machine
    inflates less), the peak RSS and the RSS after it under ``phase``; the build's (which
    forks workers) also the peak PSS of the process tree, sampled (reading it costs the
    process some time, so the other phases are left alone)."""
    start, cpu, workers_cpu = time.perf_counter(), time.process_time(), children_cpu()
    with TreePeak(interval=0.5 if phase == "build" else None) as tree:
        value = action()
    seconds, now = time.perf_counter() - start, rss_mib()
    # the kernel's high-water mark can lag the pages just touched
    results["phases"][phase] = {"seconds": round(seconds, 3),
                                "cpu_seconds": round(time.process_time() - cpu, 3),
                                "peak_rss_mib": round(max(peak_rss_mib(), now), 1),
                                "rss_mib": round(now, 1),
                                "tree_peak_pss_mib": round(tree.peak_mib, 1)}
    if tree.workers:
        results["phases"][phase].update(
            workers=tree.workers, workers_cpu_seconds=round(children_cpu() - workers_cpu, 3))
    return value


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (the build's workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ensure_dumps(directory: Path, pods: int, indent: bool, seed: int, aws: bool,
                 results: dict[str, Any], policies: int | None = None) -> list[Path]:
    """The estate file (and the AWS file) for these settings, generated unless already there.

    Both are generated together when the AWS file is wanted and missing: the account's
    instances and roles must match the dump's nodes and service accounts.
    """
    policy_part = "" if policies is None else f"-np{policies}"
    suffix = f"{pods}-s{seed}{policy_part}{'-indent' if indent else ''}.json"
    paths = [directory / f"estate-{suffix}", *([directory / f"aws-{suffix}"] if aws else [])]
    if all(path.exists() for path in paths):
        results["phases"]["generate"] = {"seconds": None, "note": "reused " + ", ".join(
            str(p) for p in paths)}
        return paths
    command = [sys.executable, "-m", "bench.synth", "--pods", str(pods), "-o", str(paths[0]),
               "--seed", str(seed), *(["--indent"] if indent else []),
               *(["--policies", str(policies)] if policies is not None else []),
               *(["--aws-output", str(paths[1])] if aws else [])]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    results["phases"]["generate"] = {"seconds": round(time.perf_counter() - start, 3)}
    return paths


def aws_counts(inv: Inventory) -> dict[str, Any]:
    """How much of the AWS input the inventory holds, and how it joins the cluster."""
    aws = inv.aws
    counts: dict[str, Any] = {label: len(getattr(aws, name)) for label, name in AWS_COUNTS}
    counts["bucket policies"] = sum(1 for b in aws.buckets if b.policy)
    counts["nodes with an instance"] = sum(1 for n in inv.nodes if aws.instance_for(n))
    counts["cluster"] = aws.cluster.name if aws.cluster else None
    return counts


def measure(paths: list[Path], results: dict[str, Any], decisions: bool = True) -> None:
    """Ingest, build and query in this process (the decision queries unless not
    ``decisions``), filling ``results``."""
    from ingest import load_k8s
    from queries import attack_paths, who_can
    from riskgraph.builder import build_graph

    inv = timed(results, "ingest", lambda: load_k8s(paths))
    graph = timed(results, "build", lambda: build_graph(inv))
    gc.freeze()
    for phase, target in QUERIES if not inv.aws.empty else QUERIES[:1]:
        found = timed(results, phase, partial(attack_paths, graph, "internet", target))
        results["phases"][phase].update(paths=len(found.paths), sources=found.sources,
                                        targets=found.targets, note=f"internet -> {target}: ")
    found = timed(results, "query-ca", partial(attack_paths, graph, "internet", "cluster-admin"))
    results["phases"]["query-ca"].update(paths=len(found.paths), sources=found.sources,
                                         targets=found.targets, note="internet -> cluster-admin: ")
    for phase, target, top in REVERSE:
        answer = timed(results, phase, partial(who_can, graph, target, top=top))
        results["phases"][phase]["note"] = (f"who can reach {target}: {len(answer.sources)} "
                                            f"sources{' (top)' if answer.truncated else ''}")
    if decisions:
        decide(graph, results)
    # A replica class stands for its replicas; a template joined by them is one of those.
    # (getattr: the before/after tables run this harness on trees older than the classes.)
    replicas = [len(getattr(p, "replicas", ())) for p in inv.pods]
    live_pods = sum(n or (0 if p.is_template else 1) for p, n in
                    zip(inv.pods, replicas, strict=True))
    templates = sum(1 for p in inv.pods if p.is_template)
    classes = sum(1 for n in replicas if n)
    by_technique = dict(sorted(graph.graph["edges_by_technique"].items()))
    results.update(
        pods=live_pods, templates=templates, pod_vertices=len(inv.pods), classes=classes,
        problems=len(inv.problems),
        problem_samples=[str(p) for p in inv.problems[:5]],
        aws=None if inv.aws.empty else aws_counts(inv),
        vertices=graph.number_of_nodes(), edges=graph.number_of_edges(),
        edges_per_pod=round(graph.number_of_edges() / max(live_pods, 1), 2),
        edges_by_technique=by_technique,
        aws_edges_by_technique={t: n for t, n in by_technique.items()
                                if t.startswith("aws.") or t in AWS_BRIDGES},
        peak_rss_mib=round(peak_rss_mib(), 1),
        tree_peak_pss_mib=max(row.get("tree_peak_pss_mib", 0.0)
                              for row in results["phases"].values()))
    timings = [row.get("seconds") for phase, row in results["phases"].items()
               if phase in ("ingest", "build", *(q for q, _ in QUERIES))]
    results["end_to_end_seconds"] = round(sum(t for t in timings if t is not None), 3)
    for phase, _, _ in FLOORS:
        bare = results["phases"].get(phase, {}).get("seconds")
        results[f"end_to_end_over_{phase.replace('.', '_')}"] = round(
            results["end_to_end_seconds"] / bare, 2) if bare else None


def decide(graph: Any, results: dict[str, Any]) -> None:
    """The decision queries on the built graph: route groups of the table's top 10 paths
    to secrets (fix first measured), ranked fixes to secrets, and the blast radius of the
    pod of the first container on the cheapest route from the internet to a secret."""
    from queries import blast_radius, fixes, route_groups
    from queries.fixes import FixLab
    from queries.paths import answer, ask

    question = ask(graph, "internet", "secret")
    found = answer(graph, question, 10)
    groups = timed(results, "groups", lambda: route_groups(found, FixLab(graph, question)))
    results["phases"]["groups"]["note"] = f"{len(groups)} groups of the top {len(found)} paths"
    plan = timed(results, "fixes", lambda: fixes(graph, "internet", "secret"))
    results["phases"]["fixes"]["note"] = (f"{len(plan.fixes)} fixes: {plan.paths_before} -> "
                                          f"{plan.paths_after} paths to secrets")
    container = next((v for path in found for v in path.vertices
                      if v.startswith("k8s:Container:")), None)
    if container is None:
        return
    pod = "k8s:Pod:" + container.split(":", 2)[2].rsplit("/", 1)[0]
    blast = timed(results, "blast", lambda: blast_radius(graph, pod))
    results["phases"]["blast"]["note"] = (f"{pod}: {len(blast.reachable)} reachable, "
                                          f"crown jewels {sum(blast.crown_jewels.values())}")


def report(results: dict[str, Any]) -> str:
    """The results as a readable table."""
    lines = [f"inputs: {results['files']} ({results['file_mib']} MiB)",
             f"{'phase':<12}{'seconds':>9}{'CPU s':>8}{'peak RSS MiB':>14}{'RSS MiB':>9}"
             f"{'tree PSS MiB':>14}  note"]
    for phase, row in results["phases"].items():
        seconds, cpu, peak, now, tree = (_cell(row.get(key), digits) for key, digits in (
            ("seconds", 2), ("cpu_seconds", 2), ("peak_rss_mib", 0), ("rss_mib", 0),
            ("tree_peak_pss_mib", 0)))
        note = row.get("note", "") + (f"{row['paths']} paths ({row['sources']} sources, "
                                      f"{row['targets']} targets)" if "paths" in row else "")
        if row.get("workers"):
            note += (f"{row['workers']} workers, {row['workers_cpu_seconds']:.2f} CPU s "
                     "beside this process's")
        lines.append(f"{phase:<12}{seconds:>9}{cpu:>8}{peak:>14}{now:>9}{tree:>14}  {note}")
    ratios = [f"{results[key]}x {phase}" for phase, _, _ in FLOORS
              if results.get(key := f"end_to_end_over_{phase.replace('.', '_')}") is not None]
    lines += [
        f"end to end (ingest+build+queries): {results['end_to_end_seconds']:.2f} s"
        + (f" = {', '.join(ratios)}" if ratios else ""),
        f"peak RSS: {results['peak_rss_mib']:.0f} MiB (this process); with the build's "
        f"workers: {results['tree_peak_pss_mib']:.0f} MiB (PSS, sampled)",
        f"pods: {results['pods']} live + {results['templates']} templates, as "
        f"{results['pod_vertices']} pod vertices ({results['classes']} replica classes); "
        f"problems: {results['problems']}", *(f"  {p}" for p in results["problem_samples"])]
    if results["aws"]:
        lines.append("aws: " + ", ".join(f"{k}: {v}" for k, v in results["aws"].items()))
    lines += [f"vertices: {results['vertices']}  edges: {results['edges']}  "
              f"edges/pod: {results['edges_per_pod']}", "edges by technique:"]
    lines += [f"  {tech:<28}{count:>10}" for tech, count in
              sorted(results["edges_by_technique"].items(), key=lambda kv: -kv[1])]
    if results["aws"]:
        lines.append("AWS edges by technique:")
        lines += [f"  {tech:<28}{count:>10}" for tech, count in
                  sorted(results["aws_edges_by_technique"].items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def _cell(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, required=True)
    parser.add_argument("--keep", type=Path, help="directory to keep (and reuse) the dumps in")
    parser.add_argument("--indent", action="store_true", help="indented dumps, as the CLIs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--no-aws", action="store_true",
                        help="read the Kubernetes dump alone (no AWS account)")
    parser.add_argument("--policies", type=int, metavar="N", help=POLICIES_HELP)
    parser.add_argument("--skip-cli", action="store_true",
                        help="do not run the paths command line end to end")
    parser.add_argument("--skip-decisions", action="store_true",
                        help="do not time route groups, fixes and blast (minutes at 150k)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="riskgraph-bench-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        results: dict[str, Any] = {"phases": {}}
        paths = ensure_dumps(directory, args.pods, args.indent, args.seed, not args.no_aws,
                             results, args.policies)
        results.update(files=", ".join(map(str, paths)), file_mib=round(
            sum(p.stat().st_size for p in paths) / 2**20, 1))
        floors(paths, results)
        if not args.skip_cli:  # before this process holds a graph: the two never overlap
            run_cli(paths, results)
        measure(paths, results, decisions=not args.skip_decisions)
    print(json.dumps(results, indent=2) if args.json else report(results))


if __name__ == "__main__":
    main()
