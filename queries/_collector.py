"""The decision queries make a few million short-lived objects (a fix's edges, a search's
labels); each time enough of them pile up, Python's cyclic collector scans every tracked
object not frozen, which at 150k pods cost more than the work itself (2.5 of 6 CPU
seconds of reading the fixes). They hold no reference cycles, so reference counting frees
them: the collector is paused while a query runs and resumed as it was afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block; re-entrant, and it never
    freezes anything, so what the block leaves behind is collected as usual afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
