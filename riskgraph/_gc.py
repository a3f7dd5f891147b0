"""Loading builds millions of small objects; Python's cyclic collector would rescan them all
over and over, costing more than the parsing itself. Pause it while loading.

Pausing alone only defers the bill: the first allocation after re-enabling collects the
youngest generation, which then holds every object made while paused, and a full
collection follows (measured at 150k pods: ~14 s per paused block). So on leaving the
outermost block the collector's tracked objects are frozen (``gc.freeze``): moved to the
permanent generation, which collections never scan. Frozen objects are still freed by
reference counting when dropped; only a reference cycle among them would stay in memory,
and the models, the inventory and its indexes hold none.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(freeze: bool = True) -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block (re-entrant).

    On leaving the outermost block normally, every object the collector tracks is frozen
    so that what the block built is not scanned again (see the module docstring). With
    ``freeze=False`` nothing is: for work that makes millions of short-lived objects
    (the decision queries' labels and fix edges) and keeps few, which reference counting
    frees since they hold no cycle.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if was_enabled and freeze:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
