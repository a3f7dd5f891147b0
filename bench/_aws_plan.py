"""The plan of the synthetic AWS account behind an estate: which roles, users, groups and data
stores it holds and how they refer to each other. ``bench._iam`` and ``bench._aws`` encode it.

Proportions at 150,000 pods: 20,000 roles (``pods * 2 // 15``, at least 200) of which ~5,800
are IRSA roles of the estate's annotated service accounts and ~200 EKS Pod Identity roles;
the rest are Lambda, ECS, EC2 and other service roles, human roles trusting the account root
(mostly with MFA), role chains, cross-account trusts, a few admins and a sprinkle of
escalation mistakes. ~330 users, ~40 groups, 50 customer managed policies, ~2,000 each of
buckets, secrets and parameters, 200 ECR repositories, 100 KMS keys, ~500 access entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench._aws_encoding import AwsEncoding
from bench._iam_docs import MISTAKES, aws_policy_arn
from bench._plan import (
    ACCOUNT,
    ADMIN_ROLE,
    BREAKGLASS_USER,
    CLUSTER,
    OTHER_ACCOUNT,
    REGION,
    TEAMS,
    WORDS,
    App,
    EstatePlan,
    deployer_role,
    developer_user,
    node_role_name,
)

#: Families of the roles that fill the account, and their shares.
FILLER = (("lambda", 0.38), ("ecs", 0.14), ("service", 0.12), ("human", 0.11), ("ec2", 0.08),
          ("chain", 0.09), ("cross-account", 0.05), ("readonly", 0.025), ("admin", 0.005))
SERVICES = ("glue", "states", "codebuild", "events", "sagemaker", "cloudformation",
            "firehose", "backup", "datasync", "scheduler")
FUNCTIONS = ("analyst", "oncall", "engineer", "auditor", "data-scientist", "support")
BUCKET_PURPOSES = ("data", "exports", "logs", "backups", "artifacts", "media")
SECRET_KINDS = ("db", "api-key", "oauth", "tls")
PARAMETER_KEYS = ("db-url", "feature-flags", "api-token", "endpoint")
MISTAKE_SHARE = 0.005
CUSTOMER_POLICIES = 50


def team_of(namespace: str) -> str:
    return namespace.rsplit("-", 1)[0] if namespace[-1].isdigit() else "platform"


def policy_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


@dataclass(slots=True)
class RoleSpec:
    """What decides one role's documents; the documents are built as it is written."""

    name: str
    family: str
    team: str
    path: str = "/"
    subject: str | None = None  # IRSA: the service account (pattern) its trust admits
    service: str | None = None  # the service (or "account") a service role trusts
    trusted: list[str] = field(default_factory=list)  # principal ARNs a chain role trusts
    assumes: list[str] = field(default_factory=list)  # role ARNs its identity policy allows
    attached: list[str] = field(default_factory=list)
    mistake: str | None = None
    boundary: bool = False
    mfa: bool = True
    external_id: str | None = None
    profile: str | None = None  # instance profile name

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role{self.path}{self.name}"


@dataclass(slots=True)
class UserSpec:
    name: str
    family: str  # admin, developer, service, ci
    team: str
    groups: list[str] = field(default_factory=list)
    mistake: str | None = None


class AwsPlan(AwsEncoding):
    """Names and relations of everything in the account, drawn from the estate's AWS seed."""

    def __init__(self, plan: EstatePlan) -> None:
        super().__init__(plan)
        n_roles = max(200, plan.pods_wanted * 2 // 15)
        self.n_roles = n_roles
        self.cluster_id = self.upper_hex(32)
        self.issuer = f"oidc.eks.{REGION}.amazonaws.com/id/{self.cluster_id}"
        self.staging_issuer = f"oidc.eks.{REGION}.amazonaws.com/id/{self.upper_hex(32)}"
        self.buckets: dict[str, list[str]] = {t: [] for t in TEAMS}
        #: (name, ARN) of each team's secrets; the ARN ends in the random suffix AWS adds.
        self.secrets: dict[str, list[tuple[str, str]]] = {t: [] for t in TEAMS}
        self.parameters: dict[str, list[str]] = {t: [] for t in TEAMS}
        for i in range(max(20, n_roles // 10)):
            team, word = TEAMS[i % len(TEAMS)], self.rng.choice(WORDS)
            purpose = self.rng.choice(BUCKET_PURPOSES)
            self.buckets[team].append(f"{team}-{word}-{purpose}-{i}-{self.hex(20)}")
            secret = f"{team}/{word}-{i}/{self.rng.choice(SECRET_KINDS)}"
            self.secrets[team].append((secret, f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:"
                                               f"secret:{secret}-{self.token(6)}"))
            self.parameters[team].append(f"/{team}/{word}-{i}/"
                                         f"{self.rng.choice(PARAMETER_KEYS)}")
        self.repositories = [f"{TEAMS[i % len(TEAMS)]}/{WORDS[i // len(TEAMS) % len(WORDS)]}"
                             + (f"-{i}" if i >= len(TEAMS) * len(WORDS) else "")
                             for i in range(max(10, n_roles // 100))]
        self.kms_keys = [self.uuid() for _ in range(max(5, n_roles // 200))]
        self.node_profiles = {g: f"eks-{self.uuid()}" for g in plan.groups}
        self.roles: list[RoleSpec] = []
        self.pod_identity: list[tuple[App, RoleSpec]] = []
        self._plan_roles()
        self.users = self._plan_users()
        self.groups = [*(f"{t}-developers" for t in TEAMS), "admins", "readonly", "ci",
                       "auditors"]
        self.groups += [f"{TEAMS[i % len(TEAMS)]}-{WORDS[i % len(WORDS)]}-{i}"
                        for i in range(max(0, n_roles // 500 - len(self.groups)))]
        self.customer_policies = [*(f"team-{t}-data" for t in TEAMS),
                                  *(f"assume-{t}-roles" for t in TEAMS),
                                  "developer-boundary", "ci-deploy", "eks-describe",
                                  "legacy-s3-full", "logs-writer", "kms-decrypt-all"]
        self.customer_policies += [f"app-{WORDS[i % len(WORDS)]}-{i}" for i in range(
            CUSTOMER_POLICIES - len(self.customer_policies))]

    # Roles ---------------------------------------------------------------------------------

    def _add(self, spec: RoleSpec) -> RoleSpec:
        self.roles.append(spec)
        return spec

    def _plan_roles(self) -> None:
        rng, add = self.rng, self._add
        add(RoleSpec(f"{CLUSTER}-cluster", "cluster", "platform",
                     attached=[aws_policy_arn("AmazonEKSClusterPolicy")]))
        node_policies = [aws_policy_arn(p) for p in (
            "AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEKS_CNI_Policy")]
        for group in self.plan.groups:
            ssm = [aws_policy_arn("AmazonSSMManagedInstanceCore")] if "general" in group else []
            add(RoleSpec(node_role_name(group), "node", "platform",
                         attached=node_policies + ssm, profile=self.node_profiles[group],
                         mistake="node-s3" if "gpu" in group else None))
        add(RoleSpec(ADMIN_ROLE, "admin", "platform",
                     attached=[aws_policy_arn("AdministratorAccess")]))
        ci = add(RoleSpec("ci-runner", "ci", "platform", profile="ci-runner",
                          attached=[policy_arn("ci-deploy")]))
        for team in TEAMS:
            ci.assumes.append(add(RoleSpec(deployer_role(team), "deployer", team, trusted=[
                ci.arn], attached=[policy_arn("eks-describe")])).arn)
        sso = "/aws-reserved/sso.amazonaws.com/"
        for permission, policy in (("AdministratorAccess", aws_policy_arn("AdministratorAccess")),
                                   ("ReadOnlyAccess", aws_policy_arn("ReadOnlyAccess")),
                                   *((f"{t.capitalize()}Developer", policy_arn(f"team-{t}-data"))
                                     for t in TEAMS)):
            add(RoleSpec(f"AWSReservedSSO_{permission}_{self.hex(64)}", "sso", "platform",
                         path=sso, attached=[policy]))
        sas = [app for app in self.plan.apps if app.service_account == app.name]
        for app in sas:
            if app.irsa:
                self._irsa_role(app)
        others = [app for app in sas if not app.irsa]
        chosen = rng.sample(others, min(len(others), max(1, len(sas) // 100)))
        for app in chosen:
            spec = add(RoleSpec(f"{app.name}-pod-identity", "pod-identity",
                                team_of(app.namespace)))
            self.pod_identity.append((app, spec))
        families, weights = zip(*FILLER, strict=True)
        for i in range(max(0, self.n_roles - len(self.roles))):
            family = rng.choices(families, weights)[0]
            self._filler_role(family, i)

    def _irsa_role(self, app: App) -> None:
        draw = self.rng.random()
        subject: str | None = f"system:serviceaccount:{app.namespace}:{app.name}"
        if draw < 0.03:
            subject = f"system:serviceaccount:{app.namespace}:*"
        elif draw < 0.033:
            subject = "system:serviceaccount:*"
        elif draw < 0.035:
            subject = None
        spec = self._add(RoleSpec(app.name, "irsa", team_of(app.namespace), subject=subject,
                                  boundary=self.rng.random() < 0.2))
        self._extras(spec)

    def _extras(self, spec: RoleSpec) -> None:
        """Attachments and mistakes app-like roles share."""
        rng = self.rng
        if rng.random() < 0.1:
            spec.attached.append(policy_arn(f"team-{spec.team}-data"))
        if rng.random() < 0.04:
            spec.attached.append(aws_policy_arn("AmazonS3ReadOnlyAccess"))
        if rng.random() < MISTAKE_SHARE:
            spec.mistake = rng.choice(MISTAKES)

    def _filler_role(self, family: str, index: int) -> None:
        rng = self.rng
        team, word = rng.choice(TEAMS), rng.choice(WORDS)
        if family == "lambda":
            console = rng.random() < 0.5
            spec = RoleSpec(f"{word}-{team}-fn-{index}-role-{self.token(8).lower()}" if console
                            else f"{team}-{word}-lambda-{index}", family, team,
                            path="/service-role/" if console else "/",
                            attached=[aws_policy_arn("AWSLambdaBasicExecutionRole")])
        elif family in ("ecs", "service", "ec2"):
            service = rng.choice(SERVICES) if family == "service" else family
            spec = RoleSpec(f"{team}-{word}-{service}-{index}", family, team,
                            profile=f"{team}-{word}-ec2-{index}" if family == "ec2" else None,
                            service="ecs-tasks" if service == "ecs" else service)
        elif family == "human":
            spec = RoleSpec(f"{team}-{rng.choice(FUNCTIONS)}-{index}", family, team,
                            mfa=rng.random() < 0.9, attached=[policy_arn(f"team-{team}-data")])
        elif family == "chain":
            sources = [r for r in self.roles[-400:] if r.family in (
                "irsa", "lambda", "ecs", "ec2", "human", "ci", "pod-identity")]
            spec = RoleSpec(f"{team}-{word}-access-{index}", family, team)
            source = rng.choice(sources or self.roles)
            spec.trusted.append(source.arn)
            if rng.random() < 0.9:
                source.assumes.append(spec.arn)
        elif family == "cross-account":
            spec = RoleSpec(f"{team}-partner-{word}-{index}", family, team,
                            external_id=self.hex(64) if rng.random() < 0.8 else None,
                            trusted=[f"arn:aws:iam::{OTHER_ACCOUNT}:role/auditor"]
                            if rng.random() < 0.3 else [],
                            attached=[aws_policy_arn("ReadOnlyAccess")]
                            if rng.random() < 0.3 else [])
        elif family == "readonly":
            spec = RoleSpec(f"{team}-readonly-{index}", "human", team,
                            attached=[aws_policy_arn("ReadOnlyAccess")])
        else:
            spec = RoleSpec(f"{team}-admin-{index}", family, team, service=rng.choice(
                ("account", "account", "account", "lambda", "ec2")),
                attached=[aws_policy_arn("AdministratorAccess")])
            spec.profile = f"{spec.name}-profile" if spec.service == "ec2" else None
        self._add(spec)
        if family not in ("admin", "readonly"):
            self._extras(spec)

    # Users ---------------------------------------------------------------------------------

    def _plan_users(self) -> list[UserSpec]:
        rng = self.rng
        users = [UserSpec(BREAKGLASS_USER, "admin", "platform", ["admins"]),
                 UserSpec("ci-deployer", "ci", "platform", ["ci"], mistake="passrole-ec2")]
        for i in range(max(12, self.n_roles // 60) - len(users)):
            team = TEAMS[i % len(TEAMS)]
            if i < len(TEAMS) or rng.random() < 0.8:
                groups = [f"{team}-developers"] + (["readonly"] if rng.random() < 0.3 else [])
                users.append(UserSpec(developer_user(team, i // len(TEAMS)), "developer", team,
                                      groups))
            else:
                users.append(UserSpec(f"svc-{team}-{rng.choice(WORDS)}-{i}", "service", team,
                                      mistake="create-access-key" if rng.random() < 0.05
                                      else None))
        return users

    def role_by_family(self, *families: str) -> list[RoleSpec]:
        return [r for r in self.roles if r.family in families]

    @property
    def oidc_provider(self) -> str:
        return f"arn:aws:iam::{ACCOUNT}:oidc-provider/{self.issuer}"

    def bucket_names(self) -> list[str]:
        return [b for team in TEAMS for b in self.buckets[team]]
