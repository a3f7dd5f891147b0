"""Offline Kubernetes input: manifests, ``kubectl get -o json|yaml`` dumps, ``helm template``.

Files and directories (recursively: ``*.yaml``, ``*.yml``, ``*.json``) and ``-`` for
standard input. Every problem is recorded with its file, line and object, and the rest of
the input is still read.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ingest._gc import gc_paused
from riskgraph.errors import InputError, Problem
from riskgraph.inventory import Inventory
from riskgraph.models import MODEL_BY_KIND, K8sObject

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
_DOC_SEPARATOR = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$", re.MULTILINE)
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


def _describe(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name") or "<no name>"
    namespace = meta.get("namespace")
    return f"{doc.get('kind')} {namespace}/{name}" if namespace else f"{doc.get('kind')} {name}"


def _validation_message(error: ValidationError) -> str:
    parts = []
    for detail in error.errors()[:3]:
        location = ".".join(str(p) for p in detail["loc"]) or "<object>"
        parts.append(f"{location}: {detail['msg']}")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_object(doc: Any, source: str, line: int | None, out: ParsedObjects) -> None:
    """Validate one decoded document (an object, a ``List`` or an API list) into ``out``."""
    if doc is None:
        return
    if isinstance(doc, list):
        for item in doc:
            parse_object(item, source, line, out)
        return
    if not isinstance(doc, dict):
        out.problems.append(Problem(source, f"expected a Kubernetes object, found "
                                    f"{type(doc).__name__}", line))
        return
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
        item_kind = kind.removesuffix("List")
        for item in doc["items"]:
            if isinstance(item, dict) and item_kind and "kind" not in item:
                item = {**item, "kind": item_kind}
            parse_object(item, source, line, out)
        return
    if not isinstance(kind, str) or not kind:
        out.problems.append(Problem(source, "object has no 'kind'; skipped", line,
                                    _describe(doc)))
        return
    model = MODEL_BY_KIND.get(kind)
    if model is None:
        out.unknown_kinds[kind] += 1
        return
    try:
        out.objects.append(model.model_validate(doc))
    except ValidationError as error:
        out.problems.append(Problem(source, f"malformed, skipped: {_validation_message(error)}",
                                    line, _describe(doc)))


def _yaml_documents(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each YAML document, split so one bad document spoils no other."""
    start, line = 0, 1
    for match in _DOC_SEPARATOR.finditer(text):
        yield line, text[start:match.start()]
        line += text.count("\n", start, match.end()) + 1
        start = match.end() + 1
    yield line, text[start:]


def parse_text(text: str, source: str = "<text>") -> ParsedObjects:
    """Parse YAML (multi-document) or JSON text."""
    out = ParsedObjects(sources=[source])
    if text.lstrip()[:1] in ("{", "["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as error:
            out.problems.append(Problem(source, f"not valid JSON ({error.msg}); file skipped",
                                        error.lineno))
            return out
        parse_object(doc, source, None, out)
        return out
    for first_line, chunk in _yaml_documents(text):
        if not chunk.strip():
            continue
        try:
            doc = yaml.load(chunk, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = first_line + mark.line if mark is not None else first_line
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            out.problems.append(Problem(source, f"not valid YAML ({problem}); document "
                                        "skipped", line))
            continue
        parse_object(doc, source, first_line, out)
    return out


def manifest_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read: given files as they are, directories searched recursively."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in MANIFEST_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                problems.append(Problem(str(path), "directory holds no .yaml, .yml or .json "
                                        "file"))
            files.extend(found)
        elif path.is_file() or str(raw) == "-":
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or directory"))
    return files, problems


def read_k8s(paths: Iterable[str | Path]) -> ParsedObjects:
    """Read every file under ``paths`` (``-`` is standard input) into parsed objects."""
    files, problems = manifest_files(paths)
    out = ParsedObjects(problems=problems)
    with gc_paused():
        for path in files:
            if str(path) == "-":
                out.extend(parse_text(sys.stdin.read(), "<stdin>"))
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                out.problems.append(Problem(str(path), f"cannot read: {error}"))
                continue
            out.extend(parse_text(text, str(path)))
    if files and not out.objects and not out.unknown_kinds and out.problems:
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
