"""IAM policy documents of the synthetic account: statements, trust policies, and the AWS
managed policies its principals attach (their documents abridged from the real ones, keeping
the statements an attacker step depends on)."""

from __future__ import annotations

from typing import Any

from bench._plan import ACCOUNT, REGION

Doc = dict[str, Any]
VERSION = "2012-10-17"
AWS_POLICY = "arn:aws:iam::aws:policy/"


def doc(*statements: Doc) -> Doc:
    return {"Version": VERSION, "Statement": list(statements)}


def allow(actions: str | list[str], resources: str | list[str],
          condition: Doc | None = None) -> Doc:
    statement: Doc = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(actions: str | list[str], resources: str | list[str],
         condition: Doc | None = None) -> Doc:
    return {**allow(actions, resources, condition), "Effect": "Deny"}


def arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


# Trust policies ----------------------------------------------------------------------------


def trust(principal: Doc, action: str | list[str] = "sts:AssumeRole",
          condition: Doc | None = None) -> Doc:
    statement: Doc = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def trust_service(*services: str) -> Doc:
    names = [f"{s}.amazonaws.com" for s in services]
    return trust({"Service": names[0] if len(names) == 1 else names})


def trust_pod_identity(source_account: bool) -> Doc:
    condition = {"StringEquals": {"aws:SourceAccount": ACCOUNT}} if source_account else None
    return trust({"Service": "pods.eks.amazonaws.com"}, ["sts:AssumeRole", "sts:TagSession"],
                 condition)


def trust_web_identity(provider_arn: str, issuer: str, subject: str | None) -> Doc:
    """IRSA: the cluster's OIDC provider, for one service account (a pattern with ``*`` uses
    StringLike; ``None`` leaves the subject out, which admits every service account)."""
    condition: Doc = {"StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"}}
    if subject is not None and "*" in subject:
        condition["StringLike"] = {f"{issuer}:sub": subject}
    elif subject is not None:
        condition["StringEquals"][f"{issuer}:sub"] = subject
    return trust({"Federated": provider_arn}, "sts:AssumeRoleWithWebIdentity", condition)


def trust_account(account: str, mfa: bool, external_id: str | None = None) -> Doc:
    condition: Doc = {}
    if mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if external_id:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    return trust({"AWS": f"arn:aws:iam::{account}:root"}, condition=condition or None)


def trust_principals(arns: list[str]) -> Doc:
    return trust({"AWS": arns[0] if len(arns) == 1 else arns})


def trust_saml(provider_arn: str) -> Doc:
    return trust({"Federated": provider_arn}, ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                 {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})


# AWS managed policies ------------------------------------------------------------------------


def _read_only(services: tuple[str, ...]) -> list[str]:
    return [f"{s}:{verb}*" for s in services for verb in ("Describe", "Get", "List")]


#: name -> (path, document) of every AWS managed policy the account attaches.
AWS_MANAGED: dict[str, tuple[str, Doc]] = {
    "AdministratorAccess": ("/", doc(allow("*", "*"))),
    "ReadOnlyAccess": ("/", doc(allow(
        [*_read_only(("autoscaling", "cloudformation", "cloudwatch", "dynamodb", "ec2", "ecr",
                      "eks", "elasticloadbalancing", "iam", "kms", "lambda", "logs", "rds",
                      "s3", "sns", "sqs", "ssm", "sts")),
         "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "ecr:BatchGetImage",
         "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
         "secretsmanager:ListSecrets"], "*"))),
    "AmazonS3ReadOnlyAccess": ("/", doc(allow(
        ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*",
         "s3-object-lambda:List*"], "*"))),
    "AmazonEKSWorkerNodePolicy": ("/", doc(allow(
        ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeRouteTables",
         "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVolumes",
         "ec2:DescribeVolumesModifications", "ec2:DescribeVpcs", "eks:DescribeCluster",
         "eks-auth:AssumeRoleForPodIdentity"], "*"))),
    "AmazonEC2ContainerRegistryReadOnly": ("/", doc(allow(
        ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
         "ecr:GetDownloadUrlForLayer", "ecr:GetRepositoryPolicy", "ecr:DescribeRepositories",
         "ecr:ListImages", "ecr:DescribeImages", "ecr:BatchGetImage", "ecr:GetLifecyclePolicy",
         "ecr:GetLifecyclePolicyPreview", "ecr:ListTagsForResource",
         "ecr:DescribeImageScanFindings"], "*"))),
    "AmazonEKS_CNI_Policy": ("/", doc(
        allow(["ec2:AssignPrivateIpAddresses", "ec2:AttachNetworkInterface",
               "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
               "ec2:DescribeInstances", "ec2:DescribeTags", "ec2:DescribeNetworkInterfaces",
               "ec2:DescribeInstanceTypes", "ec2:DescribeSubnets", "ec2:DetachNetworkInterface",
               "ec2:ModifyNetworkInterfaceAttribute", "ec2:UnassignPrivateIpAddresses"], "*"),
        allow("ec2:CreateTags", "arn:aws:ec2:*:*:network-interface/*"))),
    "AmazonEKSClusterPolicy": ("/", doc(allow(
        ["autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup",
         "ec2:CreateNetworkInterface", "ec2:CreateSecurityGroup", "ec2:CreateTags",
         "ec2:DeleteNetworkInterface", "ec2:DescribeInstances", "ec2:DescribeSubnets",
         "ec2:DescribeVpcs", "ec2:ModifyNetworkInterfaceAttribute",
         "elasticloadbalancing:*", "iam:CreateServiceLinkedRole", "kms:CreateGrant",
         "kms:DescribeKey"], "*"))),
    "AmazonSSMManagedInstanceCore": ("/", doc(
        allow(["ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance",
               "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest",
               "ssm:GetParameter", "ssm:GetParameters", "ssm:ListAssociations",
               "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
               "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
               "ssm:UpdateInstanceInformation"], "*"),
        allow(["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
               "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "*"),
        allow(["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage",
               "ec2messages:FailMessage", "ec2messages:GetEndpoint",
               "ec2messages:GetMessages", "ec2messages:SendReply"], "*"))),
    "AWSLambdaBasicExecutionRole": ("/service-role/", doc(allow(
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "*"))),
}


def aws_policy_arn(name: str) -> str:
    return f"{AWS_POLICY}{AWS_MANAGED[name][0].lstrip('/')}{name}"


# Mistakes ---------------------------------------------------------------------------------

#: Escalation mistakes seen in real accounts, each given the role's own ARN.
MISTAKES = ("passrole-ec2", "passrole-lambda", "put-own-policy", "attach-own-policy",
            "create-policy-version", "update-any-trust", "create-access-key")


def mistake(kind: str, own_arn: str) -> Doc:
    """One over-broad statement an escalation technique should find."""
    if kind == "passrole-ec2":
        return allow(["iam:PassRole", "ec2:RunInstances", "ec2:DescribeInstances"], "*")
    if kind == "passrole-lambda":
        return allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "*")
    if kind == "put-own-policy":
        return allow(["iam:PutRolePolicy", "iam:GetRolePolicy"], own_arn)
    if kind == "attach-own-policy":
        return allow("iam:AttachRolePolicy", own_arn)
    if kind == "create-policy-version":
        return allow(["iam:CreatePolicyVersion", "iam:GetPolicy*"],
                     f"arn:aws:iam::{ACCOUNT}:policy/*")
    if kind == "update-any-trust":
        return allow(["iam:UpdateAssumeRolePolicy", "iam:GetRole"], "*")
    return allow(["iam:CreateAccessKey", "iam:ListAccessKeys"], f"arn:aws:iam::{ACCOUNT}:user/*")
