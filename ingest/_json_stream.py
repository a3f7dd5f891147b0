"""Streaming JSON: text read in chunks and decoded one value at a time, with line numbers.

The items of a top-level object's ``items`` array (the bulk of a ``kubectl get -o json``
dump or of a riskgraph snapshot) are validated as each is decoded, so a 150k-pod dump never
exists as one tree of Python dicts. A truncated dump keeps every item that was complete.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from ingest._objects import TOO_DEEP, Origin, ParsedObjects, parse_document
from ingest._unicode import SURROGATE_ESCAPE, replace_lone_surrogates
from ingest.snapshot import SNAPSHOT_KEY, check_version, recorded_problems
from riskgraph.errors import Problem

_BLANK = re.compile(r"[ \t\n\r]*")
# The C scanner behind json.loads, which decodes one value at a given index.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class _TooDeep(json.JSONDecodeError):
    """Valid JSON, perhaps, but nested deeper than Python decodes."""


class _JsonText:
    """JSON text read in chunks, decoded one value at a time, with line numbers."""

    def __init__(self, stream: IO[str], text: str, chunk_size: int) -> None:
        self._read, self._chunk_size = stream.read, chunk_size
        self.text, self.pos, self.eof = text, 0, False
        self._line, self._counted = 1, 0  # the line on which text[_counted] lies

    def line(self, index: int | None = None) -> int:
        """Line of ``text[index]``; indices must not go backwards between calls."""
        index = self.pos if index is None else index
        self._line += self.text.count("\n", self._counted, index)
        self._counted = index
        return self._line

    def _more(self) -> bool:
        """Append the next chunk (at least doubling a long unfinished value); False at EOF."""
        if self.eof:
            return False
        chunk = self._read(max(self._chunk_size, len(self.text) - self.pos))
        self.line()
        self.text, self._counted, self.pos = self.text[self.pos:] + chunk, 0, 0
        self.eof = not chunk
        return True

    def peek(self) -> str:
        """The next character that is not blank ('' at the end), blanks consumed."""
        while True:
            self.pos = _BLANK.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return ""

    def take(self, char: str) -> bool:
        if self.peek() != char:
            return False
        self.pos += 1
        return True

    def error(self, message: str) -> json.JSONDecodeError:
        return json.JSONDecodeError(message, self.text, self.pos)

    def value(self) -> tuple[Any, Origin]:
        """The next value and where it lies; a value cut by the chunk end is read again."""
        self.peek()
        while True:
            try:
                value, end = _SCAN(self.text, self.pos)
            except StopIteration:
                if self._more():
                    continue
                raise self.error("Expecting value") from None
            except json.JSONDecodeError:
                if self._more():
                    continue
                raise
            except RecursionError:  # the C scanner recurses once per level
                raise _TooDeep(TOO_DEEP, self.text, self.pos) from None
            if end == len(self.text) and not isinstance(value, dict | list | str) \
                    and self._more():
                continue  # a number may go on in the next chunk
            if SURROGATE_ESCAPE.search(self.text, self.pos, end):
                value = replace_lone_surrogates(value)
            origin = Origin(self.text, self.pos, end, self.line())
            self.pos = end
            return value, origin

    def elements(self) -> Iterator[tuple[Any, Origin]]:
        """The values of the array whose ``[`` was just consumed."""
        if self.take("]"):
            return
        while True:
            yield self.value()
            if self.take("]"):
                return
            if not self.take(","):
                raise self.error("Expecting ',' delimiter")


def _json_object(reader: _JsonText, source: str, out: ParsedObjects) -> None:
    """A top-level object whose ``items`` (a dump's bulk) are validated as they are decoded."""
    start, text, line = reader.pos, reader.text, reader.line()
    reader.pos += 1
    top: dict[str, Any] = {}
    listed = ParsedObjects()  # items with a kind, committed once the object proves a List
    untyped: list[tuple[dict[str, Any], Origin]] = []  # API-list items waiting for the kind
    streamed = False  # whether "items" was an array, read item by item
    try:
        while not reader.take("}"):
            key, _ = reader.value()
            if not isinstance(key, str) or not reader.take(":"):
                raise reader.error("Expecting property name and ':'")
            if key == "items" and reader.peek() == "[":
                reader.pos += 1
                list_kind = top.get("kind")
                for item, origin in reader.elements():
                    if not isinstance(item, dict) or "kind" in item:
                        parse_document(item, source, origin, listed)
                    elif isinstance(list_kind, str) and list_kind.endswith("List"):
                        parse_document({**item, "kind": list_kind.removesuffix("List")}, source,
                                     origin, listed)
                    else:  # the list's kind comes later in the text
                        untyped.append((item, origin))
                top["items"], streamed = None, True
            else:
                top[key] = reader.value()[0]
                if key == SNAPSHOT_KEY:  # refuse an unknown format before reading its items
                    check_version(top[key], source)
            if not reader.take(",") and reader.peek() != "}":
                raise reader.error("Expecting ',' delimiter")
    except json.JSONDecodeError:
        out.extend(listed)  # a truncated dump: keep every item that was complete
        if SNAPSHOT_KEY in top:
            out.problems.extend(recorded_problems(top, source))
        raise
    kind = top.get("kind")
    if SNAPSHOT_KEY in top:
        out.extend(listed)
        for item, origin in untyped:
            parse_document(item, source, origin, out)
        top.pop("items", None)
        parse_document(top, source, None, out)  # the header: version and recorded problems
        return
    if streamed and isinstance(kind, str) and kind.endswith("List"):
        out.extend(listed)
        for item, origin in untyped:
            parse_document({**item, "kind": kind.removesuffix("List")}, source, origin, out)
        return
    if streamed:  # not a list after all: no kind riskgraph reads has "items"
        top.pop("items")
    same_text = reader.text is text
    parse_document(top, source, Origin(text, start, reader.pos if same_text else start, line), out)


def parse_json(stream: IO[str], text: str, source: str, out: ParsedObjects,
               chunk_size: int) -> None:
    """Decode the JSON values of ``text`` and then of ``stream`` into ``out``.

    ``stream`` is read ``chunk_size`` characters at a time. Invalid JSON is recorded as a
    problem and ends the input; what was complete before it is kept.
    """
    reader = _JsonText(stream, text, chunk_size)
    try:
        while (char := reader.peek()) != "":
            if char == "{":
                _json_object(reader, source, out)
            elif char == "[":
                reader.pos += 1
                for item, origin in reader.elements():
                    parse_document(item, source, origin, out)
            else:
                value, origin = reader.value()
                parse_document(value, source, origin, out)
    except json.JSONDecodeError as error:
        what = error.msg if isinstance(error, _TooDeep) else f"not valid JSON ({error.msg})"
        out.problems.append(Problem(source, f"{what}; the rest of the file is skipped",
                                    reader.line(max(error.pos, reader.pos))))
