"""The CI gate the result commands share: ``--baseline`` (report only what is new since a
previous ``--format json`` output) and ``--fail-on`` (exit 1)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from queries import PathSet, paths_document
from queries.baseline import baseline_items, compare, path_fingerprint
from queries.findings import location
from queries.fixes import lab_for
from queries.fixpoints import fix_of
from queries.paths import Question
from riskgraph.cli.common import emit
from riskgraph.errors import InputError
from riskgraph.estate.inventory import Inventory
from riskgraph.report.findings import baseline_line
from riskgraph.report.sarif import paths_sarif

FAIL_ON = ("new", "any", "critical", "high", "medium")
_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def add_gate_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--baseline FILE`` and ``--fail-on LEVEL`` in a "CI gate" group."""
    gate = parser.add_argument_group("CI gate")
    gate.add_argument("--baseline", type=Path, metavar="FILE",
                      help=f"a previous `--format json` output of this command: report only "
                           f"the {what} that are new (identity is a stable fingerprint, never "
                           f"a rank, cost or wording)")
    gate.add_argument("--fail-on", choices=FAIL_ON, metavar="LEVEL",
                      help=f"exit 1 when a {what[:-1]} is reported: new (with --baseline; "
                           f"without one, every {what[:-1]} is new), any, or one of at "
                           "least critical, high or medium severity")


def apply_baseline(args: argparse.Namespace, document: dict[str, Any], key: str,
                   fingerprint: Callable[[Mapping[str, Any]], str]) -> None:
    """Keep only the new items under ``key`` and add ``document["baseline"]`` counts.

    Raises
    ------
    riskgraph.errors.InputError
        The baseline file cannot be read or is not such an output.
    """
    if args.baseline is None:
        return
    try:
        previous = baseline_items(json.loads(args.baseline.read_text()), key,
                                  str(args.baseline))
    except (OSError, ValueError) as error:
        raise InputError(f"baseline {args.baseline}: {error}") from error
    document[key], document["baseline"] = compare(document[key], previous, fingerprint)


def gate_code(args: argparse.Namespace, items: Sequence[Mapping[str, Any]],
              severity: Callable[[Mapping[str, Any]], str]) -> int:
    """1 when ``--fail-on`` is given and an item reported meets it, else 0."""
    level = args.fail_on
    if level is None or not items:
        return 0
    if level in ("new", "any"):
        return 1
    return int(any(_RANK.get(severity(item), 4) <= _RANK[level] for item in items))


def worst_severity(steps: Sequence[Mapping[str, Any]]) -> str:
    """The most severe of some path steps' severities."""
    return min((str(s.get("severity", "info")) for s in steps), key=lambda s: _RANK.get(s, 4),
               default="info")


def _anchors(inv: Inventory, graph: nx.MultiDiGraph, paths: Sequence[Mapping[str, Any]]
             ) -> dict[str, tuple[str, str | None, int | None]]:
    """Fingerprint -> the object to change on each path's worst step, with its file and
    line: where a code-scanning UI shows the path."""
    kinds = {vertex: str(kind) for vertex, kind in graph.nodes(data="kind") if kind}
    owners = {vertex: str(owner) for vertex, owner in graph.nodes(data="owner") if owner}
    anchors = {}
    for path in paths:
        worst = worst_severity(path["steps"])
        fixes = [fix_of(s["from"], s["to"], s, kinds, owners) for s in path["steps"]
                 if s.get("severity") == worst]
        obj = next((f.object for f in fixes if f is not None), path["steps"][0]["from"])
        anchors[path["fingerprint"]] = (obj, *location(inv, obj))
    return anchors


def paths_json(graph: nx.MultiDiGraph, question: Question, found: PathSet,
               notes: list[str]) -> dict[str, Any]:
    """The document of ``paths --format json``: paths, summary and route groups, the notes
    on what the answer leaves out, and every input problem."""
    return {**paths_document(found, lab_for(graph, question)), "notes": notes,
            "problems": list(graph.graph.get("problems", []))}


def gated_paths(args: argparse.Namespace, inv: Inventory, graph: nx.MultiDiGraph,
                question: Question, found: PathSet, notes: list[str], code: int) -> int:
    """``paths`` with ``--baseline``, ``--fail-on`` or ``--format sarif``: the paths JSON
    (only the new paths under a baseline), SARIF of the paths reported, or for the table one
    line per reported path and the baseline counts. Returns the exit code."""
    document = paths_json(graph, question, found, notes)
    for path in document["paths"]:
        path["fingerprint"] = path_fingerprint(path)
    apply_baseline(args, document, "paths", path_fingerprint)
    reported = document["paths"]
    if args.format == "json":
        emit(args, json.dumps(document, indent=2))
    elif args.format == "sarif":
        emit(args, json.dumps(paths_sarif(reported, _anchors(inv, graph, reported)), indent=2))
    else:
        lines = [f"{p['source']} -> {p['target']} (cost {p['cost']}): "
                 + " -> ".join(step["technique"] for step in p["steps"]) for p in reported]
        if "baseline" in document:
            lines.insert(0, f"{len(reported)} new path{'s' * (len(reported) != 1)}:"
                         if reported else "no new paths")
            lines.append("baseline: " + baseline_line(document["baseline"]))
        emit(args, "\n".join([*lines, *(f"note: {note}" for note in notes)]))
    return max(code, gate_code(args, reported, lambda p: worst_severity(p["steps"])))
