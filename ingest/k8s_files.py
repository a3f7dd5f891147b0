"""Offline Kubernetes input: manifests, ``kubectl get -o json|yaml`` dumps, ``helm template``.

Files and directories (recursively: ``*.yaml``, ``*.yml``, ``*.json``; hidden entries
skipped) and ``-`` for standard input. Every problem is recorded with its file, line and
object, and the rest of the input is still read.

JSON is decoded one object at a time from text read in chunks, so a 150k-pod dump never
exists as one tree of Python dicts: only the slim models are kept (see ``bench/`` for the
numbers). A truncated dump keeps every object that was complete.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from codecs import BOM_UTF16_BE, BOM_UTF16_LE
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import ValidationError

from riskgraph._gc import gc_paused
from riskgraph.errors import InputError, Problem
from riskgraph.inventory import Inventory
from riskgraph.models import MODEL_BY_KIND, K8sObject

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
STDIN = "-"
_CHUNK = 1 << 24  # characters of JSON text decoded per read
_PRECISE_LINES = 100  # problems per input whose field is located exactly (re-parses the object)
_DOC_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?=[ \t]|$)", re.MULTILINE)
_BLANK = re.compile(r"[ \t\n\r]*")
# The C scanner behind json.loads, which decodes one value at a given index.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class ParsedObjects:
    """What one or more inputs held: the objects riskgraph reads, and what it could not use."""

    objects: list[K8sObject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)

    def extend(self, other: ParsedObjects) -> None:
        self.objects.extend(other.objects)
        self.problems.extend(other.problems)
        self.unknown_kinds.update(other.unknown_kinds)
        self.sources.extend(other.sources)

    def inventory(self) -> Inventory:
        return Inventory.from_objects(self.objects, self.problems, self.unknown_kinds,
                                      self.sources)


@dataclass(frozen=True)
class Origin:
    """Where a decoded document came from: enough to find the line of any field in it,
    which is worked out only when a problem needs it."""

    text: str
    start: int
    end: int
    line: int
    path: tuple[str | int, ...] = ()

    def within(self, *path: str | int) -> Origin:
        return Origin(self.text, self.start, self.end, self.line, (*self.path, *path))

    def line_of(self, loc: tuple[str | int, ...] = ()) -> int:
        """The line of the field at ``loc`` (or of the nearest enclosing one that exists)."""
        try:
            node = yaml.compose(self.text[self.start:self.end], Loader=_Loader)
        except yaml.YAMLError:
            return self.line
        offset = node.start_mark.line if node is not None else 0
        for key in (*self.path, *loc):
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == key), None)
                if pair is None:
                    break
                offset, node = pair[0].start_mark.line, pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                    and key < len(node.value):
                node = node.value[key]
                offset = node.start_mark.line
            else:
                break
        return self.line + offset


def _describe(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    kind, name, namespace = doc.get("kind") or "object", meta.get("name") or "<no name>", \
        meta.get("namespace")
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _line(origin: Origin | None, out: ParsedObjects, loc: tuple[str | int, ...] = ()
          ) -> int | None:
    """The line of a bad field; past the first few problems, the object's (much cheaper)."""
    if origin is None:
        return None
    return origin.line_of(loc) if len(out.problems) < _PRECISE_LINES else origin.line


def _json_path(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def parse_object(doc: Any, source: str, origin: Origin | None, out: ParsedObjects) -> None:
    """Validate one decoded document (an object, a ``List`` or an API list) into ``out``.

    ``origin`` locates problems in the source text; live readers, which have none, pass None.
    """
    if doc is None:
        return
    if isinstance(doc, list):
        for index, item in enumerate(doc):
            parse_object(item, source, origin and origin.within(index), out)
        return
    if not isinstance(doc, dict):
        out.problems.append(Problem(source, f"expected a Kubernetes object, found "
                                    f"{type(doc).__name__}", _line(origin, out)))
        return
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
        item_kind = kind.removesuffix("List")
        for index, item in enumerate(doc["items"]):
            if isinstance(item, dict) and item_kind and "kind" not in item:
                item = {**item, "kind": item_kind}
            parse_object(item, source, origin and origin.within("items", index), out)
        return
    if not isinstance(kind, str) or not kind:
        out.problems.append(Problem(source, "object has no 'kind'; skipped",
                                    _line(origin, out), _describe(doc)))
        return
    model = MODEL_BY_KIND.get(kind)
    if model is None:
        out.unknown_kinds[kind] += 1
        return
    try:
        out.objects.append(model.model_validate(doc))
    except ValidationError as error:
        first = error.errors()[0]
        fields = [f"{_json_path(d['loc']) or '<object>'}: {d['msg']}" for d in error.errors()[:3]]
        more = error.error_count() - len(fields)
        out.problems.append(Problem(
            source, "malformed, skipped: " + "; ".join(fields) + (
                f" (and {more} more)" if more > 0 else ""),
            _line(origin, out, first["loc"]), _describe(doc)))


# JSON ----------------------------------------------------------------------------------


class _JsonText:
    """JSON text read in chunks, decoded one value at a time, with line numbers."""

    def __init__(self, stream: IO[str], text: str) -> None:
        self._read = stream.read
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
        chunk = self._read(max(_CHUNK, len(self.text) - self.pos))
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
            if end == len(self.text) and not isinstance(value, dict | list | str) \
                    and self._more():
                continue  # a number may go on in the next chunk
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
                        parse_object(item, source, origin, listed)
                    elif isinstance(list_kind, str) and list_kind.endswith("List"):
                        parse_object({**item, "kind": list_kind.removesuffix("List")}, source,
                                     origin, listed)
                    else:  # the list's kind comes later in the text
                        untyped.append((item, origin))
                top["items"] = None
            else:
                top[key] = reader.value()[0]
            if not reader.take(",") and reader.peek() != "}":
                raise reader.error("Expecting ',' delimiter")
    except json.JSONDecodeError:
        out.extend(listed)  # a truncated dump: keep every item that was complete
        raise
    kind = top.get("kind")
    if "items" in top and isinstance(kind, str) and kind.endswith("List"):
        out.extend(listed)
        for item, origin in untyped:
            parse_object({**item, "kind": kind.removesuffix("List")}, source, origin, out)
        return
    top.pop("items", None)  # not a list after all: no kind riskgraph reads has "items"
    same_text = reader.text is text
    parse_object(top, source, Origin(text, start, reader.pos if same_text else start, line), out)


def _parse_json(stream: IO[str], text: str, source: str, out: ParsedObjects) -> None:
    reader = _JsonText(stream, text)
    try:
        while (char := reader.peek()) != "":
            if char == "{":
                _json_object(reader, source, out)
            elif char == "[":
                reader.pos += 1
                for item, origin in reader.elements():
                    parse_object(item, source, origin, out)
            else:
                value, origin = reader.value()
                parse_object(value, source, origin, out)
    except json.JSONDecodeError as error:
        out.problems.append(Problem(source, f"not valid JSON ({error.msg}); the rest of the "
                                    "file is skipped", reader.line(max(error.pos, reader.pos))))


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
            doc = yaml.load(chunk, Loader=_Loader)  # a safe loader: no arbitrary objects
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
        _parse_json(stream, head, source, out)
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
    if not out.objects and not out.unknown_kinds and out.problems:
        raise InputError("nothing could be read from the Kubernetes input:\n  "
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
