"""The AWS resources as read: one list per kind, plus the documents that arrive apart
from their resource (access and resource policies), waiting for
:mod:`riskgraph.estate.aws_joins` to attach them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from riskgraph.models.aws import (
    AccessEntry,
    AssociatedAccessPolicy,
    Ec2Instance,
    EcrRepository,
    EksAddon,
    EksCluster,
    EksNodegroup,
    IamGroup,
    IamRole,
    IamUser,
    KmsKey,
    LaunchTemplateVersion,
    ManagedPolicy,
    OidcProvider,
    PodIdentityAssociation,
    PolicyJson,
    RdsDatabase,
    S3Bucket,
    SecretsManagerSecret,
    SecurityGroup,
    ServiceControlPolicy,
    ServiceEndpoint,
    SsmParameter,
    UserCredentials,
    Vpc,
    VpcEndpoint,
)
from riskgraph.models.aws.services import (
    AutoScalingGroup,
    CloudFormationStack,
    CodeBuildProject,
    LambdaFunction,
)


@dataclass
class AwsRecords:
    """Every AWS resource read, as lists in reading order, before any join or index."""

    roles: list[IamRole] = field(default_factory=list)
    users: list[IamUser] = field(default_factory=list)
    groups: list[IamGroup] = field(default_factory=list)
    managed_policies: list[ManagedPolicy] = field(default_factory=list)
    oidc_providers: list[OidcProvider] = field(default_factory=list)
    scps: list[ServiceControlPolicy] = field(default_factory=list)
    instances: list[Ec2Instance] = field(default_factory=list)
    launch_templates: list[LaunchTemplateVersion] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    clusters: list[EksCluster] = field(default_factory=list)
    nodegroups: list[EksNodegroup] = field(default_factory=list)
    pod_identity_associations: list[PodIdentityAssociation] = field(default_factory=list)
    access_entries: list[AccessEntry] = field(default_factory=list)
    secrets: list[SecretsManagerSecret] = field(default_factory=list)
    parameters: list[SsmParameter] = field(default_factory=list)
    buckets: list[S3Bucket] = field(default_factory=list)
    repositories: list[EcrRepository] = field(default_factory=list)
    kms_keys: list[KmsKey] = field(default_factory=list)
    databases: list[RdsDatabase] = field(default_factory=list)
    endpoints: list[ServiceEndpoint] = field(default_factory=list)
    vpcs: list[Vpc] = field(default_factory=list)
    addons: list[EksAddon] = field(default_factory=list)
    #: Rows of the IAM credential report (console passwords, access keys).
    credential_reports: list[UserCredentials] = field(default_factory=list)
    #: Resources that run with a role (the pivots of aws.resource-pivot and aws.passrole).
    functions: list[LambdaFunction] = field(default_factory=list)
    stacks: list[CloudFormationStack] = field(default_factory=list)
    build_projects: list[CodeBuildProject] = field(default_factory=list)
    scaling_groups: list[AutoScalingGroup] = field(default_factory=list)
    vpc_endpoints: list[VpcEndpoint] = field(default_factory=list)
    #: Whether a ``describe-vpc-endpoints`` answer was read: none read is not none there.
    vpc_endpoints_read: bool = False
    #: Documents that arrive apart from their resource, joined by :meth:`finish`.
    #: Keyed by (cluster name, principal ARN).
    pending_access_policies: dict[tuple[str, str], list[AssociatedAccessPolicy]] = \
        field(default_factory=dict)
    #: Keyed by bucket name, key id or ARN, repository name, and secret ARN or name.
    pending_bucket_policies: dict[str, PolicyJson] = field(default_factory=dict)
    pending_key_policies: dict[str, PolicyJson] = field(default_factory=dict)
    pending_repository_policies: dict[str, PolicyJson] = field(default_factory=dict)
    pending_secret_policies: dict[str, PolicyJson] = field(default_factory=dict)
    #: Account ids named by inputs that carry no ARN of their own (``sts get-caller-identity``).
    known_accounts: set[str] = field(default_factory=set)
    #: The organization the accounts belong to (``organizations describe-organization``)
    #: and its member accounts (``list-accounts``; empty when not read).
    organization_id: str | None = None
    organization_accounts: set[str] = field(default_factory=set)
    #: Account or organizational unit id -> the id of the unit or root above it.
    organization_parents: dict[str, str] = field(default_factory=dict)
    #: The EKS cluster name the Kubernetes input is (``--eks-cluster``); decided when None.
    cluster_name: str | None = None
    #: The time conditions on dates are decided at (``--as-of``); None: when analysed.
    as_of: datetime | None = None
    sources: list[str] = field(default_factory=list)

    def extend(self, other: AwsRecords) -> None:
        """Add everything another (unfinished) record set holds."""
        for name in _LIST_FIELDS:
            getattr(self, name).extend(getattr(other, name))
        for key, policies in other.pending_access_policies.items():
            self.pending_access_policies.setdefault(key, []).extend(policies)
        self.pending_bucket_policies.update(other.pending_bucket_policies)
        self.pending_key_policies.update(other.pending_key_policies)
        self.pending_repository_policies.update(other.pending_repository_policies)
        self.pending_secret_policies.update(other.pending_secret_policies)
        self.known_accounts |= other.known_accounts
        self.organization_id = self.organization_id or other.organization_id
        self.organization_accounts |= other.organization_accounts
        self.organization_parents.update(other.organization_parents)
        self.cluster_name = self.cluster_name or other.cluster_name
        self.as_of = self.as_of or other.as_of
        self.vpc_endpoints_read = self.vpc_endpoints_read or other.vpc_endpoints_read

    @property
    def empty(self) -> bool:
        return not (self.roles or self.users or self.instances or self.clusters
                    or self.secrets or self.parameters or self.buckets)


_LIST_FIELDS = tuple(f.name for f in fields(AwsRecords) if f.type.startswith("list["))
