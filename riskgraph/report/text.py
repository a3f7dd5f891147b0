"""Plain-text reports for the terminal: ranked paths as numbered steps, and the catalog."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from riskgraph.report.routes import Routes
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
    blocks = []
    for rank, path in enumerate(paths.paths, 1):
        steps = f"{len(path.steps)} step{'s' * (len(path.steps) != 1)}"
        meaning = paths.vertices.get(path.target, {}).get("stands_for")
        lines = [f"Path {rank}: {path.source} -> {path.target}"
                 + (f" ({meaning})" if meaning else ""),
                 f"  cost {path.cost:g}, {steps}, confidence {path.confidence}"]
        for number, step in enumerate(path.steps, 1):
            lines.append(f"  {number:>2}. {step.target}")
            lines.append(f"      [{step.technique}, {step.confidence}]")
            lines.append(_wrap(step.reason, "      "))
            if evidence:
                lines.extend(f"      evidence: {item}" for item in step.evidence)
        blocks.append("\n".join(lines))
    shown = len(paths.paths)
    footer = f"{shown} path{'s' * (shown != 1)} shown, cheapest first"
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
