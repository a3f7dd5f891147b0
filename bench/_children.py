"""What ``bench.run`` measures in child processes, so their memory never counts against the
in-process phases: the decoding floors (a bare ``json.load``; ``orjson.loads`` and
``msgspec.json.decode`` with the collector paused) and the ``paths`` command line end to
end.

A child's peak RSS comes from ``os.wait4``, the kernel's accounting of that one child, so
the CLI's figure includes the interpreter, its imports and writing the answer.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: A bare decode of every file into Python values. ``json.load`` keeps the collector on, as
#: a plain script does (the figure ``bench.run`` has always reported); the others pause it,
#: as riskgraph's ingest does, so the faster of them is the floor of any reader of these
#: files (ingest decodes with msgspec too, but keeps only the fields a model holds).
_FLOOR = """
import gc, importlib, resource, sys, time
paused, (module, name), paths = sys.argv[1] == "paused", sys.argv[2].split(":"), sys.argv[3:]
loads = getattr(importlib.import_module(module), name)
if paused:
    gc.disable()
start, cpu = time.perf_counter(), time.process_time()
for path in paths:
    with open(path, "rb") as f:
        loads(f.read())
print(time.perf_counter() - start, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
FLOORS = (("json.load", "json:loads", "on"), ("orjson", "orjson:loads", "paused"),
          ("msgspec", "msgspec.json:decode", "paused"))
#: The time a status line of the command line ends with.
_STAMP = re.compile(r"\[(\d+(?:\.\d+)?)s\]$")
#: The command line run end to end (``riskgraph`` is ``python -m riskgraph.cli``).
CLI = (sys.executable, "-m", "riskgraph.cli", "paths", "--to", "secret", "--format", "json")


def _floor(module: str, collector: str, paths: list[Path]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _FLOOR, collector, module, *map(str, paths)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"seconds": None, "note": f"failed: {last}"}
    seconds, cpu, peak = done.stdout.split()
    return {"seconds": round(float(seconds), 3), "cpu_seconds": round(float(cpu), 3),
            "peak_rss_mib": round(int(peak) / 1024, 1),
            "note": f"child process, collector {collector}"}


def floors(paths: list[Path], results: dict[str, Any]) -> None:
    """Each bare decode of ``paths`` as a phase of ``results`` (before riskgraph's own)."""
    for phase, module, collector in FLOORS:
        results["phases"][phase] = _floor(module, collector, paths)


def run_cli(paths: list[Path], results: dict[str, Any]) -> None:
    """``riskgraph paths --to secret FILES --format json`` in a child process: wall time,
    peak RSS and the paths it wrote, as the ``cli`` phase of ``results``; the note gives
    when its status lines said the graph was built and the answer written, so what the
    interpreter spends after it (freeing millions of objects) shows."""
    with tempfile.TemporaryDirectory(prefix="riskgraph-bench-cli-") as scratch:
        answer, log = Path(scratch, "paths.json"), Path(scratch, "stderr.txt")
        command = [*CLI, "-o", str(answer), "--k8s", *map(str, paths)]
        start = time.perf_counter()
        with log.open("wb") as errors:
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        row: dict[str, Any] = {"seconds": round(time.perf_counter() - start, 3),
                               "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
                               "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}
        if child.returncode != 0:
            last = (log.read_text(errors="replace").strip().splitlines() or ["no output"])[-1]
            row["note"] = f"exit {child.returncode}: {last.strip()}"
        else:
            found = len(json.loads(answer.read_text())["paths"])
            stamps = {what: _STAMP.search(line) for line in log.read_text().splitlines()
                      for what in ("graph", "wrote") if line.startswith(f"riskgraph: {what}")}
            when = ", ".join(f"{what} at {stamp[1]} s" for what, stamp in stamps.items() if stamp)
            row["note"] = f"child process: {found} paths to secrets ({when})"
    results["phases"]["cli"] = row
