"""The estate: what was read, joined and indexed for the techniques to ask.

The Kubernetes :class:`Inventory` (``inventory.py``) holds the AWS half
(:class:`AwsInventory`, built from :class:`~riskgraph.estate.aws_records.AwsRecords` by the
joins in ``aws_joins.py``), the aws-auth mappings, node pools and placement (``scheduling.py``,
``placement_rules.py``), the built-in roles every cluster has, and values derived once per
inventory (``derived.py``).
"""

from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.inventory import Inventory

__all__ = ["AwsInventory", "Inventory"]
