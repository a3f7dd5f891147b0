"""Time each export of riskgraph on a synthetic estate, and the size of what it writes.

``python -m bench.exports --pods 10000 [--keep DIR] [--seed N] [--no-aws]``

The estate is generated (or reused from ``--keep``) as by ``bench.run``, ingested and built
once; then each format is written to a scratch folder. Peak RSS is this process's
``ru_maxrss``: an export that held a second copy of the graph would raise it well above
the build's peak, so the growth is reported per format. CPU seconds are this process's
alone, which a machine shared with other work inflates less than wall time.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from bench.run import ensure_dumps, peak_rss_mib
from ingest import load_k8s
from riskgraph.builder import build_graph
from riskgraph.report.export_graphml import write_gexf, write_graphml
from riskgraph.report.export_neo4j import write_cypher, write_neo4j_csv
from riskgraph.report.export_opengraph import write_opengraph

_STREAMED: dict[str, Callable[[nx.MultiDiGraph, Any], object]] = {
    "opengraph": write_opengraph, "cypher": write_cypher, "graphml": write_graphml,
    "gexf": write_gexf}


def time_exports(graph: nx.MultiDiGraph, folder: Path) -> list[dict[str, Any]]:
    """Write every format into ``folder``; seconds, MiB written and peak RSS of each."""
    rows = []
    for name in ("opengraph", "neo4j-csv", "cypher", "graphml", "gexf"):
        start, cpu = time.perf_counter(), time.process_time()
        if name == "neo4j-csv":
            files = write_neo4j_csv(graph, folder / "neo4j")
        else:
            path = folder / f"graph.{name}"
            with path.open("w", encoding="utf-8") as out:
                _STREAMED[name](graph, out)
            files = [path]
        rows.append({"format": name, "seconds": round(time.perf_counter() - start, 2),
                     "cpu_seconds": round(time.process_time() - cpu, 2),
                     "mib": round(sum(f.stat().st_size for f in files) / 2**20, 1),
                     "files": len(files), "peak_rss_mib": round(peak_rss_mib())})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, required=True)
    parser.add_argument("--keep", type=Path, help="directory to keep (and reuse) the dumps in")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-aws", action="store_true", help="the Kubernetes dump alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="riskgraph-exports-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        paths = ensure_dumps(directory, args.pods, False, args.seed, not args.no_aws,
                             {"phases": {}})
        graph = build_graph(load_k8s(paths))
        gc.freeze()
        print(f"{graph.number_of_nodes()} vertices, {graph.number_of_edges()} edges; "
              f"peak RSS after build {peak_rss_mib():.0f} MiB")
        out = Path(scratch) / "out"
        out.mkdir()
        print(f"{'format':<11}{'seconds':>9}{'CPU s':>9}{'MiB':>9}{'files':>7}"
              f"{'peak RSS MiB':>14}", flush=True)
        for row in time_exports(graph, out):
            print(f"{row['format']:<11}{row['seconds']:>9.2f}{row['cpu_seconds']:>9.2f}"
                  f"{row['mib']:>9.1f}"
                  f"{row['files']:>7}{row['peak_rss_mib']:>14}")


if __name__ == "__main__":
    main()
