"""The ``riskgraph`` command line (``riskgraph --help``); :func:`main` is the entry point
and :func:`run` the console script's."""

import contextlib
import os
import sys

from riskgraph.cli.main import main

__all__ = ["main", "run"]


def run() -> None:
    """Run :func:`main` and leave without tearing down the graph: freeing millions of
    objects one by one took seconds (1.4 s at 10k pods) after the answer was written."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (``| head``) has what it wanted.
        with contextlib.suppress(OSError):
            stream.flush()
    os._exit(code)
