"""Techniques run on several cores: the build's biggest cost, spread over forked workers.

Every technique is a pure function of the inventory, so a forked copy of the process can
run some of them while this one runs others. Each process claims the next technique of
the catalog from a shared counter, so a slow technique does not hold up the rest. A
worker pickles each result into a scratch folder (memory-backed ``/dev/shm`` where it has
room) and says so in a few bytes on a pipe; this process loads it when its turn comes.
Results are handed to the caller in catalog order, so the graph (and every tie a search
breaks by insertion order) is the same whatever the number of workers. (Pickles sent
through the pipe itself were read by a thread that got the interpreter lock only every
few milliseconds, a pipe buffer at a time: the worker stalled waiting for it.)

A worker that fails on a technique says so and this process runs that technique itself
(so an error surfaces here, with its own traceback); a worker that dies leaves every
technique it had not sent to this process. Workers are used only where ``fork`` exists
(Linux), on estates big enough to gain from them; ``RISKGRAPH_WORKERS=1`` turns them off.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import select
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from riskgraph.errors import SettingError

#: Upper bound on worker processes: each holds its own copy of the pages it touches.
MAX_WORKERS = 4
#: Inventories with fewer objects (pods, IAM principals) build in about a second: a worker
#: would cost more than it saves.
MIN_OBJECTS = 5_000
ENV = "RISKGRAPH_WORKERS"
_MESSAGE = 5  # bytes: a little-endian index, then 1 (stored) or 0 (failed)
_SHM, _SHM_ROOM = "/dev/shm", 1 << 30

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count(objects: int) -> int:
    """How many processes build an inventory of ``objects`` pods and IAM principals: the
    ``RISKGRAPH_WORKERS`` setting, else the cores this process may use (at most
    :data:`MAX_WORKERS`) when it is big enough and ``fork`` exists, else 1."""
    setting = configured_workers()
    if setting is not None:
        return setting if _can_fork() else 1
    if objects < MIN_OBJECTS or not _can_fork():
        return 1
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))


def configured_workers() -> int | None:
    """The number of processes ``RISKGRAPH_WORKERS`` asks for; None when it is unset.

    Raises
    ------
    SettingError
        When it is set to anything but a whole number of at least 1.
    """
    setting = os.environ.get(ENV, "").strip()
    if not setting:
        return None
    if not setting.isdigit() or int(setting) < 1:
        raise SettingError(f"{ENV}={setting!r} is not a number of processes; set it to "
                           "1 (no workers) or more, or unset it to use every core")
    return int(setting)


def _can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")


class _Sent:
    """What the workers say they have done: index -> True when its result waits in the
    scratch folder, False when the worker failed on it; ``open`` is False once every
    worker has gone. Each message is five bytes (an index and that flag), written whole
    (a pipe never splits a write that small), so one pipe serves every worker."""

    def __init__(self, reading: int) -> None:
        self.done: dict[int, bool] = {}
        self.open = True
        self._reading, self._partial = reading, b""

    def poll(self, wait: bool) -> None:
        """Read what has arrived; with ``wait``, first wait for something to arrive."""
        if not self.open or not (wait or select.select([self._reading], [], [], 0)[0]):
            return
        data = os.read(self._reading, 1 << 16)
        if not data:
            self.open = False
            return
        data = self._partial + data
        whole = len(data) - len(data) % _MESSAGE
        for at in range(0, whole, _MESSAGE):
            self.done[int.from_bytes(data[at:at + 4], "little")] = data[at + 4] == 1
        self._partial = data[whole:]

    def wait_for(self, index: int) -> None:
        """Until ``index`` is done, or no worker is left to do it."""
        while index not in self.done and self.open:
            self.poll(wait=True)


def run_in_order(items: Sequence[Item], compute: Callable[[Item], Result], workers: int,
                 meanwhile: Callable[[], object] = lambda: None
                 ) -> Iterator[tuple[Item, Result]]:
    """Each item with ``compute(item)``, in the order of ``items``, computed by ``workers``
    processes (this one and ``workers - 1`` forks).

    ``compute`` must be pure and its results picklable; it runs in a forked copy of this
    process, so it sees everything made before the call (and nothing made after).
    ``meanwhile`` runs here first, while the workers already compute (work ``compute``
    does not need).
    """
    if workers <= 1 or len(items) < 2:
        meanwhile()
        for item in items:
            yield item, compute(item)
        return
    context = multiprocessing.get_context("fork")
    counter, lock = context.RawValue("i", 0), context.Lock()

    def claim() -> int | None:
        with lock:
            index: int = counter.value
            if index >= len(items):
                return None
            counter.value = index + 1
            return index

    children: list[int] = []
    with tempfile.TemporaryDirectory(prefix="riskgraph-build-", dir=_scratch_root()) as scratch:
        reading, writing = os.pipe()
        try:
            for _ in range(workers - 1):
                pid = os.fork()
                if pid == 0:
                    os.close(reading)
                    _work(items, compute, claim, writing, scratch)
                children.append(pid)
            os.close(writing)
            meanwhile()
            sent = _Sent(reading)
            mine: dict[int, Result] = {}
            ready = 0  # results before it are handed out

            def hand_out(waiting: bool) -> Iterator[tuple[Item, Result]]:
                nonlocal ready
                while ready < len(items):
                    if ready not in mine:
                        if waiting:
                            sent.wait_for(ready)
                        elif ready not in sent.done:
                            return
                    yield items[ready], _take(ready, mine, sent, scratch, items, compute)
                    ready += 1

            while (index := claim()) is not None:
                mine[index] = compute(items[index])
                sent.poll(wait=False)
                yield from hand_out(waiting=False)
            yield from hand_out(waiting=True)
        finally:
            os.close(reading)
            for pid in children:
                _end(pid)


def _scratch_root() -> str | None:
    """Memory-backed ``/dev/shm`` where it is writable and roomy (a container's is often
    64 MiB, less than one big technique's edges), else the system's temporary folder."""
    try:
        room = os.statvfs(_SHM)
    except OSError:
        return None
    roomy = room.f_bavail * room.f_frsize >= _SHM_ROOM
    return _SHM if roomy and os.access(_SHM, os.W_OK) else None


def _take(index: int, mine: dict[int, Result], sent: _Sent, scratch: str,
          items: Sequence[Item], compute: Callable[[Item], Result]) -> Result:
    if index in mine:
        return mine.pop(index)
    if not sent.done.pop(index, False):  # the worker failed on it, or died first
        return compute(items[index])
    path = os.path.join(scratch, str(index))
    with open(path, "rb") as stored:
        result: Result = pickle.load(stored)
    os.unlink(path)
    return result


def _work(items: Sequence[Item], compute: Callable[[Item], Result],
          claim: Callable[[], int | None], writing: int, scratch: str) -> None:
    """A worker's life: claim, compute, store, tell, until the items run out; never
    returns."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        while (index := claim()) is not None:
            stored = True
            try:
                with open(os.path.join(scratch, str(index)), "wb") as out:
                    pickle.dump(compute(items[index]), out, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # the building process runs it again and reports the error
                stored = False
            os.write(writing, index.to_bytes(4, "little") + bytes([stored]))
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _end(pid: int) -> None:
    """Reap a worker, stopping it first if it is still at work (the caller gave up)."""
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
