"""Terminal tables of the decision queries, drawn from their JSON documents (so the table
shows exactly what ``--format json`` says): ranked fixes and blast radius."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

_WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def fixes_table(plan: Mapping[str, Any], what: str = "paths") -> str:
    """Ranked fixes: per fix the object and field to change, what it removes, what remains
    and how much of the whole all fixes so far remove.

    ``plan`` is the document of ``fixes --format json``; ``what`` names the question's
    targets in the coverage line ("paths to secret").
    """
    summary = plan["summary"]
    before = summary["paths_before"]
    if not before:
        return f"No attack paths found, so nothing to fix ({what})."
    if not plan["fixes"]:
        why = summary.get("note") or "every route runs through structural steps only"
        return _wrap(f"{before} path{'s' * (before != 1)} ({what}) and no change removes "
                     f"one: {why}.", "")
    blocks = []
    for fix in plan["fixes"]:
        where = f" ({fix['file']}:{fix['line']})" if fix.get("file") else ""
        removed = before - fix["remaining"]["paths"]
        lines = [f"Fix {fix['rank']}: {fix['object']}{where}",
                 _wrap(f"change: {fix['change']}", "  "),
                 f"  technique: {fix['technique']}; edges cut: {len(fix['edges'])}",
                 f"  removes {fix['removes']['paths']} path"
                 f"{'s' * (fix['removes']['paths'] != 1)}; {fix['remaining']['paths']} "
                 f"remain; fixes 1-{fix['rank']} remove {_share(removed, before)} of {what}",
                 _wrap(f"how: {fix['remediation']}", "  ")]
        blocks.append("\n".join(lines))
    after = summary["paths_after"]
    footer = (f"{len(plan['fixes'])} fix{'es' * (len(plan['fixes']) != 1)} remove "
              f"{before - after} of {before} {what} ({_share(before - after, before)}); "
              f"{after} remain{'s' * (after == 1)}. Each number is a search without the "
              "fixed edges.")
    if summary.get("note"):
        footer += "\n" + _wrap(f"Note: {summary['note']}.", "")
    return "\n\n".join(blocks) + "\n\n" + footer


#: Classes of what falls besides the crown jewels, by vertex kind.
_CLASS_OF_KIND = {"ServiceAccount": "service-account", "Node": "node", "NodePool": "node",
                  "IAMRole": "iam-principal", "IAMUser": "iam-principal"}


def _class(item: Mapping[str, Any]) -> str | None:
    return item["crown_jewel"] or _CLASS_OF_KIND.get(item["kind"])


def blast_table(blast: Mapping[str, Any], *, per_class: int = 5) -> str:
    """Blast radius: counts by crown-jewel class and by kind, then what falls by class
    (crown jewels, service accounts, nodes, IAM principals), cheapest first, ``per_class``
    per class."""
    reachable = blast["reachable"]
    if not reachable:
        return f"Nothing is reachable from {blast['source']} within the bounds."
    summary = blast["summary"]
    lines = [f"Blast radius of {blast['source']}: {len(reachable)} vertices reachable",
             "  crown jewels: " + (", ".join(f"{cls} {n}" for cls, n in
                                            summary["crown_jewels"].items()) or "none"),
             _wrap("by kind: " + ", ".join(f"{kind} {n}" for kind, n in
                                          summary["by_kind"].items()), "  "), ""]
    lines.append(f"{'CLASS':<18}  {'COST':>5}  {'HOPS':>4}  {'CONFIDENCE':<10}  ID")
    shown: dict[str, int] = {}
    hidden = 0
    for item in reachable:
        cls = _class(item)
        if cls is None:
            continue
        if shown.get(cls, 0) >= per_class:
            hidden += 1
            continue
        shown[cls] = shown.get(cls, 0) + 1
        lines.append(f"{cls:<18}  {item['cost']:>5g}  {item['hops']:>4}  "
                     f"{item['confidence']:<10}  {item['id']}")
    if hidden:
        lines.append(f"... and {hidden} more (--format json lists everything)")
    return "\n".join(lines)


def blast_rank_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Sources ranked by blast radius: what each reaches, riskiest first."""
    if not rows:
        return "No source to rank."
    lines = [f"{'#':>3}  {'JEWELS':>6}  {'REACH':>6}  SOURCE  (crown jewels by class)"]
    for rank, row in enumerate(rows, 1):
        classes = ", ".join(f"{cls} {n}" for cls, n in row["crown_jewels"].items())
        lines.append(f"{rank:>3}  {sum(row['crown_jewels'].values()):>6}  "
                     f"{row['reachable']:>6}  {row['source']}  ({classes or 'none'})")
    return "\n".join(lines)
