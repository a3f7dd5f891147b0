"""Lone UTF-16 surrogates in JSON text, read as Kubernetes reads them.

JSON may escape half of a surrogate pair (``"\\ud800"``); Python's decoder keeps it as a
code point no UTF-8 output can encode, so one such name would crash every text output. Go's
decoder, which the API server and kubectl use, reads it as U+FFFD, and so does riskgraph.
Only a value whose text escapes a surrogate is walked, so clean input costs one search.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SURROGATE_ESCAPE", "SURROGATE_ESCAPE_BYTES", "replace_lone_surrogates"]

#: An escaped surrogate, in JSON text (paired or not: pairs are rare, and walked for nothing).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def replace_lone_surrogates(value: Any) -> Any:
    """``value`` with each lone surrogate in its strings and keys replaced by U+FFFD
    (containers changed in place, walked without recursion)."""
    if isinstance(value, str):
        return _clean(value)
    stack = [value]
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else \
            enumerate(node) if isinstance(node, list) else ()
        for key, item in list(pairs):
            if isinstance(item, str):
                node[key] = _clean(item)
            elif isinstance(item, dict | list):
                stack.append(item)
        if isinstance(node, dict) and any(isinstance(k, str) and _SURROGATE.search(k)
                                          for k in node):
            cleaned = {_clean(k) if isinstance(k, str) else k: v for k, v in node.items()}
            node.clear()
            node.update(cleaned)
    return value
