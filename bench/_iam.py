"""``aws iam get-account-authorization-details`` of the synthetic account: users, groups,
roles with their trust, inline and attached policies, and every managed policy attached."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from bench._aws_plan import AwsPlan, RoleSpec, UserSpec, policy_arn
from bench._iam_docs import (
    AWS_MANAGED,
    Doc,
    allow,
    arn,
    aws_policy_arn,
    deny,
    doc,
    mistake,
    trust_account,
    trust_pod_identity,
    trust_principals,
    trust_saml,
    trust_service,
    trust_web_identity,
)
from bench._plan import ACCOUNT, CLUSTER, OTHER_ACCOUNT, REGION, TEAMS, WORDS


class IamDocuments(AwsPlan):
    """Encodes the plan's IAM part, counting attachments as it goes."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.attachments: Counter[str] = Counter()
        self.boundaries: Counter[str] = Counter()
        self.saml_provider = f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_{self.hex(64)}" \
            "_DO_NOT_DELETE"

    def authorization_details(self) -> Iterator[str]:
        return self.document([("UserDetailList", map(self.user, self.users)),
                              ("GroupDetailList", map(self.group, self.groups)),
                              ("RoleDetailList", map(self.role, self.roles)),
                              ("Policies", self.policies())])

    def _attached(self, arns: list[str]) -> list[dict[str, str]]:
        self.attachments.update(arns)
        return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]

    # Inline policies -----------------------------------------------------------------------

    def app_policy(self, team: str, assumes: list[str], mistake_kind: str | None,
                   own_arn: str) -> Doc:
        """What an application role typically holds: its team's bucket, secret, parameter and
        key, now and then with a wildcard too many."""
        rng = self.rng
        bucket = rng.choice(self.buckets[team])
        draw = rng.random()
        objects = ("*" if draw < 0.01 else f"arn:aws:s3:::{team}-*/*" if draw < 0.06
                   else f"arn:aws:s3:::{bucket}/*")
        statements = [allow(["s3:GetObject", "s3:PutObject"], objects),
                      allow("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
        if rng.random() < 0.6:
            statements.append(allow(["secretsmanager:GetSecretValue",
                                     "secretsmanager:DescribeSecret"],
                                    rng.choice(self.secrets[team])[1]))
        if rng.random() < 0.5:
            statements.append(allow(["ssm:GetParameter", "ssm:GetParameters"], arn(
                "ssm", "parameter" + rng.choice(self.parameters[team]))))
        if rng.random() < 0.4:
            statements.append(allow(["kms:Decrypt", "kms:GenerateDataKey"], arn(
                "kms", f"key/{rng.choice(self.kms_keys)}")))
        if rng.random() < 0.3:
            statements.append(allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                                    arn("dynamodb", f"table/{team}-{rng.choice(WORDS)}")))
        if assumes:
            statements.append(allow("sts:AssumeRole", assumes))
        if mistake_kind == "node-s3":
            statements.append(allow("s3:*", "*"))
        elif mistake_kind:
            statements.append(mistake(mistake_kind, own_arn))
        return doc(*statements)

    def _inline(self, name: str, document: Doc) -> list[dict[str, Any]]:
        return [{"PolicyName": name, "PolicyDocument": document}]

    # Roles ---------------------------------------------------------------------------------

    def role_trust(self, spec: RoleSpec) -> Doc:
        family = spec.family
        if family in ("node", "ci") or spec.service == "ec2":
            return trust_service("ec2")
        if family == "cluster":
            return trust_service("eks")
        if family == "irsa":
            return trust_web_identity(self.oidc_provider, self.issuer, spec.subject)
        if family == "pod-identity":
            return trust_pod_identity(self.rng.random() < 0.5)
        if family == "lambda" or spec.service == "lambda":
            return trust_service("lambda")
        if family in ("ecs", "service") and spec.service:
            return trust_service(spec.service)
        if family == "sso":
            return trust_saml(self.saml_provider)
        if family == "deployer":
            return doc(*trust_principals(spec.trusted)["Statement"],
                       *trust_account(ACCOUNT, mfa=True)["Statement"])
        if spec.trusted:
            return trust_principals(spec.trusted)
        if family == "cross-account":
            return trust_account(OTHER_ACCOUNT, mfa=False, external_id=spec.external_id)
        return trust_account(ACCOUNT, mfa=spec.mfa)

    def role_inline(self, spec: RoleSpec) -> list[dict[str, Any]]:
        family = spec.family
        if family in ("irsa", "pod-identity", "lambda", "ecs", "service", "ec2", "chain") \
                and (family != "lambda" or self.rng.random() < 0.7):
            return self._inline(f"{spec.name}-access", self.app_policy(
                spec.team, spec.assumes, spec.mistake, spec.arn))
        if family == "deployer":
            return self._inline("deploy", doc(
                allow("eks:DescribeCluster", arn("eks", f"cluster/{CLUSTER}")),
                allow(["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                       "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"],
                      arn("ecr", f"repository/{spec.team}/*")),
                allow("s3:PutObject", f"arn:aws:s3:::{spec.team}-*/*")))
        if spec.assumes or spec.mistake:
            statements = [allow("sts:AssumeRole", spec.assumes)] if spec.assumes else []
            if spec.mistake == "node-s3":
                statements.append(allow("s3:*", "*"))
            elif spec.mistake:
                statements.append(mistake(spec.mistake, spec.arn))
            return self._inline("extra", doc(*statements))
        return []

    def role(self, spec: RoleSpec) -> dict[str, Any]:
        role: dict[str, Any] = {
            "Path": spec.path, "RoleName": spec.name, "RoleId": "AROA" + self.token(17),
            "Arn": spec.arn, "CreateDate": self.when(),
            "AssumeRolePolicyDocument": self.role_trust(spec),
            "InstanceProfileList": [] if spec.profile is None else [{
                "Path": "/", "InstanceProfileName": spec.profile,
                "InstanceProfileId": self.profile_id(spec.profile),
                "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{spec.profile}",
                "CreateDate": self.when(), "Roles": [{"RoleName": spec.name, "Arn": spec.arn}]}],
            "RolePolicyList": self.role_inline(spec),
            "AttachedManagedPolicies": self._attached(spec.attached)}
        if spec.boundary:
            boundary = policy_arn("developer-boundary")
            self.boundaries[boundary] += 1
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": boundary}
        role["Tags"] = [{"Key": "team", "Value": spec.team}]
        role["RoleLastUsed"] = {"LastUsedDate": self.when(), "Region": REGION} \
            if self.rng.random() < 0.8 else {}
        return role

    # Users and groups ----------------------------------------------------------------------

    def user(self, spec: UserSpec) -> dict[str, Any]:
        inline: list[dict[str, Any]] = []
        attached: list[str] = []
        if spec.family == "admin":
            attached.append(aws_policy_arn("AdministratorAccess"))
        elif spec.family == "ci":
            inline = self._inline("deploy", doc(
                allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*-deployer"),
                mistake(spec.mistake or "passrole-ec2", "")))
        elif spec.family == "service":
            own = f"arn:aws:iam::{ACCOUNT}:user/{spec.name}"
            inline = self._inline("access", self.app_policy(spec.team, [], spec.mistake, own))
        return {"Path": "/", "UserName": spec.name, "UserId": "AIDA" + self.token(17),
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/{spec.name}", "CreateDate": self.when(),
                "UserPolicyList": inline, "GroupList": spec.groups,
                "AttachedManagedPolicies": self._attached(attached),
                "Tags": [{"Key": "team", "Value": spec.team}]}

    def group(self, name: str) -> dict[str, Any]:
        team = name.split("-", 1)[0]
        attached = {"admins": [aws_policy_arn("AdministratorAccess")],
                    "readonly": [aws_policy_arn("ReadOnlyAccess")],
                    "auditors": [aws_policy_arn("ReadOnlyAccess")],
                    "ci": [policy_arn("ci-deploy")]}.get(name)
        if attached is None:
            attached = [policy_arn(f"team-{team}-data")]
            if name.endswith("-developers"):
                attached.append(policy_arn(f"assume-{team}-roles"))
        return {"Path": "/", "GroupName": name, "GroupId": "AGPA" + self.token(17),
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}", "CreateDate": self.when(),
                "GroupPolicyList": [], "AttachedManagedPolicies": self._attached(attached)}

    # Managed policies ----------------------------------------------------------------------

    def customer_versions(self, name: str) -> list[Doc]:
        """The versions of a customer managed policy, oldest first; the last is the default."""
        kind, _, rest = name.partition("-")
        team = rest.removesuffix("-data").removesuffix("-roles")
        if kind == "team":
            return [doc(allow(["s3:GetObject", "s3:ListBucket"], [
                f"arn:aws:s3:::{team}-*", f"arn:aws:s3:::{team}-*/*"]),
                allow("secretsmanager:GetSecretValue", arn("secretsmanager", f"secret:{team}/*")),
                allow(["ssm:GetParameter", "ssm:GetParametersByPath"],
                      arn("ssm", f"parameter/{team}/*")))]
        if kind == "assume":
            return [doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/{team}-*",
                              {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))]
        known = {
            "developer-boundary": [doc(
                allow(["s3:*", "secretsmanager:GetSecretValue", "ssm:GetParameter*",
                       "kms:Decrypt", "sqs:*", "dynamodb:*", "logs:*", "sts:AssumeRole"], "*"),
                deny("iam:*", "*"))],
            "ci-deploy": [doc(
                allow(["ecr:*", "eks:DescribeCluster"], "*"),
                allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*-deployer"),
                allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*-lambda-*"))],
            "eks-describe": [doc(allow(["eks:Describe*", "eks:List*"], "*"))],
            "legacy-s3-full": [doc(allow("s3:*", "*")),
                               doc(allow("s3:GetObject", "arn:aws:s3:::legacy-*/*"))],
            "logs-writer": [doc(allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*"))],
            "kms-decrypt-all": [doc(allow("kms:Decrypt", "*"))],
        }
        if name in known:
            return known[name]
        team = TEAMS[len(name) % len(TEAMS)]
        return [self.app_policy(team, [], None, "")]

    def _policy(self, name: str, arn_: str, path: str, versions: list[Doc]) -> dict[str, Any]:
        created = self.when(300)
        return {
            "PolicyName": name, "PolicyId": "ANPA" + self.token(17), "Arn": arn_, "Path": path,
            "DefaultVersionId": f"v{len(versions)}",
            "AttachmentCount": self.attachments[arn_],
            "PermissionsBoundaryUsageCount": self.boundaries[arn_], "IsAttachable": True,
            "CreateDate": created, "UpdateDate": created,
            "PolicyVersionList": [{"Document": d, "VersionId": f"v{n}", "IsDefaultVersion":
                                   n == len(versions), "CreateDate": created}
                                  for n, d in enumerate(versions, 1)][::-1]}

    def policies(self) -> Iterator[dict[str, Any]]:
        """Customer managed policies, then the AWS managed ones something attaches."""
        for name in self.customer_policies:
            yield self._policy(name, policy_arn(name), "/", self.customer_versions(name))
        for name, (path, document) in AWS_MANAGED.items():
            arn_ = aws_policy_arn(name)
            if self.attachments[arn_]:
                yield self._policy(name, arn_, path, [document])
