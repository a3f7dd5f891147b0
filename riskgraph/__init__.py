"""riskgraph: attack paths through Kubernetes on AWS.

The core package: models, the estate (inventories), techniques, the graph builder and
reports. Read input with the ``ingest`` package and ask questions with the ``queries``
package::

    from ingest import load_k8s
    from riskgraph import build_graph
    from queries import attack_paths

    graph = build_graph(load_k8s(["manifests/"]))
    attack_paths(graph, "internet", "secret")
"""

from riskgraph.builder import build_graph
from riskgraph.estate import Inventory
from riskgraph.techniques import Technique, all_techniques

__version__ = "0.1.0"

__all__ = ["Inventory", "Technique", "__version__", "all_techniques", "build_graph"]
