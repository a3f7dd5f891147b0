"""Offline Kubernetes input: manifests, ``kubectl get -o json|yaml`` dumps, ``helm template``.

Files and directories (recursively: ``*.yaml``, ``*.yml``, ``*.json``; hidden entries
skipped) and ``-`` for standard input. Every problem is recorded with its file, line and
object, and the rest of the input is still read.

JSON is decoded one object at a time from text read in chunks (``ingest._json_stream``), so
a 150k-pod dump never exists as one tree of Python dicts: only the slim models are kept (see
``bench/`` for the numbers). A truncated dump keeps every object that was complete.
"""

from __future__ import annotations

import io
import os
import re
import sys
from codecs import BOM_UTF16_BE, BOM_UTF16_LE
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import yaml

from ingest._json_stream import parse_json
from ingest._objects import YAML_LOADER, Origin, ParsedObjects, parse_object
from riskgraph._gc import gc_paused
from riskgraph.errors import InputError, Problem
from riskgraph.estate.inventory import Inventory

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
STDIN = "-"
_CHUNK = 1 << 24  # characters of JSON text decoded per read
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
            doc = yaml.load(chunk, Loader=YAML_LOADER)  # a safe loader: no arbitrary objects
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = first_line + mark.line if mark is not None else first_line
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            out.problems.append(Problem(source, f"not valid YAML ({problem}); document "
                                        "skipped", line))
            continue
        parse_object(doc, source, Origin(chunk, 0, len(chunk), first_line), out)


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


def _walk(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        yield from (Path(root, f) for f in files if not f.startswith(".")
                    and os.path.splitext(f)[1].lower() in MANIFEST_SUFFIXES)


def manifest_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read: given files as they are, directories searched recursively."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(_walk(path))
            if not found:
                problems.append(Problem(str(path), "directory holds no .yaml, .yml or .json "
                                        "file"))
            files.extend(found)
        elif str(raw) == STDIN or path.exists():  # files, and pipes such as <(kubectl ...)
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or directory"))
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
