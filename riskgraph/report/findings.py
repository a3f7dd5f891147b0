"""The terminal table of ``riskgraph findings``, drawn from its JSON document: findings
grouped by the object to change (a workload, a principal, a node group), worst first."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

_WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def baseline_line(counts: Mapping[str, int]) -> str:
    """``3 new, 41 unchanged, 2 gone`` from a document's ``baseline`` counts."""
    return f"{counts['new']} new, {counts['unchanged']} unchanged, {counts['gone']} gone"


def findings_table(document: Mapping[str, Any]) -> str:
    """One block per object, the object with the worst finding first; each finding with
    its severity, path count, check, reason and remediation; then the summary."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for finding in document["findings"]:
        groups.setdefault(finding["object"], []).append(finding)
    blocks = []
    for obj, rows in groups.items():
        where = next((f" ({r['file']}{':' + str(r['line']) if r['line'] else ''})"
                      for r in rows if r.get("file")), "")
        lines = [f"{obj}{where}"]
        for row in rows:
            lines.append(f"  [{row['severity']}] {row['check']}: {row['title']} "
                         f"({row['paths']} path{'s' * (row['paths'] != 1)})")
            lines.append(_wrap(row["reason"], "      "))
            lines.append(_wrap(f"fix: {row['remediation']}", "      "))
        blocks.append("\n".join(lines))
    summary = document["summary"]
    by_severity = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items()) or "none"
    total = len(document["findings"])
    footer = [f"{total} finding{'s' * (total != 1)} ({by_severity}) on {len(groups)} "
              f"object{'s' * (len(groups) != 1)}"]
    if summary["suppressed"]:
        footer.append(f"{len(summary['suppressed'])} suppressed: " + "; ".join(
            f"{s['check']} on {s['object']} ({s['suppressed']})" for s in summary["suppressed"]))
    if "baseline" in document:
        footer.append("baseline: " + baseline_line(document["baseline"]))
    if not blocks:
        return "No findings.\n" + "\n".join(footer)
    return "\n\n".join(blocks) + "\n\n" + "\n".join(footer)
