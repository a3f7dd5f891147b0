"""Time riskgraph end to end on a synthetic estate and report where time and memory go.

``python -m bench.run --pods 10000 [--keep DIR] [--indent] [--json]``

Phases, each timed on its own: generate the dump (``bench.synth``, in a child process,
skipped when ``--keep DIR`` already holds it); a bare ``json.load`` of the same file (in a
child process, so its memory does not count against riskgraph's peak); ingest
(``ingest.load_k8s``); build (``riskgraph.builder.build_graph``); one path query
(``queries.attack_paths(G, "internet", "secret")``, skipped with a note while the queries
package does not provide it). Peak RSS is this process's ``ru_maxrss`` after each phase.

After building, ``gc.freeze()`` moves the inventory and graph (millions of long-lived objects)
into the collector's permanent generation. Without it every full collection the query's own
allocations trigger would traverse the whole graph again, and the query time would measure
the collector rather than the search. The CLI is expected to do the same.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_BARE_LOAD = """
import json, resource, sys, time
start = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    json.load(f)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(results: dict[str, Any], phase: str, action: Callable[[], T]) -> T:
    """Run ``action``, recording its wall time and the peak RSS after it under ``phase``."""
    start = time.perf_counter()
    value = action()
    results["phases"][phase] = {"seconds": round(time.perf_counter() - start, 3),
                                "peak_rss_mib": round(peak_rss_mib(), 1)}
    return value


def ensure_dump(directory: Path, pods: int, indent: bool, seed: int,
                results: dict[str, Any]) -> Path:
    """The estate file for these settings, generated unless it is already there."""
    path = directory / f"estate-{pods}-s{seed}{'-indent' if indent else ''}.json"
    if path.exists():
        results["phases"]["generate"] = {"seconds": None, "note": "reused " + str(path)}
        return path
    command = [sys.executable, "-m", "bench.synth", "--pods", str(pods), "-o", str(path),
               "--seed", str(seed), *(["--indent"] if indent else [])]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    results["phases"]["generate"] = {"seconds": round(time.perf_counter() - start, 3)}
    return path


def bare_json_load(path: Path, results: dict[str, Any]) -> None:
    out = subprocess.run([sys.executable, "-c", _BARE_LOAD, str(path)], check=True,
                         capture_output=True, text=True).stdout.split()
    results["phases"]["json.load"] = {"seconds": round(float(out[0]), 3),
                                      "peak_rss_mib": round(int(out[1]) / 1024, 1),
                                      "note": "child process"}


def measure(path: Path, results: dict[str, Any]) -> None:
    """Ingest, build and query in this process, filling ``results``."""
    from ingest import load_k8s
    from riskgraph.builder import build_graph

    inv = timed(results, "ingest", lambda: load_k8s([path]))
    graph = timed(results, "build", lambda: build_graph(inv))
    gc.freeze()
    try:
        from queries import attack_paths
    except ImportError as error:
        results["phases"]["query"] = {"seconds": None, "note": f"skipped: {error}"}
    else:
        found = timed(results, "query", lambda: attack_paths(graph, "internet", "secret"))
        results["phases"]["query"].update(paths=len(found.paths), sources=found.sources,
                                          targets=found.targets)
    live_pods = sum(1 for p in inv.pods if not p.is_template)
    results.update(
        pods=live_pods, templates=len(inv.pods) - live_pods, problems=len(inv.problems),
        vertices=graph.number_of_nodes(), edges=graph.number_of_edges(),
        edges_per_pod=round(graph.number_of_edges() / max(live_pods, 1), 2),
        edges_by_technique=dict(sorted(graph.graph["edges_by_technique"].items())),
        peak_rss_mib=round(peak_rss_mib(), 1))
    timings = [results["phases"][p].get("seconds") for p in ("ingest", "build", "query")]
    results["end_to_end_seconds"] = round(sum(t for t in timings if t is not None), 3)
    bare = results["phases"]["json.load"]["seconds"]
    results["end_to_end_over_json_load"] = round(results["end_to_end_seconds"] / bare, 2)


def report(results: dict[str, Any]) -> str:
    """The results as a readable table."""
    lines = [f"estate: {results['file']} ({results['file_mib']} MiB)",
             f"{'phase':<12}{'seconds':>10}{'peak RSS MiB':>15}  note"]
    for phase, row in results["phases"].items():
        seconds = "-" if row.get("seconds") is None else f"{row['seconds']:.2f}"
        rss = "-" if row.get("peak_rss_mib") is None else f"{row['peak_rss_mib']:.0f}"
        note = row.get("note", "") + (f"{row['paths']} paths ({row['sources']} sources, "
                                      f"{row['targets']} targets)" if "paths" in row else "")
        lines.append(f"{phase:<12}{seconds:>10}{rss:>15}  {note}")
    lines += [
        f"end to end (ingest+build+query): {results['end_to_end_seconds']:.2f} s = "
        f"{results['end_to_end_over_json_load']}x json.load",
        f"peak RSS: {results['peak_rss_mib']:.0f} MiB",
        f"pods: {results['pods']} live + {results['templates']} templates; "
        f"problems: {results['problems']}",
        f"vertices: {results['vertices']}  edges: {results['edges']}  "
        f"edges/pod: {results['edges_per_pod']}", "edges by technique:"]
    lines += [f"  {tech:<28}{count:>10}" for tech, count in
              sorted(results["edges_by_technique"].items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, required=True)
    parser.add_argument("--keep", type=Path, help="directory to keep (and reuse) the dump in")
    parser.add_argument("--indent", action="store_true", help="indented dump, as kubectl")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="riskgraph-bench-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        results: dict[str, Any] = {"phases": {}}
        path = ensure_dump(directory, args.pods, args.indent, args.seed, results)
        results.update(file=str(path), file_mib=round(path.stat().st_size / 2**20, 1))
        bare_json_load(path, results)
        measure(path, results)
    print(json.dumps(results, indent=2) if args.json else report(results))


if __name__ == "__main__":
    main()
