"""``python -m riskgraph.cli``: the same as the ``riskgraph`` command."""

import sys

from riskgraph.cli.main import main

sys.exit(main())
