"""Values computed from an Inventory (or its AwsInventory) once and kept on it, for the
techniques that share them (compiled NetworkPolicies and IAM policies, the network plugins
the pods show).

A value must hold no reference back to the inventory: riskgraph freezes what it builds
(``gc.freeze``), and a frozen reference cycle is never freed. The store names its owner
weakly, so a copy of an inventory (``copy.copy`` shares attributes) computes its own.

>>> from riskgraph.estate.inventory import Inventory
>>> inv, calls = Inventory(), []
>>> derived(inv, "answer", lambda: calls.append(1) or 42), derived(inv, "answer", lambda: 0)
(42, 42)
>>> len(calls)
1
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")
_ATTRIBUTE = "_riskgraph_derived"


def derived(owner: Any, key: str, build: Callable[[], T]) -> T:
    """``build()``, computed on the first call for ``owner`` and ``key`` and kept on
    ``owner`` for every later call."""
    found = vars(owner).get(_ATTRIBUTE)
    if found is None or found[0]() is not owner:
        found = (weakref.ref(owner), {})
        setattr(owner, _ATTRIBUTE, found)
    values: dict[str, object] = found[1]
    if key not in values:
        values[key] = build()
    return cast(T, values[key])
