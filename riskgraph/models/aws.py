"""Pydantic models of the AWS resources riskgraph reads, shaped like ``aws ... --output json``.

IAM, EC2, Secrets Manager, SSM, S3 and KMS output is PascalCase (:class:`AwsModel`); EKS and
ECR output is camelCase (:class:`EksModel`). Policy documents are kept as decoded JSON
(``dict``); the raw API's URL-encoded strings are decoded on the way in. As for Kubernetes,
fields no attacker step depends on are dropped while parsing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel, to_pascal

#: A policy document as decoded JSON: ``{"Version": ..., "Statement": [...]}``.
PolicyJson = dict[str, Any]


def decode_policy(value: Any) -> Any:
    """A policy document from the CLI (already decoded), boto3, or the raw API (URL-encoded
    JSON text); ``None`` and ``""`` stand for no policy."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{"):
            text = unquote(text)
        return json.loads(text)
    return value


PolicyDocument = Annotated[PolicyJson, BeforeValidator(decode_policy)]


def _none_is_empty_list(value: Any) -> Any:
    return [] if value is None else value


class AwsModel(BaseModel):
    """PascalCase output (IAM, EC2, Secrets Manager, SSM, S3, KMS, Organizations)."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True,
                              extra="ignore", coerce_numbers_to_str=True)


class EksModel(BaseModel):
    """camelCase output (EKS, ECR)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="ignore", coerce_numbers_to_str=True)


def account_of(arn: str) -> str:
    """The account id field of an ARN (``""`` for S3 buckets and other account-less ARNs).

    >>> account_of("arn:aws:iam::111122223333:role/batch")
    '111122223333'
    """
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""


# IAM -----------------------------------------------------------------------------------


class Tag(AwsModel):
    key: str
    value: str = ""


class InlinePolicy(AwsModel):
    policy_name: str
    policy_document: PolicyDocument


class AttachedPolicy(AwsModel):
    policy_name: str = ""
    policy_arn: str


class PermissionsBoundary(AwsModel):
    permissions_boundary_arn: str
    permissions_boundary_type: str = "Policy"


class RoleRef(AwsModel):
    role_name: str = ""
    arn: str


class InstanceProfile(AwsModel):
    instance_profile_name: str
    arn: str
    roles: list[RoleRef] = Field(default_factory=list)


class IamPrincipal(AwsModel):
    """What users and roles share: an ARN, identity policies and a boundary."""

    arn: str
    attached_managed_policies: Annotated[list[AttachedPolicy],
                                         BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    permissions_boundary: PermissionsBoundary | None = None
    tags: Annotated[list[Tag], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def account(self) -> str:
        return account_of(self.arn)


class IamRole(IamPrincipal):
    role_name: str
    path: str = "/"
    assume_role_policy_document: PolicyDocument | None = None
    role_policy_list: Annotated[list[InlinePolicy], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    instance_profile_list: Annotated[list[InstanceProfile],
                                     BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.role_name

    @property
    def inline_policies(self) -> list[InlinePolicy]:
        return self.role_policy_list


class IamUser(IamPrincipal):
    user_name: str
    path: str = "/"
    user_policy_list: Annotated[list[InlinePolicy], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    group_list: Annotated[list[str], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.user_name

    @property
    def inline_policies(self) -> list[InlinePolicy]:
        return self.user_policy_list


class IamGroup(AwsModel):
    group_name: str
    arn: str
    group_policy_list: Annotated[list[InlinePolicy], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    attached_managed_policies: Annotated[list[AttachedPolicy],
                                         BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)


class PolicyVersion(AwsModel):
    document: PolicyDocument | None = None
    version_id: str = ""
    is_default_version: bool = False


class ManagedPolicy(AwsModel):
    policy_name: str
    arn: str
    default_version_id: str = ""
    policy_version_list: Annotated[list[PolicyVersion], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def document(self) -> PolicyJson | None:
        """The default version's document (the one AWS evaluates)."""
        for version in self.policy_version_list:
            if version.is_default_version or version.version_id == self.default_version_id:
                return version.document
        return None


class OidcProvider(AwsModel):
    arn: str

    @property
    def url(self) -> str:
        """The issuer host and path, as trust-policy condition keys spell it."""
        return self.arn.split(":oidc-provider/", 1)[-1]


class ServiceControlPolicy(AwsModel):
    """An Organizations SCP (``describe-policy``); ``targets`` are the account, OU or root
    ids it is attached to (empty: it applies to every account in the input)."""

    id: str = ""
    arn: str = ""
    name: str = ""
    content: PolicyDocument
    targets: list[str] = Field(default_factory=list)


# EC2 -----------------------------------------------------------------------------------


class MetadataOptions(AwsModel):
    """Instance metadata service settings; ``None`` fields were not in the input."""

    http_tokens: str | None = None
    http_put_response_hop_limit: int | None = None
    http_endpoint: str | None = None


class GroupIdentifier(AwsModel):
    group_id: str
    group_name: str = ""


class InstanceProfileRef(AwsModel):
    arn: str | None = None
    name: str | None = None
    id: str | None = None


class Ec2Instance(AwsModel):
    """One instance of ``describe-instances``; ``account`` and ``region`` are filled from the
    reservation's ``OwnerId`` and the availability zone while parsing."""

    instance_id: str
    account: str = ""
    region: str = ""
    iam_instance_profile: InstanceProfileRef | None = None
    metadata_options: MetadataOptions | None = None
    security_groups: Annotated[list[GroupIdentifier], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    tags: Annotated[list[Tag], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    public_ip_address: str | None = None
    private_dns_name: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account}:instance/{self.instance_id}"

    def tag(self, key: str) -> str | None:
        return next((t.value for t in self.tags if t.key == key), None)


class LaunchTemplateData(AwsModel):
    iam_instance_profile: InstanceProfileRef | None = None
    metadata_options: MetadataOptions | None = None
    security_group_ids: Annotated[list[str], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)


class LaunchTemplateVersion(AwsModel):
    launch_template_id: str
    launch_template_name: str = ""
    version_number: int = 1
    default_version: bool = False
    launch_template_data: LaunchTemplateData = Field(default_factory=LaunchTemplateData)


class IpRange(AwsModel):
    cidr_ip: str


class Ipv6Range(AwsModel):
    cidr_ipv6: str


class GroupPair(AwsModel):
    group_id: str


class IpPermission(AwsModel):
    ip_protocol: str = "-1"
    from_port: int | None = None
    to_port: int | None = None
    ip_ranges: Annotated[list[IpRange], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    ipv6_ranges: Annotated[list[Ipv6Range], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    user_id_group_pairs: Annotated[list[GroupPair], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)


class SecurityGroup(AwsModel):
    group_id: str
    group_name: str = ""
    owner_id: str = ""
    vpc_id: str | None = None
    ip_permissions: Annotated[list[IpPermission], BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)
    ip_permissions_egress: Annotated[list[IpPermission],
                                     BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)


# EKS -----------------------------------------------------------------------------------


class OidcIdentity(EksModel):
    issuer: str | None = None


class ClusterIdentity(EksModel):
    oidc: OidcIdentity | None = None


class AccessConfig(EksModel):
    authentication_mode: str = "CONFIG_MAP"


class EksCluster(EksModel):
    name: str
    arn: str
    role_arn: str | None = None
    version: str | None = None
    identity: ClusterIdentity | None = None
    access_config: AccessConfig = Field(default_factory=AccessConfig)

    @property
    def oidc_issuer(self) -> str | None:
        """The issuer without its scheme (``oidc.eks.<region>.amazonaws.com/id/<ID>``)."""
        issuer = self.identity.oidc.issuer if self.identity and self.identity.oidc else None
        return issuer.removeprefix("https://") if issuer else None

    @property
    def reads_aws_auth(self) -> bool:
        """Whether the aws-auth ConfigMap maps IAM to Kubernetes (not in API-only mode)."""
        return self.access_config.authentication_mode != "API"


class NodegroupLaunchTemplate(EksModel):
    name: str | None = None
    version: str | None = None
    id: str | None = None


class EksNodegroup(EksModel):
    nodegroup_name: str
    nodegroup_arn: str = ""
    cluster_name: str = ""
    node_role: str | None = None
    launch_template: NodegroupLaunchTemplate | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    capacity_type: str | None = None


class PodIdentityAssociation(EksModel):
    cluster_name: str
    namespace: str
    service_account: str
    role_arn: str
    association_arn: str = ""
    association_id: str = ""
    target_role_arn: str | None = None


class AccessScope(EksModel):
    type: str = "cluster"
    namespaces: list[str] = Field(default_factory=list)


class AssociatedAccessPolicy(EksModel):
    policy_arn: str
    access_scope: AccessScope = Field(default_factory=AccessScope)


class AccessEntry(EksModel):
    """``describe-access-entry``; ``access_policies`` are merged in from
    ``list-associated-access-policies`` for the same cluster and principal."""

    cluster_name: str
    principal_arn: str
    kubernetes_groups: list[str] = Field(default_factory=list)
    username: str | None = None
    type: str = "STANDARD"
    access_policies: list[AssociatedAccessPolicy] = Field(default_factory=list)


# Data stores ---------------------------------------------------------------------------


class SecretsManagerSecret(AwsModel):
    arn: str = Field(alias="ARN")
    name: str
    kms_key_id: str | None = None
    resource_policy: PolicyDocument | None = None


class SsmParameter(AwsModel):
    arn: str = Field(alias="ARN")
    name: str
    type: str = "String"
    key_id: str | None = None


class S3Bucket(AwsModel):
    name: str
    policy: PolicyDocument | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


class EcrRepository(EksModel):
    repository_arn: str
    repository_name: str
    registry_id: str = ""
    policy: PolicyDocument | None = None

    @property
    def arn(self) -> str:
        return self.repository_arn


class KmsKey(AwsModel):
    key_id: str
    key_arn: str
    policy: PolicyDocument | None = None

    @property
    def arn(self) -> str:
        return self.key_arn


# Network endpoints ---------------------------------------------------------------------


class RdsEndpoint(AwsModel):
    address: str | None = None
    port: int | None = None


class VpcSecurityGroupMembership(AwsModel):
    vpc_security_group_id: str
    status: str = "active"


class RdsDatabase(AwsModel):
    """One DB instance (``rds describe-db-instances``: ``DBInstances``) or cluster
    (``describe-db-clusters``: ``DBClusters``); ``kind`` says which. Reached over the network
    through its security groups (``net.reach-aws``)."""

    kind: str = "instance"
    arn: str
    identifier: str
    engine: str = ""
    port: int | None = None
    endpoint: str | None = None
    publicly_accessible: bool = False
    vpc_security_groups: Annotated[list[VpcSecurityGroupMembership],
                                   BeforeValidator(_none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def security_group_ids(self) -> list[str]:
        return [g.vpc_security_group_id for g in self.vpc_security_groups
                if g.status == "active"]
