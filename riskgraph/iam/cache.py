"""The compiled policies of one inventory, kept on the inventory itself.

The cache refers to nothing that refers back to the inventory (its owner is held weakly),
so the two form no reference cycle: riskgraph freezes what it builds (``gc.freeze``), and a
frozen cycle would never be freed.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from riskgraph.aws_inventory import AwsInventory
from riskgraph.errors import Problem
from riskgraph.iam.policy import Policy, PolicyKind, PrincipalPolicies

_ATTRIBUTE = "_riskgraph_iam_compiled"


@dataclass
class Compiled:
    """Everything compiled for one inventory, filled on demand."""

    owner: weakref.ref[AwsInventory]
    #: (source, kind) -> compiled document.
    policies: dict[tuple[str, PolicyKind], Policy] = field(default_factory=dict)
    #: Problems keyed so that each is recorded once.
    problems: dict[str, Problem] = field(default_factory=dict)
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


def compiled_for(aws: AwsInventory) -> Compiled:
    """The cache of ``aws``, created on first use. A copy of an inventory (``copy.copy``
    shares its attributes) gets a cache of its own."""
    found = vars(aws).get(_ATTRIBUTE)
    if not isinstance(found, Compiled) or found.owner() is not aws:
        found = Compiled(weakref.ref(aws))
        setattr(aws, _ATTRIBUTE, found)
    return found
