"""Kubernetes nodes and node pools joined to the AWS compute under them: IAM roles and IMDS.

A node's roles come from its EC2 instance (``spec.providerID`` -> instance -> instance
profile -> roles) or, when that chain is not in the input, from the EKS managed node group
its ``eks.amazonaws.com/nodegroup`` label names (the group's ``nodeRole``). Its instance
metadata service (IMDS) settings come from the instance's ``MetadataOptions``, else from the
node group's launch template. Fargate nodes have no instance role and no IMDS for pods.

A node pool stands for its nodes: a role every node carries is ``certain`` for a foothold on
the pool, one that every node whose role is known carries is ``likely``, one that only some
nodes carry is ``possible``. The pool ``any`` of a manifests-only input stands for the
cluster's compute as the AWS input shows it (the cluster's node groups and instances): when
all of it carries one role, that role is ``likely`` (nodes the input does not show, such as
Karpenter or self-managed ones, could carry others); with several roles nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.aws_inventory import (
    CLUSTER_TAG_PREFIX,
    CLUSTER_TAGS,
    COMPUTE_TYPE_LABEL,
    NODEGROUP_LABEL,
    AwsInventory,
)
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Node
from riskgraph.models.aws import Ec2Instance, EksNodegroup, MetadataOptions
from riskgraph.techniques._shared.common import json_value

FARGATE = "fargate"
ImdsState = Literal["open", "host-network", "closed", "unknown"]


class Imds(NamedTuple):
    """How a host's instance metadata service answers the pods on it."""

    state: ImdsState
    why: str
    evidence: tuple[str, ...]

    def reach(self, host_network: bool) -> Confidence | None:
        """How sure a pod (in the host's network namespace or not) reaches it; None: never."""
        if self.state == "open" or (self.state == "host-network" and host_network):
            return "certain"
        return "likely" if self.state == "unknown" else None


class RoleGrant(NamedTuple):
    arn: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Host:
    """One node, node group or instance as AWS sees it. ``how`` says where its roles come
    from, for reasons; ``known`` is False when the input says nothing of its roles."""

    how: str
    roles: tuple[RoleGrant, ...]
    imds: Imds
    known: bool


class PlaceRole(NamedTuple):
    """An IAM role a foothold on a node or pool holds, and the hosts there that carry it."""

    arn: str
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]
    hosts: tuple[Host, ...]


def is_fargate(node: Node) -> bool:
    return node.metadata.labels.get(COMPUTE_TYPE_LABEL) == FARGATE


def role_name(arn: str) -> str:
    return ids.parse(arn).name


def imds_of(options: MetadataOptions | None, owner: str, path: str) -> Imds:
    """The IMDS verdict of some metadata options, with evidence ``<owner>: <path>.<field>``."""
    if options is None:
        return Imds("unknown", "the instance metadata options were not in the input", ())

    def proof(field: str, value: object) -> str:
        return f"{owner}: {path}.{field}={json_value(value)}"

    tokens, hops = options.http_tokens, options.http_put_response_hop_limit
    if options.http_endpoint == "disabled":
        return Imds("closed", "the metadata endpoint is disabled",
                    (proof("HttpEndpoint", "disabled"),))
    if tokens == "optional":
        return Imds("open", "IMDSv1 is allowed (HttpTokens optional), so any pod reaches it",
                    (proof("HttpTokens", tokens),))
    if hops is not None and hops >= 2:
        return Imds("open", f"the IMDSv2 hop limit is {hops}, so token responses reach pods "
                    "behind the node's network", (proof("HttpPutResponseHopLimit", hops),))
    if tokens == "required" and hops == 1:
        return Imds("host-network", "IMDSv2 is required with hop limit 1, so only pods in the "
                    "node's network namespace (hostNetwork) reach it",
                    (proof("HttpTokens", tokens), proof("HttpPutResponseHopLimit", hops)))
    return Imds("unknown", "the metadata options in the input set neither HttpTokens optional "
                "nor a hop limit", ())


def _template_imds(aws: AwsInventory, group: EksNodegroup | None) -> Imds:
    template_ref = group.launch_template if group is not None else None
    if template_ref is None or not (template_ref.id or template_ref.name):
        return imds_of(None, "", "")
    template = aws.launch_template(template_ref.id or template_ref.name or "",
                                   template_ref.version)
    if template is None:
        return imds_of(None, "", "")
    return imds_of(template.launch_template_data.metadata_options,
                   f"{template.launch_template_id} version {template.version_number}",
                   "LaunchTemplateData.MetadataOptions")


def _instance_roles(aws: AwsInventory, instance: Ec2Instance) -> tuple[RoleGrant, ...]:
    profile = instance.iam_instance_profile
    ref = profile and (profile.arn or profile.name)
    if not ref:
        return ()
    grants = []
    for role in aws.roles_of_profile(ref):
        index, listed = next(((i, p) for i, p in enumerate(role.instance_profile_list)
                              if ref in (p.arn, p.instance_profile_name)
                              or ref.endswith("/" + p.instance_profile_name)),
                             (0, role.instance_profile_list[0]))
        grants.append(RoleGrant(role.arn, (
            f"{instance.arn}: IamInstanceProfile.Arn={json_value(ref)}",
            f"{role.arn}: InstanceProfileList[{index}].Arn={json_value(listed.arn)}")))
    return tuple(grants)


def _group_roles(group: EksNodegroup | None) -> tuple[RoleGrant, ...]:
    if group is None or not group.node_role:
        return ()
    owner = group.nodegroup_arn or f"nodegroup {group.nodegroup_name}"
    return (RoleGrant(group.node_role, (f"{owner}: nodeRole={json_value(group.node_role)}",)),)


def host_of_node(aws: AwsInventory, node: Node) -> Host:
    """What AWS says of one node: its roles and its IMDS."""
    if is_fargate(node):
        return Host(f"node {node.name} is a Fargate node", (),
                    Imds("closed", "Fargate offers pods no instance metadata", ()), True)
    node_id = ids.k8s_id("Node", node.name)
    instance = aws.instance_for(node)
    group_name = node.metadata.labels.get(NODEGROUP_LABEL)
    group = aws.nodegroup(group_name) if group_name else None
    roles = _instance_roles(aws, instance) if instance is not None else ()
    if instance is not None and roles:
        provider = f"{node_id}: spec.providerID={json_value(node.spec.provider_id)}"
        roles = tuple(RoleGrant(g.arn, (provider, *g.evidence)) for g in roles)
        how = f"node {node.name} is instance {instance.instance_id}, whose instance profile " \
              "holds the role"
    else:
        label = f'{node_id}: metadata.labels["{NODEGROUP_LABEL}"]={json_value(group_name)}'
        roles = tuple(RoleGrant(g.arn, (label, *g.evidence)) for g in _group_roles(group))
        how = f"node {node.name} is in EKS node group {group_name}, whose node role it is"
    if instance is not None and instance.metadata_options is not None:
        imds = imds_of(instance.metadata_options, instance.arn, "MetadataOptions")
    else:
        imds = _template_imds(aws, group)
    return Host(how, roles, imds, bool(roles))


def _cluster_hosts(aws: AwsInventory) -> list[Host]:
    """The cluster's node groups and instances, for a pool that has no nodes in the input."""
    cluster = aws.cluster_name
    hosts = []
    for group in aws.nodegroups:
        if cluster is None or group.cluster_name == cluster:
            roles = _group_roles(group)
            hosts.append(Host(f"EKS node group {group.nodegroup_name} has it as node role",
                              roles, _template_imds(aws, group), bool(roles)))
    for instance in aws.instances:
        tagged = {t.value for t in instance.tags if t.key in CLUSTER_TAGS} | {
            t.key.removeprefix(CLUSTER_TAG_PREFIX) for t in instance.tags
            if t.key.startswith(CLUSTER_TAG_PREFIX)}
        if cluster is None or not tagged or cluster in tagged:
            roles = _instance_roles(aws, instance)
            hosts.append(Host(f"instance {instance.instance_id}'s instance profile holds it",
                              roles, imds_of(instance.metadata_options, instance.arn,
                                             "MetadataOptions"), bool(roles)))
    return hosts


def _by_role(hosts: Iterable[Host]) -> dict[str, list[tuple[Host, RoleGrant]]]:
    found: dict[str, list[tuple[Host, RoleGrant]]] = {}
    for host in hosts:
        for grant in host.roles:
            found.setdefault(grant.arn, []).append((host, grant))
    return found


def _pool_roles(name: str, hosts: list[Host]) -> list[PlaceRole]:
    known = sum(host.known for host in hosts)
    roles = []
    for arn, carriers in _by_role(hosts).items():
        first_host, first_grant = carriers[0]
        if len(carriers) == len(hosts):
            confidence: Confidence = "certain"
            share = f"every node of pool {name} carries role {role_name(arn)}"
        else:
            confidence = "likely" if len(carriers) == known else "possible"
            share = (f"{len(carriers)} of the {len(hosts)} nodes of pool {name} carry role "
                     f"{role_name(arn)}" + (" (the others' roles are not in the input)"
                                            if confidence == "likely" else ""))
        roles.append(PlaceRole(arn, confidence, f"{share} ({first_host.how})",
                               first_grant.evidence, tuple(h for h, _ in carriers)))
    return roles


def _any_pool_roles(aws: AwsInventory) -> list[PlaceRole]:
    by_role = _by_role(_cluster_hosts(aws))
    if len(by_role) != 1:
        return []
    (arn, carriers), = by_role.items()
    return [PlaceRole(arn, "likely",
                      f"the input has no nodes, and all of the cluster's compute the AWS input "
                      f"shows carries role {role_name(arn)} ({carriers[0][0].how})",
                      carriers[0][1].evidence, tuple(h for h, _ in carriers))]


def place_roles(inv: Inventory) -> dict[str, list[PlaceRole]]:
    """Node id and node pool id -> the IAM roles a foothold there holds (none: absent)."""
    aws = inv.aws
    if aws.empty and not aws.nodegroups:
        return {}
    hosts = {node.name: host_of_node(aws, node) for node in inv.nodes}
    places: dict[str, list[PlaceRole]] = {}
    for name, host in hosts.items():
        roles = [PlaceRole(g.arn, "certain", host.how, g.evidence, (host,)) for g in host.roles]
        if roles:
            places[ids.k8s_id("Node", name)] = roles
    for pool, nodes in inv.pools.items():
        roles = _pool_roles(pool, [hosts[n.name] for n in nodes]) if nodes \
            else _any_pool_roles(aws) if pool == ids.ANY_POOL else []
        if roles:
            places[ids.node_pool_id(pool)] = roles
    return places


def imds_reach(role: PlaceRole, host_network: bool) -> tuple[Confidence, Imds] | None:
    """How sure a pod on the place reaches ``role`` through IMDS, and the IMDS that decides.

    Every carrier of the role alike: their verdict. Some carriers closed to the pod: the pod
    may land on an open one, so ``possible``.
    """
    reaches = [(host.imds, host.imds.reach(host_network)) for host in role.hosts]
    open_ = [(imds, level) for imds, level in reaches if level is not None]
    if not open_:
        return None
    best = min((level for _, level in open_), key=CONFIDENCE_ORDER.index)
    imds = next(imds for imds, level in open_ if level == best)
    if len(open_) < len(reaches):
        confidence = weakest(best, "possible")
    else:
        confidence = weakest(*(level for _, level in open_))
    return weakest(confidence, role.confidence), imds
