"""Snapshots: what a live read of a cluster saw, kept as one versioned JSON file.

A snapshot is analysed later, or elsewhere, exactly like the cluster it was taken from::

    {"riskgraph_snapshot": 1, "source": "k8s", "taken_at": "2025-01-31T09:00:00+00:00",
     "context": "prod", "server": "https://...", "problems": [{"source": ..., "message": ...}],
     "items": [<raw API objects with kind and apiVersion, one a line>]}

Reading needs no code of its own beyond the header: ``--k8s`` streams the ``items`` like any
``kubectl get -o json`` dump (``ingest._json_stream``) and ``ingest._objects.parse_object``
checks the version and carries the recorded problems into the Inventory. Secret values are
never in a snapshot: the live reader strips them before anything is written.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from riskgraph.errors import InputError, Problem

if TYPE_CHECKING:
    from ingest.k8s_live import LiveCluster, PageProgress

__all__ = ["SNAPSHOT_KEY", "SNAPSHOT_VERSION", "check_version", "recorded_problems",
           "write_snapshot"]

#: The key that marks a JSON object as a riskgraph snapshot; its value is the format version.
SNAPSHOT_KEY = "riskgraph_snapshot"
#: The newest snapshot format this riskgraph reads and the one it writes.
SNAPSHOT_VERSION = 1
_COMPACT = (",", ":")


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


def _header(cluster: LiveCluster, taken_at: datetime) -> dict[str, Any]:
    """The header's keys, up to and including ``problems``."""
    header = {SNAPSHOT_KEY: SNAPSHOT_VERSION, "source": "k8s",
              "taken_at": taken_at.isoformat(timespec="seconds"),
              "context": cluster.context, "server": cluster.server,
              "problems": [dataclasses.asdict(p) for p in cluster.problems]}
    return header


def write_spooled(output: Path | IO[str], records: Iterable[object], key: str,
                  header: Callable[[], dict[str, Any]]) -> int:
    """Write a snapshot: the keys ``header()`` returns, then ``records`` as the list under
    ``key``, one compact JSON value a line.

    The records are spooled to a temporary file first, because the header (which says what
    could not be read) is only known once they are all read; so a read that fails part-way
    leaves no snapshot file behind. Returns how many records were written.
    """
    count = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for record in records:
            spool.write(json.dumps(record, separators=_COMPACT) + "\n")
            count += 1
        spool.seek(0)
        text = json.dumps(header(), separators=_COMPACT)[:-1] + f',\n"{key}":[\n'
        if isinstance(output, Path):
            with output.open("w", encoding="utf-8") as stream:
                _write_records(stream, text, spool)
        else:
            _write_records(output, text, spool)
    return count


def _write_records(stream: IO[str], head: str, spool: IO[str]) -> None:
    stream.write(head)
    first = True
    for line in spool:
        stream.write(line if first else "," + line)
        first = False
    stream.write("]}\n")


def write_snapshot(output: Path | IO[str], cluster: LiveCluster,
                   progress: PageProgress | None = None) -> int:
    """List every kind riskgraph reads from ``cluster`` and write a snapshot of it.

    The objects are spooled to a temporary file while the cluster is listed, because the
    header (which names the resource types that could not be listed) comes first; so a read
    that fails part-way leaves no snapshot file behind.

    Parameters
    ----------
    output
        The file to write (replaced if it exists), or an open text stream.
    cluster
        The connected cluster; its ``problems`` are complete once listing is done.
    progress
        Called after each page the API server returns.

    Returns
    -------
    int
        How many objects the snapshot holds.

    Raises
    ------
    InputError
        When the cluster cannot be read at all (see ``LiveCluster.objects``).
    """
    taken_at = datetime.now(UTC)
    return write_spooled(output, cluster.objects(progress), "items",
                         lambda: _header(cluster, taken_at))
