"""The YAML loader: safe, and reading scalars as Kubernetes does.

``kubectl`` turns YAML into JSON with a YAML 1.1 reader that keeps a plain scalar as text
when JSON has no type for it, so three implicit YAML 1.1 types PyYAML's safe loader builds
(or cannot build) are read as the text written: ``=`` (the "value" type, as in ``args:
[--separator, =]``, which PyYAML cannot construct at all), ``<<`` outside a mapping key (the
merge type, same), and timestamps (``2024-01-01``, which PyYAML makes a ``date`` that no
string field accepts). Merge keys (``<<: *defaults``) still merge.
"""

from __future__ import annotations

import re

import yaml

__all__ = ["MAX_DEPTH", "YAML_LOADER", "too_deep"]

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
