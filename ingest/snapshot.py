"""Snapshots: what a live read of a cluster saw, kept as one versioned JSON file.

A snapshot is analysed later, or elsewhere, exactly like the cluster it was taken from::

    {"riskgraph_snapshot": 1, "source": "k8s", "taken_at": "2025-01-31T09:00:00+00:00",
     "context": "prod", "server": "https://...", "problems": [{"source": ..., "message": ...}],
     "items": [<raw API objects with kind and apiVersion, one a line>]}

Reading needs no code of its own beyond the header: ``--k8s`` streams the ``items`` like any
``kubectl get -o json`` dump (``ingest._json_stream``) and ``ingest._objects.parse_object``
checks the version and carries the recorded problems into the Inventory. Secret values are
never in a snapshot (nor ConfigMap data, nor containers' literal env values): the live reader
strips them before anything is written (``ingest._scrub``). Writing is
:mod:`ingest.snapshot_writers`, beside the live readers it drives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from riskgraph.errors import InputError, Problem

__all__ = ["SNAPSHOT_KEY", "SNAPSHOT_VERSION", "check_version", "recorded_problems"]

#: The key that marks a JSON object as a riskgraph snapshot; its value is the format version.
SNAPSHOT_KEY = "riskgraph_snapshot"
#: The newest snapshot format this riskgraph reads and the one it writes.
SNAPSHOT_VERSION = 1


def check_version(version: Any, source: str) -> None:
    """Refuse a snapshot whose format this riskgraph cannot read.

    Raises
    ------
    InputError
        When ``version`` is newer than :data:`SNAPSHOT_VERSION` or not a version number.
    """
    if version == SNAPSHOT_VERSION and isinstance(version, int) and not isinstance(version, bool):
        return
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        raise InputError(f"{source}: snapshot version {version} is newer than this riskgraph "
                         f"understands ({SNAPSHOT_VERSION}); upgrade riskgraph")
    raise InputError(f"{source}: '{SNAPSHOT_KEY}' should be a format version such as "
                     f"{SNAPSHOT_VERSION}, found {json.dumps(version)}; is the file a snapshot "
                     "written by riskgraph?")


def recorded_problems(header: Mapping[str, Any], source: str) -> list[Problem]:
    """The problems a snapshot recorded when it was taken (a forbidden resource type, ...)."""
    records = header.get("problems")
    if records is None:
        return []
    if not isinstance(records, list):
        return [Problem(source, "snapshot 'problems' is not a list; ignored")]
    problems = []
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("message"), str):
            line, obj = record.get("line"), record.get("obj")
            problems.append(Problem(
                str(record.get("source") or source), record["message"],
                line if isinstance(line, int) else None, obj if isinstance(obj, str) else None))
        else:
            problems.append(Problem(source, "snapshot problem record without a message; "
                                    "ignored"))
    return problems
