"""Plain-text reports for the terminal: ranked paths as numbered steps, one line each, or
by route group; and the catalog."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from riskgraph.report.routes import Route, Routes
from riskgraph.techniques import Technique

_WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def paths_table(paths: Routes, *, evidence: bool = False) -> str:
    """Each path as a header line (rank, cost, confidence, source -> target) and numbered
    steps, each with its technique, confidence and reason.

    >>> from queries import PathSet
    >>> paths_table(PathSet(paths=(), sources=1, targets=3))
    'No attack paths found (1 source, 3 targets searched).'
    """
    if not paths.paths:
        return (f"No attack paths found ({paths.sources} source{'s' * (paths.sources != 1)}, "
                f"{paths.targets} target{'s' * (paths.targets != 1)} searched).")
    blocks = [_path_block(f"Path {rank}", path, evidence, paths.vertices)
              for rank, path in enumerate(paths.paths, 1)]
    shown = len(paths.paths)
    footer = f"{shown} path{'s' * (shown != 1)} shown, cheapest first"
    if paths.truncated:
        footer += "; more targets are reachable (raise --top to see them)"
    return "\n\n".join(blocks) + "\n\n" + footer + "."


def _path_block(title: str, path: Route, evidence: bool,
                vertices: Mapping[str, Mapping[str, Any]]) -> str:
    steps = f"{len(path.steps)} step{'s' * (len(path.steps) != 1)}"
    meaning = vertices.get(path.target, {}).get("stands_for")
    lines = [f"{title}: {path.source} -> {path.target}" + (f" ({meaning})" if meaning else ""),
             f"  cost {path.cost:g}, {steps}, confidence {path.confidence}"]
    for number, step in enumerate(path.steps, 1):
        lines.append(f"  {number:>2}. {step.target}")
        lines.append(f"      [{step.technique}, {step.confidence}]")
        lines.append(_wrap(step.reason, "      "))
        if evidence:
            lines.extend(f"      evidence: {item}" for item in step.evidence)
    return "\n".join(lines)


def brief_table(paths: Routes) -> str:
    """One line per path: rank, cost, confidence, source -> target and the technique chain."""
    if not paths.paths:
        return paths_table(paths)
    lines = [f"{'#':>3}  {'COST':>6}  {'CONFIDENCE':<10}  ROUTE"]
    for rank, path in enumerate(paths.paths, 1):
        chain = " > ".join(_collapsed(step.technique for step in path.steps))
        lines.append(f"{rank:>3}  {path.cost:>6g}  {path.confidence:<10}  "
                     f"{path.source} -> {path.target}")
        lines.append(_wrap(chain, " " * 27))
    return "\n".join(lines)


def _collapsed(techniques: Iterable[str]) -> list[str]:
    """Technique ids with a hub's in-and-out pair told once (``rbac.pods-exec`` twice)."""
    out: list[str] = []
    for technique in techniques:
        if not out or out[-1] != technique:
            out.append(technique)
    return out


def groups_table(paths: Routes, groups: Sequence[Mapping[str, Any]], *,
                 evidence: bool = False) -> str:
    """Route groups: per group its size, the targets it reaches by kind, the pattern, the
    shared vertices, the change to make first and one worked example (its cheapest path).

    ``groups`` are the ``groups`` entries of ``paths --format json``.
    """
    if not paths.paths:
        return paths_table(paths)
    blocks = []
    for number, group in enumerate(groups, 1):
        members = list(group["paths"])
        kinds = ", ".join(f"{kind} {n}" for kind, n in group.get("target_kinds", {}).items())
        lines = [f"Route group {number}: {len(members)} path{'s' * (len(members) != 1)} to "
                 f"{group['targets']} target{'s' * (group['targets'] != 1)} ({kinds})",
                 _wrap("pattern: " + " > ".join(_collapsed(group["pattern"])), "  ")]
        if group["via"]:
            lines.append(_wrap("via: " + ", ".join(group["via"]), "  "))
        fix = group.get("fix_first")
        if fix:
            lines.append(_wrap(f"fix first: {fix['change']} [{fix['technique']}]", "  "))
        lines.append(_path_block(f"  example, path {members[0] + 1}",
                                 paths.paths[members[0]], evidence, paths.vertices))
        blocks.append("\n".join(lines))
    shown = len(paths.paths)
    footer = (f"{shown} path{'s' * (shown != 1)} in {len(groups)} route group"
              f"{'s' * (len(groups) != 1)}, cheapest first (--ungrouped lists every path)")
    if paths.truncated:
        footer += "; more targets are reachable (raise --top to see them)"
    return "\n\n".join(blocks) + "\n\n" + footer + "."


def techniques_table(techniques: Sequence[Technique]) -> str:
    """The catalog: id, severity, MITRE id and title on one line, remediation below."""
    width = max(len(t.id) for t in techniques)
    lines = [f"{'ID':<{width}}  {'SEVERITY':<8}  {'MITRE':<9}  TITLE"]
    for t in techniques:
        lines.append(f"{t.id:<{width}}  {t.severity:<8}  {t.mitre or '-':<9}  {t.title}")
        lines.append(_wrap(f"fix: {t.remediation}", " " * (width + 2)))
    return "\n".join(lines)


def techniques_markdown(techniques: Sequence[Technique]) -> str:
    """The catalog as the Markdown table the README carries."""
    lines = ["| id | severity | MITRE | what it finds |", "|---|---|---|---|"]
    lines.extend(f"| `{t.id}` | {t.severity} | {t.mitre or '-'} | {t.title} |"
                 for t in techniques)
    return "\n".join(lines)
