"""AWS snapshots: what a live read of an account saw, kept as one versioned JSON file::

    {"riskgraph_aws_snapshot": 1, "taken_at": "2025-01-31T09:00:00+00:00",
     "account": "111122223333", "regions": ["eu-west-1"],
     "problems": [{"source": "aws:kms get-key-policy eu-west-1", "message": ...}],
     "documents": [{"source": "aws:iam get-account-authorization-details",
                    "document": {<the response as the AWS CLI prints it>}}, ...]}

No document holds a value that may be a credential: a launch template's ``UserData`` is
replaced by ``UserDataBytes``, its size, as it is read (``ingest._scrub``).

It is read back like any other input file (``ingest.read_k8s``): ``ingest._objects``
hands the decoded object to :func:`parse_aws_snapshot`, which checks the version, keeps the
recorded problems and parses each document as ``ingest.aws_files`` parses CLI output. This
module imports no boto3, so reading a snapshot needs no AWS libraries; writing is
:mod:`ingest.snapshot_writers`.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from ingest.aws_files import parse_aws_document
from ingest.snapshot import recorded_problems
from riskgraph.errors import InputError, Problem
from riskgraph.estate import AwsInventory

__all__ = ["AWS_SNAPSHOT_KEY", "AWS_SNAPSHOT_VERSION", "ParsedAws", "parse_aws_response",
           "parse_aws_snapshot"]

#: The key that marks a JSON object as an AWS snapshot; its value is the format version.
AWS_SNAPSHOT_KEY = "riskgraph_aws_snapshot"
#: The newest AWS snapshot format this riskgraph reads and the one it writes.
AWS_SNAPSHOT_VERSION = 1


class ParsedAws(Protocol):
    """Where parsed AWS documents go (``ingest.ParsedObjects`` is one)."""

    @property
    def aws(self) -> AwsInventory: ...
    @property
    def problems(self) -> list[Problem]: ...


def parse_aws_response(document: dict[str, Any], source: str, out: ParsedAws) -> None:
    """Parse one AWS response document into ``out.aws``; one riskgraph does not know is a
    problem, not an error."""
    if not parse_aws_document(document, source, out.aws, out.problems):
        keys = ", ".join(sorted(document)[:4]) or "none"
        out.problems.append(Problem(source, f"AWS response riskgraph does not read (keys: "
                                    f"{keys}); skipped"))


def _check_version(version: Any, source: str) -> None:
    """Refuse a snapshot whose format this riskgraph cannot read.

    Raises
    ------
    InputError
        When ``version`` is newer than :data:`AWS_SNAPSHOT_VERSION` or not a version.
    """
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        if version <= AWS_SNAPSHOT_VERSION:
            return
        raise InputError(f"{source}: AWS snapshot version {version} is newer than this "
                         f"riskgraph understands ({AWS_SNAPSHOT_VERSION}); upgrade riskgraph")
    raise InputError(f"{source}: '{AWS_SNAPSHOT_KEY}' should be a format version such as "
                     f"{AWS_SNAPSHOT_VERSION}, found {json.dumps(version)}; is the file an "
                     "AWS snapshot written by riskgraph?")


def parse_aws_snapshot(doc: dict[str, Any], source: str, out: ParsedAws) -> None:
    """Every document of an AWS snapshot, and the problems it recorded, into ``out``.

    Raises
    ------
    InputError
        For a snapshot in a format newer than this riskgraph reads.
    """
    _check_version(doc[AWS_SNAPSHOT_KEY], source)
    out.problems.extend(recorded_problems(doc, source))
    documents = doc.get("documents")
    if not isinstance(documents, list):
        out.problems.append(Problem(source, "AWS snapshot without a 'documents' list; "
                                    "nothing read from it"))
        return
    for index, entry in enumerate(documents):
        document = entry.get("document") if isinstance(entry, dict) else None
        if not isinstance(document, dict):
            out.problems.append(Problem(source, f"documents[{index}] is not a "
                                        "{source, document} object; skipped"))
            continue
        label = entry.get("source")
        parse_aws_response(document, f"{source} [{label}]" if label else source, out)
