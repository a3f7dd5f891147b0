"""Which security groups a pod's traffic leaves with: those of the SecurityGroupPolicies
that select it (security groups for pods), else its node's instance groups, else the
launch template of its node group; for a workload template, each group set of the nodes it
may land on (``net.reach-aws``). Which policies select a pod is
:mod:`riskgraph.netpol.security_groups`'s.
"""


from __future__ import annotations

from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence
from riskgraph.estate.aws_inventory import NODEGROUP_LABEL, AwsInventory
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Node, Pod
from riskgraph.models.aws import (
    Ec2Instance,
    EksNodegroup,
)
from riskgraph.models.sgp import SecurityGroupPolicy
from riskgraph.netpol.security_groups import PodSecurityGroups
from riskgraph.techniques._shared.aws_nodes import is_fargate
from riskgraph.techniques._shared.common import json_value
from riskgraph.techniques.net._exposure import cluster_instances


class Source(NamedTuple):
    """Security groups a pod's traffic leaves with, and why."""

    groups: tuple[str, ...]
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


def _policy_source(policies: list[SecurityGroupPolicy]) -> Source:
    groups = tuple(sorted({g for p in policies for g in p.group_ids}))
    names = ", ".join(f"{p.namespace}/{p.name}" for p in policies)
    return Source(groups, "certain", f"SecurityGroupPolicy {names} gives it security groups "
                  f"{', '.join(groups)}",
                  tuple(f"{ids.k8s_id(p.kind, p.name, p.namespace)}: "
                        f"spec.securityGroups.groupIds={json_value(p.group_ids)}"
                        for p in policies))


def _instance_source(instance: Ec2Instance, label: str, proof: tuple[str, ...]
                     ) -> Source | None:
    groups = tuple(sorted(g.group_id for g in instance.security_groups))
    return Source(groups, "certain", f"{label} is instance {instance.instance_id}, with "
                  f"security groups {', '.join(groups)}",
                  (*proof, f"{instance.arn}: SecurityGroups={json_value(list(groups))}")) \
        if groups else None


def _template_source(aws: AwsInventory, group: EksNodegroup | None, label: str,
                     proof: tuple[str, ...]) -> Source | None:
    ref = group.launch_template if group is not None else None
    template = aws.launch_template(ref.id or ref.name or "", ref.version) \
        if ref is not None and (ref.id or ref.name) else None
    if template is None or not template.launch_template_data.security_group_ids:
        return None
    groups = tuple(sorted(template.launch_template_data.security_group_ids))
    return Source(groups, "certain", f"{label}'s launch template gives security groups "
                  f"{', '.join(groups)}",
                  (*proof, f"{template.launch_template_id} version {template.version_number}: "
                   f"LaunchTemplateData.SecurityGroupIds={json_value(list(groups))}"))


def _node_source(aws: AwsInventory, node: Node) -> Source | None:
    """The groups of a node's instance, else of its node group's launch template."""
    if is_fargate(node):
        return None
    node_id = ids.k8s_id("Node", node.name)
    instance = aws.instance_for(node)
    if instance is not None and instance.security_groups:
        return _instance_source(instance, f"node {node.name}", (
            f"{node_id}: spec.providerID={json_value(node.spec.provider_id)}",))
    name = node.metadata.labels.get(NODEGROUP_LABEL)
    return _template_source(aws, aws.nodegroup(name) if name else None,
                            f"node {node.name} is in node group {name}; the group", (
        f'{node_id}: metadata.labels["{NODEGROUP_LABEL}"]={json_value(name)}',))


def _cluster_sources(aws: AwsInventory) -> list[Source | None]:
    """The cluster's node groups and instances, for an input without nodes; nodes it does
    not show (Karpenter, self-managed) could carry other groups, hence ``likely`` at best."""
    cluster = aws.cluster_name
    found = [_template_source(aws, g, f"node group {g.nodegroup_name}", ())
             for g in aws.nodegroups if cluster is None or g.cluster_name == cluster]
    found += [_instance_source(i, "a node", ()) for i in cluster_instances(aws)]
    return [s._replace(confidence="likely", reason=f"the input has no nodes; {s.reason}")
            if s is not None else None for s in found]


def _spread(found: list[Source | None]) -> list[Source]:
    """The group sets of the hosts a pod may land on; ``possible`` unless all share one."""
    distinct = {s.groups: s for s in found if s is not None}
    if len(distinct) == 1 and None not in found:
        return list(distinct.values())
    return [s._replace(confidence="possible", reason=f"it may land where {s.reason}")
            for s in distinct.values()]


class PodSources:
    """Group sets of each pod, computed once per placement shape."""

    def __init__(self, inv: Inventory) -> None:
        self._inv = inv
        self._policies = PodSecurityGroups(inv)
        self._nodes = {n.name: _node_source(inv.aws, n) for n in inv.nodes}
        self._by_places: dict[tuple[str, ...], list[Source]] = {}
        self._by_target: dict[str, list[Source | None]] = {}

    def _hosts(self, target: str) -> list[Source | None]:
        """The distinct group sets of a node or pool (the last source of each, as
        :func:`_spread` keeps), and None when some host's groups are unknown."""
        known = self._by_target.get(target)
        if known is None:
            found = self._target_hosts(target)
            distinct = list({s.groups: s for s in found if s is not None}.values())
            known = self._by_target[target] = distinct + ([None] if None in found else [])
        return known

    def _target_hosts(self, target: str) -> list[Source | None]:
        parsed = ids.parse(target)
        if parsed.kind == "Node":
            return [self._nodes.get(parsed.name)]
        nodes = self._inv.pools.get(parsed.name, ())
        if not nodes and parsed.name == ids.ANY_POOL:
            return _cluster_sources(self._inv.aws)
        return [self._nodes.get(n.name) for n in nodes]

    def of(self, pod: Pod) -> list[Source]:
        policies = self._policies.policies_for(pod)
        if policies:
            return [_policy_source(policies)]
        places = tuple(p.target for p in self._inv.placements(pod))
        found = self._by_places.get(places)
        if found is None:
            found = self._by_places[places] = _spread(
                [h for target in places for h in self._hosts(target)])
        return found
