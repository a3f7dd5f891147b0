"""IAM: principals, their policies, OIDC providers and Organizations SCPs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from riskgraph.models.aws.base import (
    AwsModel,
    PolicyDocument,
    PolicyJson,
    Tag,
    account_of,
)
from riskgraph.models.base import none_is_empty_list


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
                                         BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    permissions_boundary: PermissionsBoundary | None = None
    tags: Annotated[list[Tag], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)

    @property
    def account(self) -> str:
        return account_of(self.arn)


class IamRole(IamPrincipal):
    role_name: str
    path: str = "/"
    assume_role_policy_document: PolicyDocument | None = None
    role_policy_list: Annotated[list[InlinePolicy], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    instance_profile_list: Annotated[list[InstanceProfile],
                                     BeforeValidator(none_is_empty_list)] = \
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
    user_policy_list: Annotated[list[InlinePolicy], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    group_list: Annotated[list[str], BeforeValidator(none_is_empty_list)] = \
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
    group_policy_list: Annotated[list[InlinePolicy], BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)
    attached_managed_policies: Annotated[list[AttachedPolicy],
                                         BeforeValidator(none_is_empty_list)] = \
        Field(default_factory=list)


class PolicyVersion(AwsModel):
    document: PolicyDocument | None = None
    version_id: str = ""
    is_default_version: bool = False


class ManagedPolicy(AwsModel):
    policy_name: str
    arn: str
    default_version_id: str = ""
    policy_version_list: Annotated[list[PolicyVersion], BeforeValidator(none_is_empty_list)] = \
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


class UserCredentials(AwsModel):
    """A user's row of the IAM credential report (``iam get-credential-report``): whether
    it has a console password (``None`` for the root row, ``not_supported``) and how many
    access keys it holds, active or not (AWS allows two)."""

    arn: str
    user: str = ""
    password_enabled: bool | None = None
    access_keys: int = 0
