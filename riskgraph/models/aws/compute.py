"""EC2 instances, launch templates and security groups; EKS clusters, node groups, Pod
Identity associations and access entries."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from riskgraph.models.aws.base import (
    AwsModel,
    EksModel,
    Tag,
)
from riskgraph.models.base import none_is_empty_list

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


class InstanceState(AwsModel):
    name: str = ""


class Ec2Instance(AwsModel):
    """One instance of ``describe-instances``; ``account`` and ``region`` are filled from the
    reservation's ``OwnerId`` and the availability zone while parsing."""

    instance_id: str
    account: str = ""
    region: str = ""
    iam_instance_profile: InstanceProfileRef | None = None
    metadata_options: MetadataOptions | None = None
    security_groups: Annotated[list[GroupIdentifier], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    tags: Annotated[list[Tag], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    public_ip_address: str | None = None
    private_dns_name: str | None = None
    vpc_id: str | None = None
    state: InstanceState | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account}:instance/{self.instance_id}"

    @property
    def running(self) -> bool:
        """Running or starting (an input without the state counts as running)."""
        return self.state is None or self.state.name in ("running", "pending")

    def tag(self, key: str) -> str | None:
        return next((t.value for t in self.tags if t.key == key), None)


class LaunchTemplateData(AwsModel):
    iam_instance_profile: InstanceProfileRef | None = None
    metadata_options: MetadataOptions | None = None
    security_group_ids: Annotated[list[str], BeforeValidator(none_is_empty_list)] = \
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
    ip_ranges: Annotated[list[IpRange], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    ipv6_ranges: Annotated[list[Ipv6Range], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    user_id_group_pairs: Annotated[list[GroupPair], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)


class SecurityGroup(AwsModel):
    group_id: str
    group_name: str = ""
    owner_id: str = ""
    vpc_id: str | None = None
    ip_permissions: Annotated[list[IpPermission], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    ip_permissions_egress: Annotated[list[IpPermission],
                                     BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)


# EKS -----------------------------------------------------------------------------------


class OidcIdentity(EksModel):
    issuer: str | None = None


class ClusterIdentity(EksModel):
    oidc: OidcIdentity | None = None


class AccessConfig(EksModel):
    authentication_mode: str = "CONFIG_MAP"


class ResourcesVpcConfig(EksModel):
    vpc_id: str | None = None
    cluster_security_group_id: str | None = None
    security_group_ids: list[str] = Field(default_factory=list)
    subnet_ids: list[str] = Field(default_factory=list)


class KubernetesNetworkConfig(EksModel):
    ip_family: str = "ipv4"


class EksCluster(EksModel):
    name: str
    arn: str
    role_arn: str | None = None
    version: str | None = None
    identity: ClusterIdentity | None = None
    access_config: AccessConfig = Field(default_factory=AccessConfig)
    resources_vpc_config: ResourcesVpcConfig = Field(default_factory=ResourcesVpcConfig)
    kubernetes_network_config: KubernetesNetworkConfig = \
        Field(default_factory=KubernetesNetworkConfig)

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
    #: The node group's AMI family (``BOTTLEROCKET_x86_64``, ``AL2023_x86_64_STANDARD``, ...).
    ami_type: str | None = None


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
