"""Resources that run code with an IAM role: Lambda functions, CloudFormation stacks,
CodeBuild projects, and the Auto Scaling groups that launch instances. Only what names the
resource and its role is kept (environment variables, parameters and user data are not)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from riskgraph.models.aws.base import AwsModel, EksModel


class LambdaFunction(AwsModel):
    """One function of ``lambda list-functions``."""

    function_name: str
    function_arn: str
    role: str = ""


class CloudFormationStack(AwsModel):
    """One stack of ``cloudformation describe-stacks``; ``role_arn`` is its service role
    (none: the stack acts with the caller's own credentials)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    stack_name: str = Field(alias="StackName")
    stack_id: str = Field(alias="StackId")
    role_arn: str = Field("", alias="RoleARN")
    stack_status: str = Field("", alias="StackStatus")


class CodeBuildProject(EksModel):
    """One project of ``codebuild batch-get-projects``."""

    name: str
    arn: str
    service_role: str = ""


class AutoScalingGroup(AwsModel):
    """One group of ``autoscaling describe-auto-scaling-groups``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    auto_scaling_group_name: str = Field(alias="AutoScalingGroupName")
    auto_scaling_group_arn: str = Field(alias="AutoScalingGroupARN")

    @property
    def account(self) -> str:
        return self.auto_scaling_group_arn.split(":")[4]
