"""IAM escalation reproducers: conditions on the escalation call itself, date conditions
decided at the analysis time (``--as-of``), and the routes beyond the technique examples."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest import inventory_from_text
from riskgraph.cli import main
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Technique
from riskgraph.techniques.aws import (
    assume_role,
    create_role,
    passrole,
    resource_pivot,
    self_escalate,
    user_credentials,
)

A = "111122223333"
ADMIN = f"aws:Admin:{A}"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{A}:role/{name}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{A}:user/{name}"


def allow(actions: str | list[str], resource: str | list[str] = "*",
          **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def role(name: str, statements: Sequence[dict[str, Any]] = (), **fields: Any
         ) -> dict[str, Any]:
    found = {"RoleName": name, "Arn": role_arn(name), **fields}
    if statements:
        found["RolePolicyList"] = [{"PolicyName": "inline",
                                    "PolicyDocument": {"Statement": list(statements)}}]
    return found


def user(name: str, statements: Sequence[dict[str, Any]] = (), **fields: Any
         ) -> dict[str, Any]:
    found = {"UserName": name, "Arn": user_arn(name), **fields}
    if statements:
        found["UserPolicyList"] = [{"PolicyName": "inline",
                                    "PolicyDocument": {"Statement": list(statements)}}]
    return found


def details(roles: Sequence[dict[str, Any]] = (), users: Sequence[dict[str, Any]] = (),
            policies: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"RoleDetailList": list(roles), "UserDetailList": list(users),
            "Policies": list(policies), "GroupDetailList": []}


def inventory(*documents: dict[str, Any], as_of: datetime | None = None) -> Inventory:
    inv = inventory_from_text("".join("---\n" + json.dumps(d) + "\n" for d in documents),
                              "test")
    assert not inv.problems, [str(p) for p in inv.problems]
    inv.aws.as_of = as_of
    return inv


def edges(technique: Technique, inv: Inventory) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in technique.find(inv)}


# Dates against the analysis time (issue 11 item 9, issue 17 item 3) ----------------------

def _self_editor(condition: dict[str, Any]) -> dict[str, Any]:
    put = allow("iam:PutRolePolicy", role_arn("r"), Condition=condition)
    put_user = allow("iam:PutUserPolicy", user_arn("u"), Condition=condition)
    return details([role("r", [put])], [user("u", [put_user])])


@pytest.mark.parametrize("condition", [
    {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
    {"DateLessThan": {"aws:CurrentTime": "2020-01-01"}},
    {"DateGreaterThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}},
    {"NumericLessThan": {"aws:EpochTime": "1577836800"}},
], ids=["token-issued-before-2020", "current-time-past", "current-time-future", "epoch"])
def test_date_conditions_that_cannot_hold_now_grant_nothing(condition: dict[str, Any]
                                                            ) -> None:
    found = edges(self_escalate.TECHNIQUE, inventory(_self_editor(condition)))
    assert found == {}


def test_token_issue_time_is_a_recent_session_for_roles_and_absent_for_access_keys() -> None:
    since = {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}}
    found = edges(self_escalate.TECHNIQUE, inventory(_self_editor(since)))
    assert set(found) == {(role_arn("r"), ADMIN)}
    assert found[(role_arn("r"), ADMIN)].confidence == "certain"


def test_a_token_issued_within_the_session_span_stays_unknown() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    recent = {"DateGreaterThan": {"aws:TokenIssueTime": "2026-06-01T06:00:00Z"}}
    found = edges(self_escalate.TECHNIQUE, inventory(_self_editor(recent), as_of=now))
    assert found[(role_arn("r"), ADMIN)].confidence == "likely"
    assert "aws:TokenIssueTime" in found[(role_arn("r"), ADMIN)].reason + " ".join(
        found[(role_arn("r"), ADMIN)].evidence)


def test_a_time_boxed_grant_is_decided_at_the_analysis_time() -> None:
    until = {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}
    before = inventory(_self_editor(until), as_of=datetime(2026, 6, 1, tzinfo=UTC))
    after = inventory(_self_editor(until), as_of=datetime(2027, 6, 1, tzinfo=UTC))
    assert edges(self_escalate.TECHNIQUE, before)[(role_arn("r"), ADMIN)].confidence \
        == "certain"
    assert edges(self_escalate.TECHNIQUE, after) == {}


def test_as_of_option_reaches_the_evaluator(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    until = {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}
    path = tmp_path / "iam.json"
    path.write_text(json.dumps(_self_editor(until)))
    query = ["paths", "--aws", str(path), "--from", f"arn:aws:iam::{A}:role/*",
             "--to", "aws-admin", "--format", "json", "-q"]
    assert main([*query, "--as-of", "2026-06-01"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["paths"] == 1
    assert main([*query, "--as-of", "2027-06-01T00:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["paths"] == 0
    with pytest.raises(SystemExit):
        main([*query, "--as-of", "next tuesday"])
    assert "not an ISO date" in capsys.readouterr().err


# A1: the condition keys of the escalation call -------------------------------------------

S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


def _attacher(condition: dict[str, Any], *extra: dict[str, Any]) -> Inventory:
    attach = allow("iam:AttachRolePolicy", role_arn("r"), Condition=condition)
    return inventory(details([role("r", [attach, *extra])]))


def test_attach_limited_to_a_read_only_policy_escalates_nothing() -> None:
    found = edges(self_escalate.TECHNIQUE,
                  _attacher({"ArnEquals": {"iam:PolicyARN": S3_READ}}))
    assert found == {}


def test_attach_that_admits_administrator_access_escalates_for_certain() -> None:
    found = edges(self_escalate.TECHNIQUE,
                  _attacher({"ArnLike": {"iam:PolicyARN": "arn:aws:iam::aws:policy/Admin*"}}))
    edge = found[(role_arn("r"), ADMIN)]
    assert edge.confidence == "certain"
    assert "AdministratorAccess" in edge.reason


def test_attach_limited_to_own_account_policies_needs_one_that_grants_or_create_policy(
) -> None:
    own = {"ArnLike": {"iam:PolicyARN": f"arn:aws:iam::{A}:policy/*"}}
    assert edges(self_escalate.TECHNIQUE, _attacher(own)) == {}
    created = edges(self_escalate.TECHNIQUE,
                    _attacher(own, allow("iam:CreatePolicy")))[(role_arn("r"), ADMIN)]
    assert "iam:CreatePolicy" in created.reason
    power = {"PolicyName": "power", "Arn": f"arn:aws:iam::{A}:policy/power",
             "DefaultVersionId": "v1", "PolicyVersionList": [{
                 "VersionId": "v1", "IsDefaultVersion": True,
                 "Document": {"Statement": [allow("*")]}}]}
    attach = allow("iam:AttachRolePolicy", role_arn("r"), Condition=own)
    inv = inventory(details([role("r", [attach])], policies=[power]))
    assert "(power)" in edges(self_escalate.TECHNIQUE, inv)[(role_arn("r"), ADMIN)].reason


def test_permissions_boundary_key_is_the_targets_own_boundary() -> None:
    needs_boundary = {"StringEquals": {"iam:PermissionsBoundary":
                                       f"arn:aws:iam::{A}:policy/guard"}}
    put = allow("iam:PutRolePolicy", role_arn("r"), Condition=needs_boundary)
    assert edges(self_escalate.TECHNIQUE, inventory(details([role("r", [put])]))) == {}


def test_resource_tag_condition_is_decided_with_the_targets_tags() -> None:
    tagged = {"StringEquals": {"iam:ResourceTag/team": "red"}}
    put = allow("iam:PutRolePolicy", role_arn("r"), Condition=tagged)
    red = role("r", [put], Tags=[{"Key": "team", "Value": "red"}])
    blue = role("r", [put], Tags=[{"Key": "team", "Value": "blue"}])
    assert edges(self_escalate.TECHNIQUE, inventory(details([red])))[
        (role_arn("r"), ADMIN)].confidence == "certain"
    assert edges(self_escalate.TECHNIQUE, inventory(details([blue]))) == {}


# A2: console passwords and the credential report -----------------------------------------

def _report(*rows: tuple[str, str, str]) -> dict[str, Any]:
    header = ("user,arn,password_enabled,access_key_1_active,access_key_1_last_rotated,"
              "access_key_2_active,access_key_2_last_rotated\n")
    body = "".join(f"{name},{user_arn(name)},{enabled},{keys}\n" for name, enabled, keys in rows)
    return {"ReportFormat": "text/csv", "GeneratedTime": "2026-01-01T00:00:00Z",
            "Content": base64.b64encode((header + body).encode()).decode()}


def _helpdesk(action: str) -> dict[str, Any]:
    return details([role("helpdesk", [allow(action, user_arn("ana"))])], [user("ana")])


def test_update_login_profile_without_the_report_is_likely_and_says_why() -> None:
    edge = edges(user_credentials.TECHNIQUE, inventory(_helpdesk("iam:UpdateLoginProfile")))[
        (role_arn("helpdesk"), user_arn("ana"))]
    assert edge.confidence == "likely"
    assert "already has a console password" in edge.reason
    assert "no credential report" in edge.reason


@pytest.mark.parametrize(("action", "enabled", "found"), [
    ("iam:UpdateLoginProfile", "true", True), ("iam:UpdateLoginProfile", "false", False),
    ("iam:CreateLoginProfile", "false", True), ("iam:CreateLoginProfile", "true", False),
])
def test_the_report_decides_reset_against_create(action: str, enabled: str,
                                                 found: bool) -> None:
    no_keys = "false,N/A,false,N/A"
    inv = inventory(_helpdesk(action), _report(("ana", enabled, no_keys)))
    got = edges(user_credentials.TECHNIQUE, inv)
    assert ((role_arn("helpdesk"), user_arn("ana")) in got) == found
    if found:
        edge = got[(role_arn("helpdesk"), user_arn("ana"))]
        assert edge.confidence == "certain"
        assert any("password_enabled" in line for line in edge.evidence)


def test_the_report_keys_columns_decide_create_access_key() -> None:
    two = "true,2024-01-01T00:00:00+00:00,false,2024-02-01T00:00:00+00:00"
    one = "true,2024-01-01T00:00:00+00:00,false,N/A"
    full = inventory(_helpdesk("iam:CreateAccessKey"), _report(("ana", "false", two)))
    room = inventory(_helpdesk("iam:CreateAccessKey"), _report(("ana", "false", one)))
    assert (role_arn("helpdesk"), user_arn("ana")) not in edges(user_credentials.TECHNIQUE,
                                                                full)
    assert edges(user_credentials.TECHNIQUE, room)[
        (role_arn("helpdesk"), user_arn("ana"))].confidence == "certain"


def test_a_bad_credential_report_is_a_problem_and_the_rest_is_read() -> None:
    bad = {"ReportFormat": "text/csv", "Content": "%%% not base64"}
    inv = inventory_from_text("---\n" + json.dumps(_helpdesk("iam:UpdateLoginProfile"))
                              + "\n---\n" + json.dumps(bad) + "\n", "aws/report.json")
    assert [(p.source, p.obj) for p in inv.problems] == [
        ("aws/report.json", "IAM credential report")]
    assert "not base64" in inv.problems[0].message
    assert (role_arn("helpdesk"), user_arn("ana")) in edges(user_credentials.TECHNIQUE, inv)


# B4-B6: EC2 through a new profile or a running instance; a role of one's own ---------------

def _ec2_role(name: str, profile: bool) -> dict[str, Any]:
    trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"Service": "ec2.amazonaws.com"}}]}
    extra = {"InstanceProfileList": [{"InstanceProfileName": name, "Arn":
                                      f"arn:aws:iam::{A}:instance-profile/{name}"}]}
    return role(name, AssumeRolePolicyDocument=trust, **(extra if profile else {}))


def _instances(state: str) -> dict[str, Any]:
    return {"Reservations": [{"OwnerId": A, "Instances": [{
        "InstanceId": "i-0aaa1111", "State": {"Name": state},
        "Placement": {"AvailabilityZone": "us-east-1a"}}]}]}


def test_a_role_without_instance_profile_needs_both_profile_actions() -> None:
    launch = ["iam:PassRole", "ec2:RunInstances"]
    both = inventory(details([_ec2_role("admin", False)], [user("dev", [allow(
        [*launch, "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"])])]))
    one = inventory(details([_ec2_role("admin", False)], [user("dev", [allow(
        [*launch, "iam:CreateInstanceProfile"])])]))
    hub = f"hub:aws-passrole-ec2-new-profile:aws/{A}"
    assert {(user_arn("dev"), hub), (hub, role_arn("admin"))} <= set(
        edges(passrole.TECHNIQUE, both))
    assert edges(passrole.TECHNIQUE, one) == {}


@pytest.mark.parametrize(("state", "actions", "found"), [
    ("running", ["ec2:ReplaceIamInstanceProfileAssociation", "ssm:StartSession"], True),
    ("stopped", ["ec2:AssociateIamInstanceProfile", "ssm:SendCommand"], False),
    ("running", ["ec2:AssociateIamInstanceProfile"], False),
])
def test_a_running_instance_takes_the_role_only_when_reachable(state: str, actions: list[str],
                                                               found: bool) -> None:
    inv = inventory(details([_ec2_role("web", True)],
                            [user("ops", [allow(["iam:PassRole", *actions])])]),
                    _instances(state))
    got = edges(passrole.TECHNIQUE, inv)
    assert ((user_arn("ops"), f"hub:aws-passrole-ec2:aws/{A}") in got) == found
    if found:
        assert "i-0aaa1111" in got[(user_arn("ops"), f"hub:aws-passrole-ec2:aws/{A}")].reason


def test_create_role_is_stopped_by_a_deny_on_assuming_it() -> None:
    make = allow(["iam:CreateRole", "iam:AttachRolePolicy"])
    no_assume = {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
    free = inventory(details([role("builder", [make])]))
    denied = inventory(details([role("builder", [make, no_assume])]))
    assert (role_arn("builder"), ADMIN) in edges(create_role.TECHNIQUE, free)
    assert edges(create_role.TECHNIQUE, denied) == {}


# B8: MFA in trust and identity conditions ------------------------------------------------

def test_mfa_conditions_label_the_step_in_paths_output(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Condition": mfa,
                            "Principal": {"AWS": f"arn:aws:iam::{A}:root"}}]}
    admin = allow("*")
    plain = role("plain", [allow("iam:PutRolePolicy", role_arn("plain"))])
    guarded = role("guarded", [allow("iam:PutRolePolicy", role_arn("guarded"),
                                     Condition=mfa)])
    doc = details([role("breakglass", [admin], AssumeRolePolicyDocument=trust), plain,
                   guarded], [user("ops", [allow("sts:AssumeRole", role_arn("breakglass"))])])
    path = tmp_path / "iam.json"
    path.write_text(json.dumps(doc))

    def steps(source: str) -> list[dict[str, Any]]:
        assert main(["paths", "--aws", str(path), "--from", source, "--to", "aws-admin",
                     "--format", "json", "-q"]) == 0
        found = json.loads(capsys.readouterr().out)["paths"]
        assert len(found) == 1
        return list(found[0]["steps"])

    trusted = steps(user_arn("ops"))[0]
    assert trusted["technique"] == "aws.assume-role"
    assert trusted["reason"].endswith("(MFA required)") and trusted["confidence"] == "likely"
    assert steps(role_arn("guarded"))[0]["reason"].endswith("(MFA required)")
    assert "MFA" not in steps(role_arn("plain"))[0]["reason"]


# B7: pivots through existing resources -------------------------------------------------------

ASG = (f"arn:aws:autoscaling:us-east-1:{A}:autoScalingGroup:6d8c:"
       "autoScalingGroupName/web")


def test_an_auto_scaling_group_launches_a_passed_role() -> None:
    groups = {"AutoScalingGroups": [{"AutoScalingGroupName": "web",
                                     "AutoScalingGroupARN": ASG}]}
    scale = ["iam:PassRole", "autoscaling:CreateLaunchConfiguration"]
    can = inventory(details([_ec2_role("web", True)], [user("ops", [
        allow(scale), allow("autoscaling:UpdateAutoScalingGroup", ASG)])]), groups)
    cannot = inventory(details([_ec2_role("web", True)], [user("ops", [allow(scale)])]),
                       groups)
    edge = edges(passrole.TECHNIQUE, can)[(user_arn("ops"), f"hub:aws-passrole-ec2:aws/{A}")]
    assert "on group web" in edge.reason
    assert edges(passrole.TECHNIQUE, cannot) == {}


def test_pivot_reasons_name_the_resource_and_invoke_makes_it_certain() -> None:
    function = f"arn:aws:lambda:us-east-1:{A}:function:nightly"
    functions = {"Functions": [{"FunctionName": "nightly", "FunctionArn": function,
                                "Role": role_arn("fn")}]}
    now = inventory(details([role("fn")], [user("dev", [allow(
        ["lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction"], function)])]),
        functions)
    edge = edges(resource_pivot.TECHNIQUE, now)[(user_arn("dev"), role_arn("fn"))]
    assert edge.confidence == "certain" and "Lambda function nightly" in edge.reason


def test_resources_that_run_with_a_role_are_read_and_bad_ones_reported() -> None:
    text = "---\n" + json.dumps({
        "Functions": [{"FunctionName": "f", "FunctionArn": "arn:aws:lambda:r:1:function:f",
                       "Role": "arn:aws:iam::1:role/x",
                       "Environment": {"Variables": {"TOKEN": "never-kept"}}},
                      {"FunctionName": "broken"}],
        "Stacks": [{"StackName": "s", "StackId": "arn:aws:cloudformation:r:1:stack/s/1",
                    "RoleARN": "arn:aws:iam::1:role/y"}],
        "AutoScalingGroups": [{"AutoScalingGroupName": "g", "AutoScalingGroupARN":
                               "arn:aws:autoscaling:r:1:autoScalingGroup:u:"
                               "autoScalingGroupName/g"}],
        "projects": [{"name": "p", "arn": "arn:aws:codebuild:r:1:project/p",
                      "serviceRole": "arn:aws:iam::1:role/z"}]}) + "\n---\n" + json.dumps(
        {"projects": ["only", "names"]}) + "\n"
    inv = inventory_from_text(text, "aws/services.json")
    aws = inv.aws
    assert [f.role for f in aws.functions] == ["arn:aws:iam::1:role/x"]
    assert "never-kept" not in repr(aws)
    assert [s.role_arn for s in aws.stacks] == ["arn:aws:iam::1:role/y"]
    assert [p.service_role for p in aws.build_projects] == ["arn:aws:iam::1:role/z"]
    assert [g.auto_scaling_group_name for g in aws.scaling_groups] == ["g"]
    assert sorted(str(p.obj) for p in inv.problems) == [
        "CodeBuild projects", "Lambda function broken"]


# C9: several accounts and their organization ---------------------------------------------

B, C = "444455556666", "777788889999"


def _account(account: str, roles: list[dict[str, Any]]) -> dict[str, Any]:
    """The roles, written for account A, moved to ``account`` (ARNs in policies too)."""
    return json.loads(json.dumps(details(roles)).replace(f":{A}:", f":{account}:"))


def _organization(scp_target: str) -> list[dict[str, Any]]:
    b_admin = f"arn:aws:iam::{B}:role/b-admin"
    a_ops = f"arn:aws:iam::{A}:role/a-ops"
    trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"AWS": a_ops}}]}
    scp = {"Policy": {"PolicySummary": {"Id": "p-noiam", "Name": "no-iam",
                                        "Arn": "arn:aws:organizations::1:policy/p-noiam",
                                        "Type": "SERVICE_CONTROL_POLICY"},
                      "Content": json.dumps({"Statement": [
                          {"Effect": "Allow", "Action": "*", "Resource": "*"},
                          {"Effect": "Deny", "Action": "iam:*", "Resource": "*",
                           "Condition": {"ArnNotLike": {"aws:PrincipalArn": b_admin}}}]})},
           "Targets": [{"TargetId": scp_target}]}
    admin = role("b-admin", [allow("*")], AssumeRolePolicyDocument=trust)
    admin["Arn"] = b_admin
    return [
        details([role("a-ops", [allow("sts:AssumeRole", b_admin)]), admin]),
        _account(B, [role("b-dev", [allow("iam:PutRolePolicy", role_arn("b-dev"))])]),
        _account(C, [role("c-dev", [allow("iam:PutRolePolicy", role_arn("c-dev"))])]),
        scp]


def test_three_accounts_a_cross_account_trust_and_an_scp_on_one_of_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index, document in enumerate(_organization(B)):
        (tmp_path / f"{index}.json").write_text(json.dumps(document))
    assert main(["paths", "--aws", str(tmp_path), "--from", f"arn:aws:iam::{A}:role/a-ops",
                 "--to", "aws-admin", "--format", "json", "-q"]) == 0
    found = json.loads(capsys.readouterr().out)["paths"]
    assert [p["target"] for p in found] == [f"aws:Admin:{B}"]
    assert [s["technique"] for s in found[0]["steps"]] == ["aws.assume-role", "aws.admin"]
    inv = inventory(*_organization(B))
    escalations = set(edges(self_escalate.TECHNIQUE, inv))
    assert escalations == {(f"arn:aws:iam::{C}:role/c-dev", f"aws:Admin:{C}")}


@pytest.mark.parametrize(("members", "confidence"), [
    ([A, B, C], "certain"), ([B, C], None), ([], "likely")],
    ids=["member", "outsider", "organization-not-read"])
def test_org_conditions_of_a_cross_account_trust_are_decided_with_the_organization(
        members: list[str], confidence: str | None) -> None:
    org_trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                "Principal": {"AWS": A},
                                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}
    shared = role("shared", AssumeRolePolicyDocument=org_trust)
    shared["Arn"] = f"arn:aws:iam::{B}:role/shared"
    documents = [details([role("a-ops", [allow("sts:AssumeRole", shared["Arn"])]), shared])]
    if members:
        documents += [{"Organization": {"Id": "o-abc", "MasterAccountId": C}},
                      {"Accounts": [{"Id": account} for account in members]}]
    found = edges(assume_role.TECHNIQUE, inventory(*documents))
    edge = found.get((role_arn("a-ops"), shared["Arn"]))
    assert (edge and edge.confidence) == confidence


@pytest.mark.parametrize("placed", [True, False], ids=["unit-placed", "unit-unknown"])
def test_an_scp_on_an_organizational_unit_reaches_the_accounts_placed_under_it(
        placed: bool) -> None:
    documents = _organization("ou-r1-team")
    if placed:
        documents += [{"ParentId": "ou-r1-team", "Accounts": [{"Id": B}]},
                      {"ParentId": "r-r1", "OrganizationalUnits": [{"Id": "ou-r1-team"}]}]
    escalations = set(edges(self_escalate.TECHNIQUE, inventory(*documents)))
    b_dev = (f"arn:aws:iam::{B}:role/b-dev", f"aws:Admin:{B}")
    assert (b_dev in escalations) != placed
    assert (f"arn:aws:iam::{C}:role/c-dev", f"aws:Admin:{C}") in escalations


# The issue's own command on its reproducers ----------------------------------------------

ISSUE = "111111111111"


def _issue_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                 roles: list[dict[str, Any]], source: str = "*") -> list[dict[str, Any]]:
    text = json.dumps(details(roles)).replace(f":{A}:", f":{ISSUE}:")
    path = tmp_path / "details.json"
    path.write_text(text)
    assert main(["paths", "--aws", str(path), "--from", f"arn:aws:iam::{ISSUE}:role/{source}",
                 "--to", "aws-admin", "--format", "json", "-q"]) == 0
    return list(json.loads(capsys.readouterr().out)["paths"])


def test_issue_reproducer_attach_only_s3_read_only_has_no_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    attach = allow("iam:AttachRolePolicy", role_arn("r"),
                   Condition={"ArnEquals": {"iam:PolicyARN": S3_READ}})
    assert _issue_paths(tmp_path, capsys, [role("r", [attach])]) == []


def test_issue_reproducer_ec2_admin_role_through_a_new_instance_profile(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin = _ec2_role("admin", False)
    admin["RolePolicyList"] = [{"PolicyName": "all",
                                "PolicyDocument": {"Statement": [allow("*")]}}]
    actions = ["iam:PassRole", "ec2:RunInstances", "iam:CreateInstanceProfile",
               "iam:AddRoleToInstanceProfile"]
    found = _issue_paths(tmp_path, capsys, [admin, role("attacker", [allow(actions)])],
                         "attacker")
    assert [(p["source"], p["target"]) for p in found] == [
        (f"arn:aws:iam::{ISSUE}:role/attacker", f"aws:Admin:{ISSUE}")]
    without = _issue_paths(tmp_path, capsys, [admin, role("attacker", [allow(actions[:2])])],
                           "attacker")
    assert without == []


@pytest.mark.parametrize(("pattern", "confidence"), [
    (f"arn:aws:ec2:us-east-1:{A}:instance/*", "certain"),
    ("arn:aws:ec2:us-east-1:999999999999:instance/*", None),
    (f"arn:aws:lambda:us-east-1:{A}:function:*", None),
], ids=["own-instances", "another-account", "not-an-instance"])
def test_passrole_associated_resource_is_the_instance_the_attacker_launches(
        pattern: str, confidence: str | None) -> None:
    passing = allow("iam:PassRole", role_arn("web"),
                    Condition={"ArnLike": {"iam:AssociatedResourceArn": pattern}})
    inv = inventory(details([_ec2_role("web", True)],
                            [user("dev", [passing, allow("ec2:RunInstances")])]))
    edge = edges(passrole.TECHNIQUE, inv).get((user_arn("dev"), role_arn("web")))
    assert (edge and edge.confidence) == confidence


def test_create_role_picks_the_tags_its_conditions_ask_for() -> None:
    tagged = {"StringEquals": {"aws:RequestTag/team": "red"}}
    make = [allow("iam:CreateRole", Condition=tagged), allow("iam:AttachRolePolicy")]
    edge = edges(create_role.TECHNIQUE, inventory(details([role("builder", make)])))[
        (role_arn("builder"), ADMIN)]
    assert edge.confidence == "certain" and "tagged team=red" in edge.reason
    no_tags = {"Null": {"aws:TagKeys": "true"}}
    plain = [allow("iam:CreateRole", Condition=no_tags), allow("iam:AttachRolePolicy")]
    edge = edges(create_role.TECHNIQUE, inventory(details([role("builder", plain)])))[
        (role_arn("builder"), ADMIN)]
    assert edge.confidence == "certain" and "tagged" not in edge.reason
    without_x = [allow("iam:CreateRole", Condition={"Null": {"aws:RequestTag/x": "true"},
                                                     **tagged}),
                 allow("iam:AttachRolePolicy")]
    assert edges(create_role.TECHNIQUE, inventory(details([role("builder", without_x)])))[
        (role_arn("builder"), ADMIN)].confidence == "certain"
    either = [allow("iam:CreateRole", Condition={"StringLike": {"aws:RequestTag/team": "b*"},
                                                  "StringEquals": {"aws:RequestTag/team":
                                                                   ["red", "blue"]}}),
              allow("iam:AttachRolePolicy")]
    edge = edges(create_role.TECHNIQUE, inventory(details([role("builder", either)])))[
        (role_arn("builder"), ADMIN)]
    assert edge.confidence == "likely" and "aws:RequestTag/team" in " ".join(edge.evidence)
