"""Offline Kubernetes input: manifests, ``kubectl get -o json|yaml`` dumps, ``helm template``.

Files and directories (recursively: ``*.yaml``, ``*.yml``, ``*.json``; hidden entries
skipped) and ``-`` for standard input. Every problem is recorded with its file, line and
object, and the rest of the input is still read.

JSON is decoded one object at a time, so a 150k-pod dump never exists as one tree of Python
dicts: only the slim models are kept (see ``bench/`` for the numbers). A regular file holding
one list dump goes through ``ingest._json_fast`` (memory-mapped, split by ``msgspec``);
anything else, or a file that path refuses, through the streaming reader
(``ingest._json_stream``), which keeps every object of a truncated dump that was complete.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from codecs import BOM_UTF16_BE, BOM_UTF16_LE
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import yaml

from ingest._json_fast import read_json_file
from ingest._json_stream import parse_json
from ingest._objects import TOO_DEEP, Origin, ParsedObjects, parse_document
from riskgraph._gc import gc_paused
from riskgraph.errors import InputError, Problem
from riskgraph.estate.inventory import Inventory
from riskgraph.models.kube_yaml import YAML_LOADER, expands_too_far, too_deep

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
STDIN = "-"
_CHUNK = 1 << 24  # characters of JSON text decoded per read
_ALIASED = ("its aliases (*name) expand it far beyond its text, or make it hold itself, "
            "which kubectl refuses; document skipped")
_DOC_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?=[ \t]|$)", re.MULTILINE)


# YAML ----------------------------------------------------------------------------------


def _yaml_documents(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each YAML document, split so one bad document spoils no other.

    A document's text starts just after its ``---``, on the separator's line, so that what
    follows the marker there (a comment, ``helm template``'s ``# Source:``) stays with it.
    """
    start, line = 0, 1
    for match in _DOC_SEPARATOR.finditer(text):
        yield line, text[start:match.start()]
        line += text.count("\n", start, match.start())
        start = match.end()
    yield line, text[start:]


def _parse_yaml(text: str, source: str, out: ParsedObjects) -> None:
    for first_line, chunk in _yaml_documents(text):
        if not chunk.strip():
            continue
        try:
            if too_deep(chunk):
                out.problems.append(Problem(source, TOO_DEEP + "; document skipped",
                                            first_line))
                continue
            if expands_too_far(chunk):
                out.problems.append(Problem(source, _ALIASED, first_line))
                continue
            doc = yaml.load(chunk, Loader=YAML_LOADER)  # a safe loader: no arbitrary objects
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = first_line + mark.line if mark is not None else first_line
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            out.problems.append(Problem(source, f"not valid YAML ({problem}); document "
                                        "skipped", line))
            continue
        parse_document(doc, source, Origin(chunk, 0, len(chunk), first_line), out)


# Files ---------------------------------------------------------------------------------


def _parse_stream(stream: IO[str], source: str, out: ParsedObjects) -> None:
    """JSON when the first character that is not blank opens an object or array, else YAML."""
    head = ""
    while not head.strip() and (chunk := stream.read(_CHUNK)):
        head += chunk
    if head.lstrip()[:1] in ("{", "["):
        parse_json(stream, head, source, out, _CHUNK)
    else:
        _parse_yaml(head + stream.read(), source, out)


def parse_text(text: str, source: str = "<text>") -> ParsedObjects:
    """Parse YAML (multi-document) or JSON text."""
    out = ParsedObjects(sources=[source])
    _parse_stream(io.StringIO(text, newline=None), source, out)
    return out


def _parse_binary(binary: IO[bytes], source: str, out: ParsedObjects) -> None:
    """Decode UTF-8 (or UTF-16 with a byte-order mark, as PowerShell writes redirections)."""
    peek = getattr(binary, "peek", None)
    utf16 = peek is not None and peek(2)[:2] in (BOM_UTF16_LE, BOM_UTF16_BE)
    stream = io.TextIOWrapper(binary, encoding="utf-16" if utf16 else "utf-8-sig", newline=None)
    try:
        _parse_stream(stream, source, out)
    except UnicodeDecodeError as error:
        out.problems.append(Problem(source, f"not {'UTF-16' if utf16 else 'UTF-8'} text "
                                    f"({error.reason}; a binary file?); "
                                    "the rest of the file is skipped"))
    finally:
        stream.detach()  # leave the binary stream (standard input, perhaps) to its owner


def _file_type(mode: int) -> str | None:
    """What a file that is not a regular one is (None for a regular file)."""
    for test, name in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "a special file"


def _walk(directory: Path, problems: list[Problem]) -> Iterator[Path]:
    """The regular manifest files under ``directory``: reading a pipe or a device found
    there could wait forever, so those are reported, like folders that cannot be listed."""
    def unlisted(error: OSError) -> None:
        problems.append(Problem(str(error.filename or directory), f"cannot read directory "
                                f"({error.strerror}); the files in it are skipped"))

    for root, dirs, files in os.walk(directory, onerror=unlisted):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in \
                    MANIFEST_SUFFIXES:
                continue
            path = Path(root, name)
            try:
                kind = _file_type(path.stat().st_mode)
            except OSError as error:
                problems.append(Problem(str(path), f"cannot read: {error.strerror}"))
                continue
            if kind is None:
                yield path
            else:
                problems.append(Problem(str(path), f"{kind}, not a regular file; skipped"))


def manifest_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read: given files as they are (pipes too, as ``<(kubectl ...)`` gives),
    directories searched recursively for regular files."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if str(raw) == STDIN:
            files.append(path)
            continue
        try:
            mode = path.stat().st_mode
        except OSError as error:
            problems.append(Problem(str(path), "no such file or directory" if isinstance(
                error, FileNotFoundError) else f"cannot read: {error.strerror}"))
            continue
        kind = _file_type(mode)
        if stat.S_ISDIR(mode):
            reported = len(problems)
            found = sorted(_walk(path, problems))
            if not found and len(problems) == reported:
                problems.append(Problem(str(path), "directory holds no .yaml, .yml or .json "
                                        "file"))
            files.extend(found)
        elif kind is None or stat.S_ISFIFO(mode):
            files.append(path)
        else:
            problems.append(Problem(str(path), f"{kind}, not a file or a pipe; skipped"))
    return files, problems


def read_k8s(paths: Iterable[str | Path]) -> ParsedObjects:
    """Read every file under ``paths`` (``-`` is standard input) into parsed objects.

    Raises
    ------
    InputError
        When nothing at all could be read and something went wrong (a missing path, an
        empty directory, files that do not parse).
    """
    files, problems = manifest_files(paths)
    out = ParsedObjects(problems=problems)
    with gc_paused():
        for path in files:
            source = "<stdin>" if str(path) == STDIN else str(path)
            out.sources.append(source)
            if str(path) == STDIN:
                _parse_binary(sys.stdin.buffer, source, out)
                continue
            try:
                with path.open("rb") as binary:
                    if not read_json_file(binary, source, out):
                        _parse_binary(binary, source, out)
            except OSError as error:
                out.problems.append(Problem(source, f"cannot read: {error.strerror}"))
    if not out.objects and not out.unknown_kinds and not out.aws.sources and out.problems:
        raise InputError("nothing could be read from the input:\n  "
                         + "\n  ".join(str(p) for p in out.problems))
    return out


def load_k8s(paths: Iterable[str | Path]) -> Inventory:
    """Read manifests, dumps or ``helm template`` output into an Inventory.

    What was skipped is in ``inventory.problems`` and ``inventory.unknown_kinds``.
    """
    parsed = read_k8s(paths)
    with gc_paused():
        return parsed.inventory()


def inventory_from_text(text: str, source: str = "<text>") -> Inventory:
    """An Inventory from YAML or JSON text (handy in notebooks and tests)."""
    return parse_text(text, source).inventory()
