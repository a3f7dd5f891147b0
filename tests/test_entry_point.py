"""The console script's entry point: the answer is written in full before it leaves."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_command_writes_its_whole_answer_and_exit_code() -> None:
    done = subprocess.run([sys.executable, "-m", "riskgraph.cli", "paths", "--demo", "--to",
                           "secret", "--format", "json", "-q"], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["paths"] > 0
    refused = subprocess.run([sys.executable, "-m", "riskgraph.cli", "paths", "--demo",
                              "--to", "nosuch", "-q"], capture_output=True, text=True,
                             check=False, timeout=120)
    assert refused.returncode == 2 and "unknown target selector" in refused.stderr


def test_a_reader_that_leaves_early_is_no_error() -> None:
    command = [sys.executable, "-m", "riskgraph.cli", "graph", "--demo", "-q"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stdout.read(10)
        child.stdout.close()
        assert child.wait(timeout=120) == 0
        assert child.stderr is not None and b"Traceback" not in child.stderr.read()
