"""The aws.* IAM techniques beyond their examples: hubs and direct edges, denies and
boundaries that narrow a grant, admins as sources, conditions, and scale."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ingest import inventory_from_text
from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Node
from riskgraph.models.aws import (
    Ec2Instance,
    IamRole,
    IamUser,
    ManagedPolicy,
    S3Bucket,
    SecretsManagerSecret,
)
from riskgraph.techniques import Edge, Technique
from riskgraph.techniques.aws import admin as admin
from riskgraph.techniques.aws import assume_role as assume_role
from riskgraph.techniques.aws import data_read as data_read
from riskgraph.techniques.aws import modify_role_trust as modify_trust
from riskgraph.techniques.aws import passrole as passrole
from riskgraph.techniques.aws import self_escalate as self_escalate
from riskgraph.techniques.aws import ssm_node as ssm_node
from riskgraph.techniques.aws import user_credentials as user_credentials

A, B = "111122223333", "444455556666"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
TECHNIQUES = (admin.TECHNIQUE, assume_role.TECHNIQUE, passrole.TECHNIQUE,
              modify_trust.TECHNIQUE, self_escalate.TECHNIQUE, user_credentials.TECHNIQUE,
              data_read.TECHNIQUE, ssm_node.TECHNIQUE)


def role_arn(name: str, account: str = A) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def user_arn(name: str, account: str = A) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def allow(actions: str | list[str], resource: str | list[str] = "*",
          **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def deny(actions: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resource}


def trust(**principal: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": principal}]}


def role(name: str, statements: Sequence[dict[str, Any]] = (), account: str = A,
         **fields: Any) -> dict[str, Any]:
    found = {"RoleName": name, "Arn": role_arn(name, account), **fields}
    if statements:
        found["RolePolicyList"] = [{"PolicyName": "inline",
                                    "PolicyDocument": {"Statement": list(statements)}}]
    return found


def user(name: str, statements: Sequence[dict[str, Any]] = (), account: str = A,
         **fields: Any) -> dict[str, Any]:
    found = {"UserName": name, "Arn": user_arn(name, account), **fields}
    if statements:
        found["UserPolicyList"] = [{"PolicyName": "inline",
                                    "PolicyDocument": {"Statement": list(statements)}}]
    return found


def managed(arn: str, *versions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"PolicyName": arn.rsplit("/", 1)[-1], "Arn": arn, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": f"v{i + 1}", "IsDefaultVersion": i == 0,
                                   "Document": {"Statement": statements}}
                                  for i, statements in enumerate(versions)]}


def inventory(*documents: dict[str, Any], manifests: str = "") -> Inventory:
    text = manifests + "".join("---\n" + json.dumps(d) + "\n" for d in documents)
    inv = inventory_from_text(text, "test")
    assert not inv.problems, [str(p) for p in inv.problems]
    return inv


def details(roles: Sequence[dict[str, Any]] = (), users: Sequence[dict[str, Any]] = (),
            policies: Sequence[dict[str, Any]] = (), groups: Sequence[dict[str, Any]] = ()
            ) -> dict[str, Any]:
    return {"RoleDetailList": list(roles), "UserDetailList": list(users),
            "Policies": list(policies), "GroupDetailList": list(groups)}


def edges(technique: Technique, inv: Inventory) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in technique.find(inv)}


# aws.assume-role --------------------------------------------------------------------------


def test_narrow_grant_on_a_root_trusting_role_is_a_direct_edge() -> None:
    inv = inventory(details(roles=[
        role("deploy", AssumeRolePolicyDocument=trust(AWS=A)),
        role("other", AssumeRolePolicyDocument=trust(AWS=A)),
        role("ci", [allow("sts:AssumeRole", role_arn("dep*"))])]))
    found = edges(assume_role.TECHNIQUE, inv)
    assert (role_arn("ci"), role_arn("deploy")) in found
    assert (role_arn("ci"), role_arn("other")) not in found
    assert not any(s == role_arn("ci") and t.startswith("hub:") for s, t in found)


def test_a_deny_on_one_role_keeps_the_principal_out_of_the_hub() -> None:
    inv = inventory(details(roles=[
        role("deploy", AssumeRolePolicyDocument=trust(AWS=A)),
        role("break-glass", AssumeRolePolicyDocument=trust(AWS=A)),
        role("ci", [allow("sts:AssumeRole"), deny("sts:AssumeRole", role_arn("break-*"))])]))
    found = edges(assume_role.TECHNIQUE, inv)
    assert (role_arn("ci"), role_arn("deploy")) in found
    assert (role_arn("ci"), role_arn("break-glass")) not in found
    assert (role_arn("ci"), f"hub:aws-assume-role:aws/{A}") not in found


def test_admins_are_not_assume_role_sources_but_their_account_hub_is_entered() -> None:
    inv = inventory(details(
        roles=[role("deploy", AssumeRolePolicyDocument=trust(AWS=f"arn:aws:iam::{A}:root")),
               role("ops", AttachedManagedPolicies=[{"PolicyArn": ADMIN_POLICY}])],
        policies=[managed(ADMIN_POLICY, [allow("*")])]))
    found = edges(assume_role.TECHNIQUE, inv)
    assert not any(s == role_arn("ops") for s, _ in found)
    assert (f"aws:Admin:{A}", f"hub:aws-assume-role:aws/{A}") in found
    assert (role_arn("ops"), f"aws:Admin:{A}") in edges(admin.TECHNIQUE, inv)


def test_conditional_trust_of_anyone_is_not_an_internet_edge() -> None:
    conditional = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                  "Principal": {"AWS": "*"},
                                  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]}
    inv = inventory(details(roles=[role("shared", AssumeRolePolicyDocument=conditional),
                                   role("ci", [allow("sts:AssumeRole")])]))
    found = edges(assume_role.TECHNIQUE, inv)
    assert ("internet", role_arn("shared")) not in found
    assert found[(role_arn("ci"), f"hub:aws-assume-role:aws/{A}")].confidence == "certain"
    assert found[(f"hub:aws-assume-role:aws/{A}", role_arn("shared"))].confidence == "likely"


def test_evidence_carries_the_deciding_statement() -> None:
    inv = inventory(details(
        roles=[role("deploy", AssumeRolePolicyDocument=trust(AWS=user_arn("ci")))],
        users=[user("ci")]))
    edge = edges(assume_role.TECHNIQUE, inv)[(user_arn("ci"), role_arn("deploy"))]
    assert any("AssumeRolePolicyDocument Statement[0]" in e for e in edge.evidence)
    assert edge.confidence == "certain"


# aws.user-credentials, aws.modify-role-trust ------------------------------------------------


def test_own_credentials_and_a_denied_create_give_no_edge() -> None:
    own = allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")
    inv = inventory(details(users=[
        user("alice", [own]),
        user("bob", [allow("iam:CreateAccessKey"), deny("iam:Create*")])]))
    found = edges(user_credentials.TECHNIQUE, inv)
    assert not any(s in (user_arn("alice"), user_arn("bob")) for s, _ in found)


def test_trust_rewrite_within_the_own_account_only() -> None:
    inv = inventory(details(roles=[
        role("target"), role("foreign", account=B),
        role("changer", [allow("iam:UpdateAssumeRolePolicy", "arn:aws:iam::*:role/*")])]))
    found = edges(modify_trust.TECHNIQUE, inv)
    assert (role_arn("changer"), f"hub:aws-modify-role-trust:aws/{A}") in found
    assert not any(t == f"hub:aws-modify-role-trust:aws/{B}" and s.startswith("arn:")
                   for s, t in found)


# aws.passrole ------------------------------------------------------------------------------


def test_passrole_hubs_are_per_service_and_need_the_role_to_trust_it() -> None:
    inv = inventory(details(roles=[
        role("fn", AssumeRolePolicyDocument=trust(Service="lambda.amazonaws.com")),
        role("both", AssumeRolePolicyDocument=trust(
            Service=["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"])),
        role("dev", [allow(["iam:PassRole", "lambda:CreateFunction",
                            "lambda:CreateEventSourceMapping"])])]))
    found = edges(passrole.TECHNIQUE, inv)
    lambda_hub = f"hub:aws-passrole-lambda:aws/{A}"
    assert {pair for pair in found if pair[0] == role_arn("dev")} == {(role_arn("dev"),
                                                                       lambda_hub)}
    assert {t for s, t in found if s == lambda_hub} == {role_arn("fn"), role_arn("both")}
    assert not any("ecs-tasks" in t for _, t in found)
    assert "lambda:CreateEventSourceMapping" in found[(role_arn("dev"), lambda_hub)].reason


def test_passrole_to_another_account_is_not_possible() -> None:
    inv = inventory(details(roles=[
        role("node", account=B, AssumeRolePolicyDocument=trust(Service="ec2.amazonaws.com"),
             InstanceProfileList=[{"InstanceProfileName": "node",
                                   "Arn": f"arn:aws:iam::{B}:instance-profile/node"}]),
        role("dev", [allow(["iam:PassRole", "ec2:RunInstances"])])]))
    assert not any(s == role_arn("dev") for s, _ in edges(passrole.TECHNIQUE, inv))


# aws.self-escalate -------------------------------------------------------------------------


def test_a_boundary_that_allows_its_own_removal_does_not_stop_escalation() -> None:
    boundary = f"arn:aws:iam::{A}:policy/boundary"
    inv = inventory(details(
        roles=[role("loose", [allow("iam:PutRolePolicy", role_arn("loose"))],
                    PermissionsBoundary={"PermissionsBoundaryArn": boundary})],
        policies=[managed(boundary, [allow("iam:*")])]))
    edge = edges(self_escalate.TECHNIQUE, inv)[(role_arn("loose"), f"aws:Admin:{A}")]
    assert "iam:PutRolePolicy on itself" in edge.reason


def test_set_default_version_needs_another_version_and_aws_policies_are_fixed() -> None:
    one = f"arn:aws:iam::{A}:policy/one-version"
    two = f"arn:aws:iam::{A}:policy/two-versions"
    statements = [allow(["iam:SetDefaultPolicyVersion", "iam:CreatePolicyVersion"],
                        "arn:aws:iam::aws:policy/*"),
                  allow("iam:SetDefaultPolicyVersion", f"arn:aws:iam::{A}:policy/*")]
    inv = inventory(details(
        roles=[role("single", statements, AttachedManagedPolicies=[
                   {"PolicyArn": one}, {"PolicyArn": ADMIN_POLICY.replace(
                       "AdministratorAccess", "ReadOnlyAccess")}]),
               role("double", statements, AttachedManagedPolicies=[{"PolicyArn": two}])],
        policies=[managed(one, [allow("s3:List*")]),
                  managed(two, [allow("s3:List*")], [allow("*")]),
                  managed(ADMIN_POLICY.replace("AdministratorAccess", "ReadOnlyAccess"),
                          [allow("s3:Get*")])]))
    found = edges(self_escalate.TECHNIQUE, inv)
    assert set(found) == {(role_arn("double"), f"aws:Admin:{A}")}


def test_a_user_escalates_through_its_group() -> None:
    group = {"GroupName": "devs", "Arn": f"arn:aws:iam::{A}:group/devs"}
    inv = inventory(details(
        groups=[group],
        users=[user("ana", [allow("iam:PutGroupPolicy", group["Arn"])], GroupList=["devs"]),
               user("ben", [allow("iam:PutGroupPolicy", group["Arn"])])]))
    assert set(edges(self_escalate.TECHNIQUE, inv)) == {(user_arn("ana"), f"aws:Admin:{A}")}


# aws.data-read -----------------------------------------------------------------------------

SECRET = f"arn:aws:secretsmanager:us-east-1:{A}:secret:db-AbCdEf"
KEY = f"arn:aws:kms:us-east-1:{A}:key/k1"


def test_a_key_without_its_policy_in_the_input_delegates_to_iam() -> None:
    inv = inventory(details(roles=[role("wide", [allow("kms:Decrypt")])]),
                    {"KeyMetadata": {"KeyId": "k1", "Arn": KEY}})
    found = edges(data_read.TECHNIQUE, inv)
    assert (role_arn("wide"), f"hub:aws-data-read-kms:aws/{A}") in found
    assert found[(f"hub:aws-data-read-kms:aws/{A}", KEY)].confidence == "likely"


def test_a_conditional_deny_in_a_resource_policy_lowers_confidence() -> None:
    policy = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                             "Resource": "*", "Condition": {"Bool": {
                                 "aws:SecureTransport": "false"}}}]}
    inv = inventory(details(roles=[role("reader", [allow("s3:GetObject")])]),
                    {"Buckets": [{"Name": "logs"}]}, {"Bucket": "logs", "Policy": policy})
    found = edges(data_read.TECHNIQUE, inv)
    assert found[(f"hub:aws-data-read-s3:aws/{A}", "arn:aws:s3:::logs")].confidence == "likely"


def test_a_secret_policy_naming_a_principal_needs_no_identity_grant() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn("app")},
                             "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    inv = inventory(details(roles=[role("app"), role("other")]),
                    {"SecretList": [{"Name": "db", "ARN": SECRET}]},
                    {"ARN": SECRET, "Name": "db", "ResourcePolicy": json.dumps(policy)})
    found = edges(data_read.TECHNIQUE, inv)
    assert (role_arn("app"), SECRET) in found
    assert not any(s == role_arn("other") for s, _ in found)


# Grant patterns many principals share go through one hub per pattern ----------------------

TEAM_DATA = f"arn:aws:iam::{A}:policy/team-data"
TEAM_OBJECTS = "arn:aws:s3:::team-*/*"
S3_PATTERN_HUB = f"hub:aws-data-read-s3:aws/{A}/arn:aws:s3:::team-*"
ROLE_PATTERN_HUB = f"hub:aws-assume-role:aws/{A}/{role_arn('team-*')}"


def team_data(roles: Sequence[dict[str, Any]], buckets: int = 30,
              policies: Sequence[dict[str, Any]] = ()) -> Inventory:
    """``roles`` beside buckets team-0.., three other buckets, and the team-data policy
    (s3:GetObject on every team bucket); team-0 denies everyone in its bucket policy."""
    names = [f"team-{i}" for i in range(buckets)] + ["other-a", "other-b", "other-c"]
    deny_all = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                               "Resource": "*"}]}
    return inventory(details(roles=roles, policies=[
        managed(TEAM_DATA, [allow("s3:GetObject", TEAM_OBJECTS)]), *policies]),
        {"Buckets": [{"Name": n} for n in names]}, {"Bucket": "team-0", "Policy": deny_all})


def attaching(name: str, statements: Sequence[dict[str, Any]] = (),
              **fields: Any) -> dict[str, Any]:
    return role(name, statements, AttachedManagedPolicies=[{"PolicyArn": TEAM_DATA}],
                **fields)


def test_principals_sharing_a_pattern_grant_enter_one_hub_not_every_bucket() -> None:
    principals, buckets = 60, 40
    inv = team_data([attaching(f"app-{i}") for i in range(principals)], buckets)
    found = edges(data_read.TECHNIQUE, inv)
    assert {t for s, t in found if s == role_arn("app-7")} == {S3_PATTERN_HUB}
    fanned = {t for s, t in found if s == S3_PATTERN_HUB}
    assert fanned == {f"arn:aws:s3:::team-{i}" for i in range(1, buckets)}
    # principals + resources (plus the admin's account hub), not principals x resources
    assert len(found) <= principals + 2 * (buckets + 3) + 1
    assert found[(role_arn("app-7"), S3_PATTERN_HUB)].confidence == "certain"


def test_buckets_naming_no_account_are_the_readers_own_in_a_pattern_hub() -> None:
    # Two accounts in the input: bucket ARNs say neither owns the buckets.
    inv = team_data([attaching("app"), role("other", account=B)], buckets=10)
    found = edges(data_read.TECHNIQUE, inv)
    assert {t for s, t in found if s == role_arn("app")} == {S3_PATTERN_HUB}
    assert {t for s, t in found if s == S3_PATTERN_HUB} == {
        f"arn:aws:s3:::team-{i}" for i in range(1, 10)}


def test_a_pattern_matching_few_stores_gives_direct_edges() -> None:
    inv = team_data([role("few", [allow("s3:GetObject", "arn:aws:s3:::other-*/*")])])
    found = edges(data_read.TECHNIQUE, inv)
    assert {t for s, t in found if s == role_arn("few")} == {
        "arn:aws:s3:::other-a", "arn:aws:s3:::other-b", "arn:aws:s3:::other-c"}


def test_a_deny_on_one_bucket_keeps_the_principal_out_of_the_pattern_hub() -> None:
    inv = team_data([attaching("app"),
                     attaching("careful", [deny("s3:GetObject", "arn:aws:s3:::team-3/*")])])
    found = edges(data_read.TECHNIQUE, inv)
    assert (role_arn("app"), S3_PATTERN_HUB) in found
    assert (role_arn("careful"), S3_PATTERN_HUB) not in found
    reached = {t for s, t in found if s == role_arn("careful")}
    assert reached == {f"arn:aws:s3:::team-{i}" for i in range(1, 30) if i != 3}


def test_a_conditional_pattern_grant_keeps_a_sure_direct_grant_beside_it() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    inv = team_data([role("app", [allow("s3:GetObject", TEAM_OBJECTS, Condition=mfa),
                                  allow("s3:GetObject", "arn:aws:s3:::team-5/*")])])
    found = edges(data_read.TECHNIQUE, inv)
    assert found[(role_arn("app"), S3_PATTERN_HUB)].confidence == "likely"
    assert found[(role_arn("app"), "arn:aws:s3:::team-5")].confidence == "certain"
    assert (role_arn("app"), "arn:aws:s3:::team-6") not in found


def test_a_narrower_boundary_keeps_the_principal_out_of_the_pattern_hub() -> None:
    boundary = f"arn:aws:iam::{A}:policy/team-1-only"
    inv = team_data([attaching("bounded", PermissionsBoundary={
        "PermissionsBoundaryArn": boundary})],
        policies=[managed(boundary, [allow("s3:GetObject", "arn:aws:s3:::team-1*/*")])])
    found = edges(data_read.TECHNIQUE, inv)
    assert not any(t.startswith("hub:") for s, t in found if s == role_arn("bounded"))
    assert {t for s, t in found if s == role_arn("bounded")} == {
        "arn:aws:s3:::team-1", *(f"arn:aws:s3:::team-1{i}" for i in range(10))}


def test_a_pattern_over_another_accounts_secrets_needs_their_policies_to_admit() -> None:
    secrets = [f"arn:aws:secretsmanager:us-east-1:{B}:secret:shared/s{i}-AbCdEf"
               for i in range(10)]
    admit = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": A},
                                       "Action": "secretsmanager:GetSecretValue",
                                       "Resource": "*"}]})
    pattern = f"arn:aws:secretsmanager:us-east-1:{B}:secret:shared/*"
    inv = inventory(details(roles=[role(f"app-{i}", [allow(
        "secretsmanager:GetSecretValue", pattern)]) for i in range(3)]),
        {"SecretList": [{"Name": f"shared/s{i}", "ARN": arn} for i, arn in enumerate(secrets)]},
        *({"ARN": arn, "Name": f"shared/s{i}", "ResourcePolicy": admit}
          for i, arn in enumerate(secrets[:9])))
    found = edges(data_read.TECHNIQUE, inv)
    hub = f"hub:aws-data-read-secretsmanager:aws/{A}/to/{B}/{pattern}"
    assert {t for s, t in found if s == role_arn("app-1")} == {hub}
    assert {t for s, t in found if s == hub} == set(secrets[:9])


def developers(*extra: dict[str, Any]) -> Inventory:
    """Forty developers whose group may assume role/team-* (with MFA), thirty team roles
    trusting the account, five trusting EC2 only, and a root-trusting role outside."""
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    group = {"GroupName": "devs", "Arn": f"arn:aws:iam::{A}:group/devs", "GroupPolicyList": [
        {"PolicyName": "assume-team", "PolicyDocument": {"Statement": [
            allow("sts:AssumeRole", role_arn("team-*"), Condition=mfa)]}}]}
    roles = [role(f"team-{i}", AssumeRolePolicyDocument=trust(AWS=A)) for i in range(30)]
    roles += [role(f"team-node-{i}", AssumeRolePolicyDocument=trust(
        Service="ec2.amazonaws.com")) for i in range(5)]
    roles.append(role("ops", AssumeRolePolicyDocument=trust(AWS=A)))
    users = [user(f"dev-{i}", GroupList=["devs"]) for i in range(40)]
    return inventory(details(roles=roles, users=[*users, *extra], groups=[group]))


def test_developers_assume_team_roles_through_one_pattern_hub() -> None:
    found = edges(assume_role.TECHNIQUE, developers())
    assert {t for s, t in found if s == user_arn("dev-5")} == {ROLE_PATTERN_HUB}
    assert {t for s, t in found if s == ROLE_PATTERN_HUB} == {
        role_arn(f"team-{i}") for i in range(30)}
    assert found[(user_arn("dev-5"), ROLE_PATTERN_HUB)].confidence == "likely"
    assert len(found) <= 40 + 30 + 2 * 31 + 1


def test_a_developer_denied_one_role_assumes_the_others_directly() -> None:
    careful = user("careful", [deny("sts:AssumeRole", role_arn("team-3"))], GroupList=["devs"])
    found = edges(assume_role.TECHNIQUE, developers(careful))
    assert (user_arn("dev-5"), ROLE_PATTERN_HUB) in found
    assert (user_arn("careful"), ROLE_PATTERN_HUB) not in found
    assert {t for s, t in found if s == user_arn("careful")} == {
        role_arn(f"team-{i}") for i in range(30) if i != 3}


# aws.ssm-node ------------------------------------------------------------------------------

NODE = """
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-east-1a/i-01"}
"""


def test_ssm_grant_conditioned_on_other_tags_reaches_no_node() -> None:
    grant = allow("ssm:StartSession",
                  Condition={"StringEquals": {"ssm:resourceTag/team": "data"}})
    inv = inventory(details(roles=[role("oncall", [grant])]),
                    {"Reservations": [{"OwnerId": A, "Instances": [{
                        "InstanceId": "i-01", "Placement": {"AvailabilityZone": "us-east-1a"},
                        "Tags": [{"Key": "team", "Value": "web"}]}]}]},
                    manifests=NODE)
    found = edges(ssm_node.TECHNIQUE, inv)
    assert not any(s == role_arn("oncall") for s, _ in found)
    assert (f"hub:aws-ssm-node:aws/{A}", "k8s:Node:n1") in found


# Without AWS input, and at scale -----------------------------------------------------------


def test_no_aws_input_no_aws_edges() -> None:
    inv = inventory_from_text(NODE, "k8s only")
    assert all(not list(t.find(inv)) for t in TECHNIQUES)


def synthetic(roles: int) -> Inventory:
    """An account shaped like a large estate: ``roles`` roles with narrow grants, a few
    with wildcard ones, ten admins, users, buckets, secrets and nodes in proportion."""
    users, buckets, secrets, nodes = roles // 200, roles // 40, roles // 20, roles // 100
    admin_policy = ManagedPolicy.model_validate(managed(ADMIN_POLICY, [allow("*")]))
    found = []
    for i in range(roles):
        trusts = [trust(AWS=A), trust(Service="ec2.amazonaws.com"),
                  trust(AWS=role_arn(f"r{i - 2}")), trust(Service="lambda.amazonaws.com")]
        statements = [allow("s3:GetObject", f"arn:aws:s3:::b{i % buckets}/*"),
                      allow("secretsmanager:GetSecretValue",
                            f"arn:aws:secretsmanager:us-east-1:{A}:secret:s{i % secrets}-*")]
        if i % 50 == 0:
            statements.append(allow(["sts:AssumeRole", "ssm:StartSession"]))
        if i % 100 == 1:
            statements.append(allow(["iam:PassRole", "ec2:RunInstances",
                                     "iam:CreateAccessKey"], [role_arn("r*"), "*"]))
        if i % 100 == 2:
            statements.append(allow("iam:UpdateAssumeRolePolicy", role_arn(f"r{i + 1}")))
        fields: dict[str, Any] = {"AssumeRolePolicyDocument": trusts[i % 4]}
        if i % 4 == 1:
            fields["InstanceProfileList"] = [{"InstanceProfileName": f"r{i}",
                                              "Arn": f"arn:aws:iam::{A}:instance-profile/r{i}"}]
        if i < 10:
            fields["AttachedManagedPolicies"] = [{"PolicyArn": ADMIN_POLICY}]
        found.append(IamRole.model_validate(role(f"r{i}", statements, **fields)))
    aws = AwsInventory(
        roles=found, managed_policies=[admin_policy],
        users=[IamUser.model_validate(user(f"u{i}")) for i in range(users)],
        buckets=[S3Bucket(name=f"b{i}") for i in range(buckets)],
        secrets=[SecretsManagerSecret.model_validate(
            {"Name": f"s{i}", "ARN": f"arn:aws:secretsmanager:us-east-1:{A}:secret:s{i}-x"})
            for i in range(secrets)],
        instances=[Ec2Instance(instance_id=f"i-{i}", account=A, region="us-east-1")
                   for i in range(nodes)])
    k8s_nodes = [Node.model_validate({"metadata": {"name": f"n{i}"}, "spec": {
        "providerID": f"aws:///us-east-1a/i-{i}"}}) for i in range(nodes)]
    return Inventory.from_objects(k8s_nodes, aws=aws)


def edge_count(inv: Inventory) -> int:
    return sum(len({(e.source, e.target) for e in t.find(inv)}) for t in TECHNIQUES)


def test_twenty_thousand_roles_give_a_linear_edge_count() -> None:
    small, large = synthetic(1_000), synthetic(20_000)
    objects = len(large.aws.roles) + len(large.aws.users) + len(large.aws.buckets) + \
        len(large.aws.secrets) + len(large.nodes)
    count = edge_count(large)
    assert count <= 4 * objects
    assert count <= 21 * edge_count(small)
