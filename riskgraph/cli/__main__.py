"""``python -m riskgraph.cli``: the same as the ``riskgraph`` command."""

from riskgraph.cli import run

run()
