"""The ``riskgraph`` command line (``riskgraph --help``); :func:`main` is the entry point."""

from riskgraph.cli.main import main

__all__ = ["main"]
