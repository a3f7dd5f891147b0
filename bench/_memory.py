"""Memory of this process and the workers it forks, sampled while a phase runs.

``ru_maxrss`` is one process's peak, and a forked build worker shares most of its pages
with the building process: adding the two RSS figures counts those pages twice. The
proportional set size (``Pss`` in ``/proc/PID/smaps_rollup``) splits each shared page
among the processes mapping it, so the sum over the process tree is the memory the tree
really holds. A thread samples it every ``interval`` seconds; the peak is kept.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree() -> list[int]:
    me = os.getpid()
    return [me, *_descendants(me)]


def tree_pss_mib(pids: list[int] | None = None) -> float:
    """The proportional set size of ``pids`` (this process and all its descendants) now,
    in MiB (0 where ``/proc`` has no ``smaps_rollup``)."""
    return sum(_pss_kib(pid) for pid in (_tree() if pids is None else pids)) / 1024


class TreePeak:
    """Samples :func:`tree_pss_mib` every ``interval`` seconds while the block runs (with
    None, only once it ends); ``peak_mib`` is the highest seen, ``workers`` the most
    descendants seen at once."""

    def __init__(self, interval: float | None = 0.5) -> None:
        self.interval, self.peak_mib, self.workers = interval, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            pids = _tree()
            self.workers = max(self.workers, len(pids) - 1)
            self.peak_mib = max(self.peak_mib, tree_pss_mib(pids))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> TreePeak:
        if self.interval is not None:
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self.interval is not None:
            self._thread.join()
        self.peak_mib = max(self.peak_mib, tree_pss_mib())
