"""The compiled policies of one inventory, kept on the inventory itself
(:func:`riskgraph.estate.derived.derived`): the cache refers to nothing that refers back to the
inventory, so the two form no reference cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from riskgraph.errors import Problem
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.derived import derived
from riskgraph.iam.policy import Policy, PolicyKind, PrincipalPolicies


@dataclass
class Compiled:
    """Everything compiled for one inventory, filled on demand."""

    #: (source, kind) -> compiled document.
    policies: dict[tuple[str, PolicyKind], Policy] = field(default_factory=dict)
    #: Problems keyed so that each is recorded once.
    problems: dict[str, Problem] = field(default_factory=dict)
    #: Principal ARN -> the ARN of its permissions boundary, which the input lacks.
    missing_boundaries: dict[str, str] = field(default_factory=dict)
    #: Principal ARN -> its policies.
    principals: dict[str, PrincipalPolicies] = field(default_factory=dict)
    #: (principal ARN, lower-case action) -> its policies cut down to that action.
    by_action: dict[tuple[str, str], PrincipalPolicies] = field(default_factory=dict)
    #: (id of a policy held in ``policies``, lower-case action) -> the policy cut down.
    cuts: dict[tuple[int, str], Policy] = field(default_factory=dict)
    #: id of a resource-policy dict -> (that dict, kept so the id stays its own; compiled).
    resource_policies: dict[int, tuple[object, Policy]] = field(default_factory=dict)
    #: id of a data resource's policy dict -> the resource's ARN (built on first use).
    owners: dict[int, str] | None = None
    checked: bool = False
    #: When the analysis runs, if the inventory does not say (``AwsRecords.as_of``).
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def compiled_for(aws: AwsInventory) -> Compiled:
    """The cache of ``aws``, created on first use. A copy of an inventory (``copy.copy``
    shares its attributes) gets a cache of its own."""
    return derived(aws, "iam-compiled", Compiled)
