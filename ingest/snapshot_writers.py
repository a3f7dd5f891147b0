"""Writing snapshots: a live read of a cluster or an AWS account, kept as one versioned
JSON file (the formats are described in :mod:`ingest.snapshot` and
:mod:`ingest.aws_snapshot`, which read them back).

Writers live beside the live readers they drive, apart from the reading modules, so
reading a snapshot never imports the live clients.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ingest._aws_calls import CallRead
from ingest.aws_live import AwsAccountReader
from ingest.aws_snapshot import AWS_SNAPSHOT_KEY, AWS_SNAPSHOT_VERSION
from ingest.k8s_live import LiveCluster, PageProgress
from ingest.snapshot import SNAPSHOT_KEY, SNAPSHOT_VERSION

__all__ = ["write_aws_snapshot", "write_snapshot", "write_spooled"]

_COMPACT = (",", ":")


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


def _aws_header(reader: AwsAccountReader, taken_at: datetime) -> dict[str, Any]:
    """The header's keys, up to and including ``problems``."""
    header = {AWS_SNAPSHOT_KEY: AWS_SNAPSHOT_VERSION,
              "taken_at": taken_at.isoformat(timespec="seconds"),
              "account": reader.account, "regions": list(reader.regions),
              "problems": [dataclasses.asdict(p) for p in reader.problems]}
    return header


def write_aws_snapshot(reader: AwsAccountReader, output: Path | IO[str],
                       progress: Callable[[CallRead], None] | None = None) -> int:
    """Read the account and write an AWS snapshot of it.

    The documents are spooled to a temporary file while the account is read, because the
    header (which holds what could not be read) comes first; so a read that fails part-way
    leaves no snapshot file behind.

    Parameters
    ----------
    reader
        The account to read.
    output
        The file to write (replaced if it exists), or an open text stream.
    progress
        Called after each call AWS answers.

    Returns
    -------
    int
        How many documents the snapshot holds.

    Raises
    ------
    InputError
        When the account cannot be read at all (credentials, network).
    """
    taken_at = datetime.now(UTC)
    records = ({"source": source, "document": document}
               for source, document in reader.documents(progress))
    return write_spooled(output, records, "documents", lambda: _aws_header(reader, taken_at))
