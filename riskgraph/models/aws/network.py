"""VPCs, EKS add-ons and the network services pods open connections to (ElastiCache,
OpenSearch, Redshift): what decides who can talk to whom inside an account."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from riskgraph.models.aws.base import AwsModel, EksModel
from riskgraph.models.base import none_is_empty_list

#: CIDR association states that still route traffic.
_LIVE_STATES = frozenset({"associated", "associating"})


class CidrBlockState(AwsModel):
    state: str = "associated"


class CidrBlockAssociation(AwsModel):
    cidr_block: str
    cidr_block_state: CidrBlockState = Field(default_factory=CidrBlockState)


class Ipv6CidrBlockAssociation(AwsModel):
    ipv6_cidr_block: str
    ipv6_cidr_block_state: CidrBlockState = Field(default_factory=CidrBlockState)


class Vpc(AwsModel):
    """One VPC of ``ec2 describe-vpcs`` (``Vpcs``): its address ranges hold the pods when
    the cluster runs the VPC CNI."""

    vpc_id: str
    owner_id: str = ""
    cidr_block: str | None = None
    cidr_block_association_set: Annotated[list[CidrBlockAssociation],
                                          BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    ipv6_cidr_block_association_set: Annotated[list[Ipv6CidrBlockAssociation],
                                               BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def cidrs(self) -> list[str]:
        """Every IPv4 and IPv6 range still associated, the primary first, each once.

        >>> Vpc.model_validate({"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
        ...     "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16"},
        ...         {"CidrBlock": "100.64.0.0/16",
        ...          "CidrBlockState": {"State": "disassociated"}}],
        ...     "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f14::/56"}]}).cidrs
        ['10.0.0.0/16', '2600:1f14::/56']
        """
        found = [self.cidr_block] if self.cidr_block else []
        found += [a.cidr_block for a in self.cidr_block_association_set
                  if a.cidr_block_state.state in _LIVE_STATES]
        found += [a.ipv6_cidr_block for a in self.ipv6_cidr_block_association_set
                  if a.ipv6_cidr_block_state.state in _LIVE_STATES]
        return list(dict.fromkeys(found))


class EksAddon(EksModel):
    """``eks describe-addon`` (``addon``). ``configuration_values`` is the JSON or YAML
    text the add-on was configured with (the VPC CNI's ``enableNetworkPolicy``)."""

    addon_name: str
    cluster_name: str = ""
    addon_version: str | None = None
    addon_arn: str = ""
    configuration_values: str | None = None


class ServiceEndpoint(AwsModel):
    """A network service inside a VPC that pods connect to, guarded by security groups:
    an ElastiCache cluster or serverless cache, an OpenSearch domain, a Redshift cluster.
    The CLI shapes differ, so ingest maps each onto these fields; ``service`` names the
    AWS service ("ElastiCache", "OpenSearch", "Redshift") and ``kind`` the resource type
    ("cache cluster", "serverless cache", "domain", "cluster")."""

    service: str
    kind: str
    arn: str
    identifier: str
    engine: str = ""
    address: str | None = None
    port: int | None = None
    vpc_id: str | None = None
    security_group_ids: Annotated[list[str], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    publicly_accessible: bool = False


class VpcEndpoint(AwsModel):
    """``ec2 describe-vpc-endpoints`` (``VpcEndpoints``): a private way from a VPC to an AWS
    service (``com.amazonaws.<region>.ecr.dkr``, ``...s3``) without the internet."""

    vpc_endpoint_id: str
    vpc_id: str | None = None
    service_name: str = ""
    vpc_endpoint_type: str = ""
    state: str = ""
