"""The fast path for a big JSON file: a list dump, or an array of documents, split without
decoding and then decoded one item at a time, both by ``msgspec``.

The file is memory-mapped, and ``msgspec`` checks the whole document and splits it into its
items as undecoded views of the mapping (``msgspec.Raw``: no copy, no Python value). Each
item is then decoded, validated and dropped before the next, as the streaming reader does,
with the line it starts on; pages already read are handed back to the kernel, so the file
never counts whole in the resident set while models are being built.

Anything else falls back, before a single object is read, to the streaming reader
(``ingest._json_stream``): invalid or truncated JSON, which it reads up to the damage and
reports with a line; what ``msgspec`` refuses and Python reads (``NaN``, a lone surrogate
escape, which Kubernetes reads as U+FFFD); snapshots; an object whose ``items`` is not an
array or whose kind is not a list; a file that is not a regular one, or is UTF-16.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import IO, Any

import msgspec

from ingest._objects import TOO_DEEP, Origin, ParsedObjects, parse_document
from ingest._replica_specs import ReplicaSpecs
from ingest.snapshot import SNAPSHOT_KEY
from riskgraph.errors import Problem

_BLANK = re.compile(rb"[ \t\n\r]*")
_KEY = re.compile(rb'"((?:[^"\\]|\\.)*)"[ \t\n\r]*:[ \t\n\r]*')
_GAP = re.compile(rb"[ \t\n\r]*,?[ \t\n\r]*")  # between two values of an object or array
_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])
_decode = msgspec.json.Decoder().decode
_RELEASE = 1 << 24  # bytes read between two hand-backs of the mapping's pages
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)  # None where pages stay mapped


class _Fallback(Exception):
    """The file is left to the streaming reader."""


def _loads(text: str) -> Any:
    try:
        return _decode(text)
    except msgspec.DecodeError:  # a number past a float's range, which Python reads as inf
        return json.loads(text)


class _Mapped:
    """A memory-mapped file: where each value lies, and its lines."""

    def __init__(self, mapping: mmap.mmap) -> None:
        self.data, self.line, self._counted, self._released = mapping, 1, 0, 0

    def line_at(self, offset: int) -> int:
        """The line of byte ``offset``; offsets must not go backwards between calls."""
        self.line += self.data[self._counted:offset].count(b"\n")
        self._counted = offset
        return self.line

    def release(self, offset: int | None = None) -> None:
        """Hand back the pages before ``offset`` (re-read from the file if touched again),
        or with no offset every page, reading going on from where it is."""
        if _DONTNEED is None:
            return
        if offset is None:
            self.data.madvise(_DONTNEED)
            return
        start = self._released - self._released % mmap.PAGESIZE
        if offset - start >= _RELEASE:
            self.data.madvise(_DONTNEED, start, offset - start)
            self._released = offset

    def members(self, start: int, raw: dict[str, msgspec.Raw]) -> Iterator[tuple[str, int]]:
        """Each key of the object at ``start`` with its value's offset, in text order."""
        pos = _BLANK.match(self.data, start + 1).end()  # type: ignore[union-attr]
        for key, value in raw.items():
            match = _KEY.match(self.data, pos)
            if match is None or _loads(f'"{match[1].decode()}"') != key:
                raise _Fallback  # a key given twice: the text and the decoded object differ
            yield key, match.end()
            pos = _GAP.match(self.data, match.end() + len(value)).end()  # type: ignore[union-attr]

    def elements(self, start: int, raws: list[msgspec.Raw],
                 read_directly: Callable[[msgspec.Raw, int, int], bool] | None = None
                 ) -> Iterator[tuple[Any, Origin]]:
        """Each element of the array at ``start``, decoded, with its origin; an element
        ``read_directly(raw, offset, line)`` reads is skipped."""
        pos = _BLANK.match(self.data, start + 1).end()  # type: ignore[union-attr]
        for raw in raws:
            line = self.line_at(pos)
            if read_directly is not None and read_directly(raw, pos, line):
                pos = _GAP.match(self.data, pos + len(raw)).end()  # type: ignore[union-attr]
                self.release(pos)
                continue
            try:
                text = str(raw, "utf-8")
            except UnicodeDecodeError as error:
                raise _Broken(f"not UTF-8 text ({error.reason}; a binary file?); the rest "
                              "of the file is skipped", line) from None
            try:
                value = _loads(text)
            except RecursionError:
                raise _Broken(TOO_DEEP + "; the rest of the file is skipped", line) from None
            yield value, Origin(text, 0, len(text), line)
            self.line, self._counted = line + text.count("\n"), pos + len(raw)
            pos = _GAP.match(self.data, pos + len(raw)).end()  # type: ignore[union-attr]
            self.release(pos)


class _Broken(Exception):
    """An item that cannot be read ends the file, as in the streaming reader."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def _start(data: mmap.mmap) -> int:
    """Offset of the document's first character past a UTF-8 byte-order mark and blanks."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _Fallback  # UTF-16
    bom = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    return _BLANK.match(data, bom).end()  # type: ignore[union-attr]


def _plan(mapped: _Mapped, start: int) -> tuple[int, list[msgspec.Raw], str | None, bool]:
    """Where the items start, the items, the kind they take unless they say, and whether
    items without a kind wait for the others (the kind follows them in the text)."""
    data, document = mapped.data, memoryview(mapped.data)[start:]
    if data[start:start + 1] == b"[":
        return start, _ARRAY.decode(document), None, False
    top = _OBJECT.decode(document)
    kind = top.get("kind")
    kind = _loads(str(kind, "utf-8")) if kind is not None else None
    if SNAPSHOT_KEY in top or "items" not in top or not isinstance(kind, str) \
            or not kind.endswith("List"):
        raise _Fallback
    offsets = dict(mapped.members(start, top))
    if data[offsets["items"]:offsets["items"] + 1] != b"[":
        raise _Fallback
    items = _ARRAY.decode(top["items"])
    later = list(top).index("kind") > list(top).index("items")
    return offsets["items"], items, kind.removesuffix("List"), later


def _read(mapped: _Mapped, source: str, out: ParsedObjects) -> None:
    start = _start(mapped.data)
    try:
        at, items, item_kind, later = _plan(mapped, start)
    except (msgspec.DecodeError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _Fallback from None
    mapped.line_at(at)
    mapped.release()  # splitting read every page
    waiting: list[tuple[dict[str, Any], Origin]] = []
    specs, list_kind = ReplicaSpecs(out.alike), None if later else item_kind

    def read_live_pod(raw: msgspec.Raw, offset: int, line: int) -> bool:
        if mapped.data.find(b'"nodeName"', offset, offset + len(raw)) < 0:
            return False  # only bound pods repeat a spec often enough to pay
        try:
            str(raw, "utf-8")  # what is not UTF-8 is reported by the ordinary path
        except UnicodeDecodeError:
            return False
        pod = specs.pod(raw, list_kind)
        if pod is not None:
            out.add(pod, source, line)
        return pod is not None

    try:
        for item, origin in mapped.elements(at, items, read_live_pod):
            if item_kind is None or not isinstance(item, dict) or "kind" in item:
                parse_document(item, source, origin, out)
            elif later:
                waiting.append((item, origin))
            else:
                parse_document({**item, "kind": item_kind}, source, origin, out)
    except _Broken as broken:
        out.problems.append(Problem(source, broken.message, broken.line))
    for item, origin in waiting:
        parse_document({**item, "kind": item_kind}, source, origin, out)


def read_json_file(binary: IO[bytes], source: str, out: ParsedObjects) -> bool:
    """Read ``binary`` into ``out`` if it is a regular file holding one JSON list dump or
    array of documents; False (nothing read, the file's position untouched) otherwise."""
    try:
        info = os.fstat(binary.fileno())
    except (OSError, ValueError):
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return False
    try:
        data = mmap.mmap(binary.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # a file system that cannot map files: read it as a stream
        return False
    try:
        _read(_Mapped(data), source, out)
    except _Fallback:
        return False
    finally:
        # a view of it still held (by an error's traceback) keeps the mapping until it goes
        with suppress(BufferError):
            data.close()
    return True
