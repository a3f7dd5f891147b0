"""Decoded documents -> models: validation, ``List`` unwrapping, and where each came from.

Every problem names its source, object and (when the text is at hand) the line of the bad
field, worked out from the document's text only when a problem needs it.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from ingest.aws_files import parse_aws_document
from ingest.aws_snapshot import AWS_SNAPSHOT_KEY, parse_aws_snapshot
from ingest.snapshot import SNAPSHOT_KEY, check_version, recorded_problems
from riskgraph.errors import Problem
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.inventory import Inventory
from riskgraph.models import MODEL_BY_KIND, K8sObject
from riskgraph.models.kube_yaml import MAX_DEPTH, YAML_LOADER

_PRECISE_LINES = 100  # problems per input whose field is located exactly (re-parses the object)
#: Why a document nested too deep to read was skipped.
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep, which no Kubernetes or AWS object is"


@dataclass
class ParsedObjects:
    """What one or more inputs held: the objects riskgraph reads, and what it could not use."""

    objects: list[K8sObject] = field(default_factory=list)
    #: The source of each object, in the same order (shared strings: a pointer each).
    origins: list[str] = field(default_factory=list)
    #: The line each object starts on in its file, in the same order; 0 when unknown (live
    #: input, or an item of a List, whose exact line would cost a second parse).
    lines: array[int] = field(default_factory=lambda: array("I"))
    problems: list[Problem] = field(default_factory=list)
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)
    #: AWS documents (``aws ... --output json``) found among the inputs.
    aws: AwsInventory = field(default_factory=AwsInventory)
    #: Pods read alike (the same text but for name, node and token volume names), by
    #: ``id``: the ``id`` of the first of their group.
    alike: dict[int, int] = field(default_factory=dict)

    def extend(self, other: ParsedObjects) -> None:
        self.objects.extend(other.objects)
        self.origins.extend(other.origins)
        self.lines.extend(other.lines)
        self.problems.extend(other.problems)
        self.unknown_kinds.update(other.unknown_kinds)
        self.sources.extend(other.sources)
        self.aws.extend(other.aws)
        self.alike.update(other.alike)

    def add(self, obj: K8sObject, source: str, line: int) -> None:
        """Add one object read from ``source``, starting on ``line`` (0: unknown)."""
        self.objects.append(obj)
        self.origins.append(source)
        self.lines.append(line)

    def inventory(self, default_namespace: str = "default", per_pod: bool = False) -> Inventory:
        """The Inventory of everything parsed; namespace-less objects go to
        ``default_namespace``; ``per_pod`` keeps every live pod apart instead of folding a
        workload's alike replicas into one."""
        return Inventory.from_objects(self.objects, self.problems, self.unknown_kinds,
                                      self.sources, self.origins, self.aws,
                                      default_namespace, self.lines, per_pod, self.alike)


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
            node = yaml.compose(self.text[self.start:self.end], Loader=YAML_LOADER)
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


def _parse_snapshot(doc: dict[str, Any], source: str, origin: Origin | None,
                    out: ParsedObjects) -> None:
    """A snapshot's header (its version, the problems it recorded) and any items it holds."""
    check_version(doc[SNAPSHOT_KEY], source)
    out.problems.extend(recorded_problems(doc, source))
    items = doc.get("items")
    for index, item in enumerate(items if isinstance(items, list) else ()):
        parse_object(item, source, origin and origin.within("items", index), out)


def parse_document(doc: Any, source: str, origin: Origin | None, out: ParsedObjects) -> None:
    """:func:`parse_object` for a whole decoded document: one that recurses too deep for
    Python (YAML aliases can nest a value without nesting its text) is a problem."""
    try:
        parse_object(doc, source, origin, out)
    except RecursionError:
        out.problems.append(Problem(source, TOO_DEEP + "; document skipped",
                                    origin.line if origin is not None else None))


def parse_object(doc: Any, source: str, origin: Origin | None, out: ParsedObjects) -> None:
    """Validate one decoded document (an object, a ``List``, an API list or a riskgraph
    snapshot) into ``out``.

    ``origin`` locates problems in the source text; live readers, which have none, pass None.

    Raises
    ------
    InputError
        For a snapshot in a format newer than this riskgraph reads.
    """
    if doc is None:
        return
    if isinstance(doc, list):
        _parse_array(doc, source, origin, out)
        return
    if not isinstance(doc, dict):
        out.problems.append(Problem(source, f"expected a Kubernetes object, found "
                                    f"{type(doc).__name__}", _line(origin, out)))
        return
    if SNAPSHOT_KEY in doc:
        _parse_snapshot(doc, source, origin, out)
        return
    if AWS_SNAPSHOT_KEY in doc:
        parse_aws_snapshot(doc, source, out)
        return
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and kind not in MODEL_BY_KIND \
            and "items" in doc:
        _parse_list(doc, kind, source, origin, out)
        return
    if kind is None and parse_aws_document(doc, source, out.aws, out.problems):
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
        obj = model.model_validate(doc)
    except ValidationError as error:
        first = error.errors()[0]
        fields = [f"{_json_path(d['loc']) or '<object>'}: {d['msg']}" for d in error.errors()[:3]]
        more = error.error_count() - len(fields)
        out.problems.append(Problem(
            source, "malformed, skipped: " + "; ".join(fields) + (
                f" (and {more} more)" if more > 0 else ""),
            _line(origin, out, first["loc"]), _describe(doc)))
        return
    if not obj.name:
        out.problems.append(Problem(source, _no_name(doc), _line(origin, out, ("metadata",)),
                                    _describe(doc)))
        return
    out.add(obj, source, _first_line(origin))


def _first_line(origin: Origin | None) -> int:
    """The object's first line in its file: past the ``---``, comments and blank lines a
    YAML document starts with; 0 for live input and List items (their line would cost a
    second parse)."""
    if origin is None or origin.path:
        return 0
    skipped, start, text = 0, origin.start, origin.text
    if text[start:start + 1] not in ("", " ", "\t", "\r", "\n", "#", "-"):
        return origin.line  # what starts the first line is content (JSON's "{" always is)
    while start < origin.end:
        end = text.find("\n", start, origin.end)
        end = origin.end if end < 0 else end
        stripped = text[start:end].strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            break
        skipped, start = skipped + 1, end + 1
    return origin.line + skipped


def _no_name(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata")
    prefix = meta.get("generateName") if isinstance(meta, dict) else None
    if isinstance(prefix, str) and prefix:
        return (f"object has no metadata.name, only generateName {prefix!r}: the API server "
                "makes up the name when it is created, so no path could name it; skipped")
    return "object has no metadata.name, which kubectl and the API server refuse; skipped"


def _parse_array(doc: list[Any], source: str, origin: Origin | None,
                 out: ParsedObjects) -> None:
    """Each value of an array; arrays within it are walked without recursion, so an
    array nested a thousand deep is no ``RecursionError``."""
    stack = [(iter(enumerate(doc)), origin)]
    while stack:
        items, at = stack[-1]
        step = next(items, None)
        if step is None:
            stack.pop()
            continue
        index, item = step
        if isinstance(item, list):
            stack.append((iter(enumerate(item)), at and at.within(index)))
        else:
            parse_object(item, source, at and at.within(index), out)


def _parse_list(doc: dict[str, Any], kind: str, source: str, origin: Origin | None,
                out: ParsedObjects) -> None:
    """A ``List`` or an API list (``PodList``): each item, of the list's kind unless it says."""
    items = doc["items"]
    if items is None:  # how Go writes an empty list
        return
    if not isinstance(items, list):
        out.problems.append(Problem(
            source, f"{kind} whose 'items' is {type(items).__name__}, not a list; nothing "
            "read from it", _line(origin, out, ("items",))))
        return
    item_kind = kind.removesuffix("List")
    for index, item in enumerate(items):
        if isinstance(item, dict) and item_kind and "kind" not in item:
            item = {**item, "kind": item_kind}
        parse_object(item, source, origin and origin.within("items", index), out)
