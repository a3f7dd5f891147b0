"""Joining what :class:`~riskgraph.estate.aws_records.AwsRecords` holds from separate documents:
one copy of each resource read twice, access and resource policies attached to what they
belong to, the EKS cluster the Kubernetes input is, and the managed policies referenced but
not read. Each step records problems instead of raising.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from riskgraph.errors import Problem
from riskgraph.estate.aws_records import AwsRecords
from riskgraph.models.aws import (
    AccessEntry,
    Ec2Instance,
    IamGroup,
    IamRole,
    IamUser,
    ManagedPolicy,
)
from riskgraph.models.k8s import Node

#: Instance tags that name the EKS cluster an instance belongs to.
CLUSTER_TAGS = ("eks:cluster-name", "aws:eks:cluster-name")
CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"

#: List field -> the attribute that identifies one resource in it.
_IDENTITIES = (("roles", "arn"), ("users", "arn"), ("groups", "arn"),
               ("managed_policies", "arn"), ("oidc_providers", "arn"),
               ("instances", "instance_id"), ("clusters", "arn"),
               ("nodegroups", "nodegroup_arn"), ("secrets", "arn"), ("parameters", "arn"),
               ("buckets", "name"), ("repositories", "repository_arn"), ("kms_keys", "key_arn"),
               ("security_groups", "group_id"), ("databases", "arn"), ("endpoints", "arn"),
               ("vpcs", "vpc_id"), ("addons", "addon_arn"))


def dedupe(aws: AwsRecords) -> None:
    """Keep one of each resource read twice (two files, or a list and a describe): the
    fullest copy where copies differ (a role from ``get-account-authorization-details``
    over one from ``list-roles``; a described access entry over a listed one)."""
    aws.roles.sort(key=lambda r: not (r.role_policy_list or r.attached_managed_policies
                                      or r.instance_profile_list))
    aws.access_entries.sort(key=lambda e: not (e.kubernetes_groups or e.username))
    merged: dict[tuple[str, str], AccessEntry] = {}
    for entry in aws.access_entries:
        first = merged.setdefault((entry.cluster_name, entry.principal_arn), entry)
        if first is not entry:
            first.access_policies.extend(entry.access_policies)
    aws.access_entries = list(merged.values())
    for name, key in _IDENTITIES:
        seen: set[str] = set()
        kept: list[object] = []
        for item in getattr(aws, name):
            value = getattr(item, key)
            if value and value in seen:
                continue
            seen.add(value)
            kept.append(item)
        setattr(aws, name, kept)


def join_policies(aws: AwsRecords) -> list[Problem]:
    """Attach access policies to their access entries (creating entries for those read
    alone) and resource policies to their buckets, keys, repositories and secrets; a policy
    whose resource was not read is a problem."""
    for entry in aws.access_entries:
        entry.access_policies.extend(
            aws.pending_access_policies.pop((entry.cluster_name, entry.principal_arn), []))
    for (cluster, principal), policies in aws.pending_access_policies.items():
        aws.access_entries.append(AccessEntry(cluster_name=cluster, principal_arn=principal,
                                              access_policies=policies))
    aws.pending_access_policies = {}
    for bucket in aws.buckets:
        bucket.policy = aws.pending_bucket_policies.pop(bucket.name, bucket.policy)
    for key in aws.kms_keys:
        key.policy = aws.pending_key_policies.pop(key.key_id, None) or \
            aws.pending_key_policies.pop(key.key_arn, key.policy)
    for repo in aws.repositories:
        repo.policy = aws.pending_repository_policies.pop(repo.repository_name, repo.policy)
    for secret in aws.secrets:
        secret.resource_policy = aws.pending_secret_policies.pop(secret.arn, None) or \
            aws.pending_secret_policies.pop(secret.name, secret.resource_policy)
    problems = []
    for what, pending in (("bucket", aws.pending_bucket_policies),
                          ("KMS key", aws.pending_key_policies),
                          ("ECR repository", aws.pending_repository_policies),
                          ("secret", aws.pending_secret_policies)):
        for name in pending:
            problems.append(Problem("aws input", f"a policy for {what} {name!r} was read "
                                    f"but the {what} itself was not: the policy is unused"))
        pending.clear()
    return problems


def choose_cluster(aws: AwsRecords, nodes: Iterable[Node],
                   instance_for: Callable[[Node], Ec2Instance | None]) -> list[Problem]:
    """Set ``aws.cluster_name`` when the input shows which EKS cluster the Kubernetes input
    is: the nodes' instance tags, else the only cluster described, else the only cluster
    every EKS document names. ``instance_for`` finds a node's EC2 instance."""
    names = [c.name for c in aws.clusters]
    if aws.cluster_name is not None:
        if aws.cluster_name in names:
            return []
        return [Problem("aws input", f"EKS cluster {aws.cluster_name!r} is not in the input "
                        "(read: " + (", ".join(names) or "none") + "); the EKS bridges are "
                        "left out")]
    instances = (instance_for(node) for node in nodes)
    from_tags = {cluster_tag(i) for i in instances if i is not None} - {None}
    named = {g.cluster_name for g in aws.nodegroups} | {
        a.cluster_name for a in aws.pod_identity_associations} | {
        e.cluster_name for e in aws.access_entries}
    if len(from_tags) == 1:
        aws.cluster_name = from_tags.pop()
    elif len(names) == 1:
        aws.cluster_name = names[0]
    elif not names and len(named) == 1:
        # No describe-cluster document, but every EKS document names the same cluster.
        aws.cluster_name = named.pop()
    elif len(names) > 1:
        return [Problem("aws input", "the input holds EKS clusters " + ", ".join(names)
                        + " and the nodes do not say which is this one; give --eks-cluster "
                        "NAME (the EKS bridges are left out until then)")]
    return []


def cluster_tag(instance: Ec2Instance) -> str | None:
    """The EKS cluster an instance's tags say it belongs to."""
    for tag in instance.tags:
        if tag.key in CLUSTER_TAGS:
            return tag.value
        if tag.key.startswith(CLUSTER_TAG_PREFIX) and tag.value == "owned":
            return tag.key.removeprefix(CLUSTER_TAG_PREFIX)
    return None


def check_references(aws: AwsRecords,
                     managed_policy: Callable[[str], ManagedPolicy | None]) -> list[Problem]:
    """A problem per managed policy attached to some principal but not read (that
    ``managed_policy`` does not find)."""
    missing: dict[str, list[str]] = defaultdict(list)
    holders: list[IamRole | IamUser | IamGroup] = [*aws.roles, *aws.users, *aws.groups]
    for principal in holders:
        for attached in principal.attached_managed_policies:
            if managed_policy(attached.policy_arn) is None:
                missing[attached.policy_arn].append(principal.arn)
    return [Problem("aws input", f"managed policy {arn} is attached to {len(users)} "
                    f"principal(s) (e.g. {users[0]}) but its document is not in the input, "
                    "so it grants nothing here; include it in get-account-authorization-details "
                    "output") for arn, users in sorted(missing.items())]
