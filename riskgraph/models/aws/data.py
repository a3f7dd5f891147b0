"""Data stores (Secrets Manager, SSM, S3, ECR, KMS) and RDS databases."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from riskgraph.models.aws.base import (
    AwsModel,
    EksModel,
    PolicyDocument,
)
from riskgraph.models.base import none_is_empty_list

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
    #: ``MUTABLE`` or ``IMMUTABLE``; None when the input leaves it out.
    image_tag_mutability: str | None = None
    #: ``{"scanOnPush": bool}`` as ``describe-repositories`` prints it.
    image_scanning_configuration: dict[str, bool] | None = None

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
    through its security groups (``net.reach-aws``). ``vpc_id`` is the instance's
    ``DBSubnetGroup.VpcId``; clusters name their subnet group only, so theirs is unknown."""

    kind: str = "instance"
    arn: str
    identifier: str
    engine: str = ""
    port: int | None = None
    endpoint: str | None = None
    publicly_accessible: bool = False
    vpc_id: str | None = None
    vpc_security_groups: Annotated[list[VpcSecurityGroupMembership],
                                   BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def security_group_ids(self) -> list[str]:
        return [g.vpc_security_group_id for g in self.vpc_security_groups
                if g.status == "active"]
