"""Baselines: what a run adds to a previous ``--format json`` output of the same command.

Identity is a stable fingerprint, never a rank, cost or the wording of a reason: a finding
is its check and object, a path its technique chain and vertices, a fix its object, field
and technique. Each fingerprint is computed from the JSON form alone, so an output written
by an earlier run compares without carrying any extra field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Item = Mapping[str, Any]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def finding_fingerprint(finding: Item) -> str:
    """A finding: its check and object."""
    return _digest(str(finding["check"]), str(finding["object"]))


def path_fingerprint(path: Item) -> str:
    """A path: its technique chain and the vertices it visits."""
    steps = path["steps"]
    vertices = [str(steps[0]["from"])] + [str(step["to"]) for step in steps] if steps else []
    return _digest("path", *(str(step["technique"]) for step in steps), "|", *vertices)


def fix_fingerprint(fix: Item) -> str:
    """A fix: the object and field to change and the technique it takes away."""
    return _digest("fix", str(fix["object"]), str(fix.get("field")), str(fix["technique"]))


def compare(current: Sequence[Item], previous: Sequence[Item],
            fingerprint: Callable[[Item], str]) -> tuple[list[Item], dict[str, int]]:
    """The current items that are new, and the counts ``{"new", "unchanged", "gone"}``."""
    before = {fingerprint(item) for item in previous}
    now = [fingerprint(item) for item in current]
    new = [item for item, key in zip(current, now, strict=True) if key not in before]
    unchanged = len(current) - len(new)
    return new, {"new": len(new), "unchanged": unchanged,
                 "gone": len(before - set(now))}


def baseline_items(document: Any, key: str, source: str) -> list[Item]:
    """The list under ``key`` of a previous JSON output.

    Raises
    ------
    ValueError
        Naming the file when it is not such an output.
    """
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError(f"{source}: not a --format json output with a {key!r} list; give "
                         "the JSON this command wrote for the baseline run")
    return items
