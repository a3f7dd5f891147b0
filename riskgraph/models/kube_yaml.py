"""The YAML reader: safe, and reading scalars as Kubernetes does.

``kubectl`` turns YAML into JSON with a YAML 1.1 reader that keeps a plain scalar as text
when JSON has no type for it, so three implicit YAML 1.1 types PyYAML's safe loader builds
(or cannot build) are read as the text written: ``=`` (the "value" type, as in ``args:
[--separator, =]``, which PyYAML cannot construct at all), ``<<`` outside a mapping key (the
merge type, same), and timestamps (``2024-01-01``, which PyYAML makes a ``date`` that no
string field accepts). Merge keys (``<<: *defaults``) still merge.

Manifests (``ingest``) and the YAML text inside objects (aws-auth's ``mapRoles``, a
SecretProviderClass's ``objects``; :func:`load_document`) are read alike.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "YAML_LOADER", "Refused", "expands_too_far", "load_document",
           "too_deep"]

try:  # libyaml's loader is several times faster; the pure-Python one reads the same
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

_AS_TEXT = ("tag:yaml.org,2002:value", "tag:yaml.org,2002:merge",
            "tag:yaml.org,2002:timestamp")


class _Loader(_Base):
    """The fastest safe YAML loader available, scalars as text where Kubernetes keeps them
    as text."""


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag in _AS_TEXT:
    _Loader.add_constructor(_tag, _as_text)

#: The loader every YAML input is read with (a safe one: no arbitrary objects).
YAML_LOADER = _Loader


#: Deepest nesting read. Real objects nest a few dozen levels; libyaml's composer recurses
#: in C, so a document nested some ten thousand deep would crash the interpreter outright.
MAX_DEPTH = 500
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_INDENT_FLOOR = 16
_INDENT = re.compile(rf"^[ \t?-]{{{_INDENT_FLOOR},}}", re.MULTILINE)


def too_deep(text: str) -> bool:
    """Whether a YAML document nests deeper than :data:`MAX_DEPTH`.

    Block nesting needs indentation (or ``- ``/``? `` markers) and flow nesting needs
    brackets, so most documents are cleared by counting those; the rest are measured with
    libyaml's parser, whose events are flat, before anything recurses.
    """
    brackets = text.count("[") + text.count("{")
    if brackets + 2 * _deepest_indent(text) + 2 < MAX_DEPTH:
        return False
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif isinstance(event, _CLOSE):
            depth -= 1
    return False


def _deepest_indent(text: str) -> int:
    """The widest run of blanks and block markers (``-``, ``?``) that starts a line, or
    its lower bound when every run is narrower."""
    return max((m.end() - m.start() for m in _INDENT.finditer(text)), default=_INDENT_FLOOR)


# YAML anchors are rare in Kubernetes manifests, so only a document that seems to define
# one (an "&name" after a blank, bracket, comma, colon or dash) is measured.
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s,\[\]{}]", re.MULTILINE)


def _expansion_limit(text: str) -> int:
    """More values than this, once aliases are expanded, is aliasing (a "billion laughs"):
    a document without aliases holds fewer values than half its characters."""
    return 100_000 + 2 * len(text)


def expands_too_far(text: str) -> bool:
    """Whether a YAML document's aliases make it, expanded, much bigger than its text, or
    make it contain itself (neither JSON nor kubectl can hold such a document).

    Reading one would take as long as the expansion is big; each node is sized once.
    """
    if _ANCHOR.search(text) is None:
        return False
    root = yaml.compose(text, Loader=_Loader)
    limit, sizes, open_nodes = _expansion_limit(text), dict[int, int](), set[int]()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, closing = stack.pop()
        children = _children(node)
        if closing:
            open_nodes.discard(id(node))
            sizes[id(node)] = size = 1 + sum(sizes[id(child)] for child in children)
            if size > limit:
                return True
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    return True  # an alias to a node that holds it
                stack.append((child, False))
    return False


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class Refused(yaml.YAMLError):
    """A YAML text not read at all: nested too deep, or aliased far past its size."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        #: Why, in words (as PyYAML's own errors carry it).
        self.problem = problem


def load_document(text: str) -> Any:
    """One YAML document, read as ``kubectl`` reads manifests.

    Raises
    ------
    yaml.YAMLError
        When the text is not one valid YAML document, or is :class:`Refused`: nested more
        than :data:`MAX_DEPTH` levels, or expanding through aliases far past its text.
    """
    if too_deep(text):
        raise Refused(f"nested more than {MAX_DEPTH} levels deep")
    if expands_too_far(text):
        raise Refused("its aliases expand it far past its own size")
    return yaml.load(text, Loader=YAML_LOADER)  # a safe loader: no arbitrary objects
