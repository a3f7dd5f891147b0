"""Offline AWS input: ``aws ... --output json`` documents, recognised by their top-level keys.

Each document is one CLI call's output, as the CLI prints it (a paginated call may be split
over several files, each holding part). A few outputs do not name what they describe; for
those a key is added by whoever saved them (the live reader adds them too):

- ``s3api get-bucket-policy``: ``"Bucket": "<name>"``;
- ``kms get-key-policy``: ``"KeyId": "<key id or ARN>"``;
- ``eks list-access-entries``: ``"clusterName": "<cluster>"``;
- ``organizations describe-policy``: optionally ``"Targets"``, the account, OU or root ids
  the SCP is attached to (ids, or list-targets-for-policy's ``Targets`` entries);
- ``organizations list-accounts-for-parent`` and ``list-organizational-units-for-parent``:
  ``"ParentId": "<the --parent-id>"``, so that an SCP on a unit reaches its accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ingest import _aws_endpoint_shapes as endpoints
from ingest import _aws_service_shapes as services
from ingest import _aws_shapes as shapes
from ingest._aws_document import AwsDocument, name_of
from riskgraph.errors import Problem
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.models.aws import (
    AccessEntry,
    AutoScalingGroup,
    CloudFormationStack,
    EcrRepository,
    EksAddon,
    EksCluster,
    EksNodegroup,
    IamGroup,
    IamRole,
    IamUser,
    KmsKey,
    LambdaFunction,
    LaunchTemplateVersion,
    OidcProvider,
    PodIdentityAssociation,
    S3Bucket,
    SecretsManagerSecret,
    SecurityGroup,
    Vpc,
    VpcEndpoint,
)

#: How a resource is read: its model, the AwsInventory list it goes to, how problems name
#: it, and the fields that hold its name (the first present is used).
_Resource = tuple[type[BaseModel], str, str, tuple[str, ...]]
Handler = Callable[[AwsDocument, str, Any], bool]

_ROLE: _Resource = (IamRole, "roles", "IAM role", ("RoleName", "Arn"))

#: Keys whose value is a list of resources of one kind.
_LISTS: dict[str, _Resource] = {
    # iam get-account-authorization-details (with "Policies", read below)
    "UserDetailList": (IamUser, "users", "IAM user", ("UserName", "Arn")),
    "GroupDetailList": (IamGroup, "groups", "IAM group", ("GroupName", "Arn")),
    "RoleDetailList": _ROLE,
    "Roles": _ROLE,  # iam list-roles (trust policies only)
    "OpenIDConnectProviderList": (OidcProvider, "oidc_providers", "OIDC provider", ("Arn",)),
    "LaunchTemplateVersions": (LaunchTemplateVersion, "launch_templates", "launch template",
                               ("LaunchTemplateName", "LaunchTemplateId")),
    "SecurityGroups": (SecurityGroup, "security_groups", "security group", ("GroupId",)),
    "Vpcs": (Vpc, "vpcs", "VPC", ("VpcId",)),  # ec2 describe-vpcs
    "SecretList": (SecretsManagerSecret, "secrets", "secret", ("Name", "ARN")),
    "Buckets": (S3Bucket, "buckets", "S3 bucket", ("Name",)),
    "repositories": (EcrRepository, "repositories", "ECR repository", ("repositoryName",)),
    "Keys": (KmsKey, "kms_keys", "KMS key", ("KeyId",)),  # kms list-keys
    "Functions": (LambdaFunction, "functions", "Lambda function", ("FunctionName",)),
    "Stacks": (CloudFormationStack, "stacks", "CloudFormation stack", ("StackName",)),
    "AutoScalingGroups": (AutoScalingGroup, "scaling_groups", "Auto Scaling group",
                          ("AutoScalingGroupName",)),
}

#: Keys whose value is one resource (a describe or get call).
_SINGLES: dict[str, _Resource] = {
    "Role": _ROLE,  # iam get-role
    "cluster": (EksCluster, "clusters", "EKS cluster", ("name",)),
    "nodegroup": (EksNodegroup, "nodegroups", "EKS node group", ("nodegroupName",)),
    "association": (PodIdentityAssociation, "pod_identity_associations",
                    "pod identity association", ("associationId",)),
    "accessEntry": (AccessEntry, "access_entries", "EKS access entry", ("principalArn",)),
    "addon": (EksAddon, "addons", "EKS add-on", ("addonName",)),  # eks describe-addon
}


def _read_list(resource: _Resource) -> Handler:
    model, target, label, names = resource

    def read(d: AwsDocument, key: str, value: Any) -> bool:
        found = getattr(d.out, target)
        for index, data in enumerate(d.items(key, value)):
            where = f"{key}[{index}]"
            item = d.model(model, data, where, name_of(data, label, names, where))
            if item is not None:
                found.append(item)
        return True

    return read


def _read_single(resource: _Resource) -> Handler:
    model, target, label, names = resource

    def read(d: AwsDocument, key: str, value: Any) -> bool:
        item = d.model(model, value, key, name_of(value, label, names, key))
        if item is not None:
            getattr(d.out, target).append(item)
        return True

    return read


_read_endpoints = _read_list((VpcEndpoint, "vpc_endpoints", "VPC endpoint", ("VpcEndpointId",)))


def _vpc_endpoints(d: AwsDocument, key: str, value: Any) -> bool:
    """``ec2 describe-vpc-endpoints``; an empty answer still says the VPCs have none."""
    d.out.vpc_endpoints_read = True
    return _read_endpoints(d, key, value)


#: Every top-level key that marks a document riskgraph reads, and what reads it.
HANDLERS: dict[str, Handler] = {
    **{key: _read_list(resource) for key, resource in _LISTS.items()},
    **{key: _read_single(resource) for key, resource in _SINGLES.items()},
    "Policies": shapes.managed_policies,  # get-account-authorization-details
    "Policy": shapes.policy,  # organizations describe-policy, get-bucket-policy, get-key-policy
    "UserId": shapes.caller_identity,  # sts get-caller-identity
    "Reservations": shapes.reservations,  # ec2 describe-instances
    "VpcEndpoints": _vpc_endpoints,  # ec2 describe-vpc-endpoints
    "associations": shapes.pod_identity_summaries,  # eks list-pod-identity-associations
    "accessEntries": shapes.access_entry_list,  # eks list-access-entries
    "associatedAccessPolicies": shapes.access_policies,  # eks list-associated-access-policies
    "Parameters": shapes.parameters,  # ssm describe-parameters
    "ARN": shapes.secret,  # secretsmanager get-resource-policy, describe-secret
    "policyText": shapes.repository_policy,  # ecr get-repository-policy
    "KeyMetadata": shapes.key_metadata,  # kms describe-key
    "DBInstances": shapes.databases,  # rds describe-db-instances
    "DBClusters": shapes.databases,  # rds describe-db-clusters
    "CacheClusters": endpoints.cache_clusters,  # elasticache describe-cache-clusters
    "ServerlessCaches": endpoints.serverless_caches,  # elasticache describe-serverless-caches
    "DomainStatusList": endpoints.domains,  # opensearch describe-domains, es describe-...
    "Clusters": endpoints.redshift_clusters,  # redshift describe-clusters
    "ReportFormat": services.credential_report,  # iam get-credential-report
    "projects": services.build_projects,  # codebuild batch-get-projects
    "Organization": services.organization,  # organizations describe-organization
    "Accounts": services.organization_accounts,  # organizations list-accounts(-for-parent)
    "OrganizationalUnits": services.organizational_units,  # list-organizational-units-for-parent
}


def parse_aws_document(doc: dict[str, Any], source: str, out: AwsInventory,
                       problems: list[Problem]) -> bool:
    """Add one AWS CLI output document to ``out``; False when it is not one riskgraph knows.

    Parameters
    ----------
    doc
        The decoded document (a JSON object without ``kind``).
    source
        The file (or API call) it came from, for problems and ``out.sources``.
    out
        Where the resources go; joined up later by :meth:`AwsInventory.finish`.
    problems
        Where a problem is added for each resource that cannot be read; the rest of the
        document is still read.
    """
    document = AwsDocument(doc, source, out, problems)
    recognised = False
    for key, value in doc.items():
        handler = HANDLERS.get(key)
        if handler is not None and handler(document, key, value):
            recognised = True
    if recognised and source not in out.sources[-1:]:
        out.sources.append(source)
    return recognised
