"""IAM evaluation: one case per rule of AWS's policy evaluation logic."""

from __future__ import annotations

from typing import Any

import pytest

from riskgraph.estate.aws_inventory import AwsInventory
from riskgraph.iam import PolicyError, access_for, actions_matching, compile_policy, evaluate
from riskgraph.iam.evaluate import judge, judge_trust
from riskgraph.iam.policy import Caller
from riskgraph.models.aws import (
    IamGroup,
    IamRole,
    IamUser,
    ManagedPolicy,
    ServiceControlPolicy,
)

ACCT = "111122223333"
OTHER = "444455556666"
Doc = dict[str, Any]


def doc(*statements: Doc) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[Any], resource: str | list[str] = "*", **extra: Any) -> Doc:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> Doc:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def managed(name: str, *statements: Doc) -> ManagedPolicy:
    return ManagedPolicy.model_validate({
        "PolicyName": name, "Arn": f"arn:aws:iam::{ACCT}:policy/{name}",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "Document": doc(*statements)}]})


ADMIN = managed("Admin", allow("*"))


def role(name: str, *, account: str = ACCT, attached: tuple[ManagedPolicy, ...] = (),
         inline: tuple[Doc, ...] = (), boundary: ManagedPolicy | None = None,
         trust: Doc | None = None, tags: dict[str, str] | None = None) -> IamRole:
    return IamRole.model_validate({
        "RoleName": name, "Arn": f"arn:aws:iam::{account}:role/{name}",
        "AttachedManagedPolicies": [{"PolicyArn": p.arn} for p in attached],
        "RolePolicyList": [{"PolicyName": f"p{i}", "PolicyDocument": doc(s)}
                           for i, s in enumerate(inline)],
        "PermissionsBoundary": boundary and {"PermissionsBoundaryArn": boundary.arn},
        "AssumeRolePolicyDocument": trust,
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]})


def user(name: str, *, account: str = ACCT, inline: tuple[Doc, ...] = (),
         boundary: ManagedPolicy | None = None, groups: tuple[str, ...] = ()) -> IamUser:
    return IamUser.model_validate({
        "UserName": name, "Arn": f"arn:aws:iam::{account}:user/{name}",
        "UserPolicyList": [{"PolicyName": f"p{i}", "PolicyDocument": doc(s)}
                           for i, s in enumerate(inline)],
        "PermissionsBoundary": boundary and {"PermissionsBoundaryArn": boundary.arn},
        "GroupList": list(groups)})


def inventory(*items: Any) -> AwsInventory:
    inv = AwsInventory(
        roles=[i for i in items if isinstance(i, IamRole)],
        users=[i for i in items if isinstance(i, IamUser)],
        groups=[i for i in items if isinstance(i, IamGroup)],
        managed_policies=[ADMIN, *(i for i in items if isinstance(i, ManagedPolicy))],
        scps=[i for i in items if isinstance(i, ServiceControlPolicy)])
    inv.finish()
    return inv


def trusting(*principals: str, **statement: Any) -> Doc:
    return doc({"Effect": "Allow", "Principal": {"AWS": list(principals)},
                "Action": "sts:AssumeRole", **statement})


# Identity policies, boundaries, SCPs --------------------------------------------------

BOUNDARY_S3 = managed("OnlyS3", allow("s3:*"))
SCP_NO_S3 = ServiceControlPolicy.model_validate({
    "Arn": "arn:aws:organizations::1:policy/o-1/service_control_policy/p-nos3",
    "Content": doc(allow("*"), deny("s3:*"))})
SCP_ONLY_EC2 = ServiceControlPolicy.model_validate({
    "Arn": "arn:aws:organizations::1:policy/o-1/service_control_policy/p-ec2",
    "Content": doc(allow("ec2:*")), "Targets": [ACCT]})

IDENTITY_CASES = [
    # (case, principal statements / extras, action, resource, allowed, because contains)
    ("deny in a second policy wins", dict(attached=(ADMIN,), inline=(deny("s3:GetObject"),)),
     "s3:GetObject", "arn:aws:s3:::b/k", False, "inline p0 Statement[0]"),
    ("allow without deny", dict(attached=(ADMIN,)), "s3:GetObject", "arn:aws:s3:::b/k",
     True, "policy/Admin Statement[0] allows s3:GetObject"),
    ("nothing attached", {}, "s3:GetObject", "*", False, "no identity policy"),
    ("NotAction allows others", dict(inline=({"Effect": "Allow", "NotAction": "iam:*",
                                              "Resource": "*"},)),
     "s3:GetObject", "*", True, "Statement[0]"),
    ("NotAction excludes its own", dict(inline=({"Effect": "Allow", "NotAction": "iam:*",
                                                 "Resource": "*"},)),
     "iam:PassRole", "*", False, "no identity policy"),
    ("NotResource allows others", dict(inline=({"Effect": "Allow", "Action": "s3:*",
                                                "NotResource": "arn:aws:s3:::vault/*"},)),
     "s3:GetObject", "arn:aws:s3:::logs/a", True, "Statement[0]"),
    ("NotResource excludes its own", dict(inline=({"Effect": "Allow", "Action": "s3:*",
                                                   "NotResource": "arn:aws:s3:::vault/*"},)),
     "s3:GetObject", "arn:aws:s3:::vault/a", False, "no identity policy"),
    ("boundary removes an allowed action", dict(attached=(ADMIN,), boundary=BOUNDARY_S3),
     "iam:PassRole", "*", False, "permissions boundary"),
    ("boundary keeps what it allows", dict(attached=(ADMIN,), boundary=BOUNDARY_S3),
     "s3:GetObject", "*", True, "policy/Admin"),
    ("case-insensitive action", dict(inline=(allow("S3:getobject"),)),
     "s3:GetObject", "*", True, "Statement[0]"),
    ("case-insensitive service wildcard", dict(inline=(allow("S3:Get*"),)),
     "s3:getObjectAcl", "*", True, "Statement[0]"),
    ("? is one character", dict(inline=(allow("s3:Get?bject"),)),
     "s3:GetObject", "*", True, "Statement[0]"),
    ("? is not two", dict(inline=(allow("s3:Get?bject"),)),
     "s3:GetOObject", "*", False, "no identity policy"),
    ("resources are case-sensitive", dict(inline=(allow("s3:*", "arn:aws:s3:::Logs/*"),)),
     "s3:GetObject", "arn:aws:s3:::logs/a", False, "no identity policy"),
    ("a requested pattern is met by an Allow on part of it",
     dict(inline=(allow("s3:GetObject", "arn:aws:s3:::b/reports/*"),)),
     "s3:GetObject", "arn:aws:s3:::b/*", True, "Statement[0]"),
    ("a requested pattern is not met by an Allow elsewhere",
     dict(inline=(allow("s3:GetObject", "arn:aws:s3:::c/*"),)),
     "s3:GetObject", "arn:aws:s3:::b/*", False, "no identity policy"),
    ("a Deny on part of a requested pattern leaves the rest",
     dict(attached=(ADMIN,), inline=(deny("s3:GetObject", "arn:aws:s3:::b/secret/*"),)),
     "s3:GetObject", "arn:aws:s3:::b/*", True, "policy/Admin"),
    ("a Deny covering a requested pattern denies it",
     dict(attached=(ADMIN,), inline=(deny("s3:GetObject", "arn:aws:s3:::b*"),)),
     "s3:GetObject", "arn:aws:s3:::b/*", False, "explicitly denied"),
    ("the default resource asks about any resource",
     dict(inline=(allow("s3:GetObject", "arn:aws:s3:::logs/*"),)),
     "s3:GetObject", "*", True, "Statement[0]"),
    ("resource wildcard stays in its ARN field",
     dict(inline=(allow("iam:PassRole", "arn:aws:iam::*:role/app-*"),)),
     "iam:PassRole", "arn:aws:iam::111122223333:role/app-web", True, "Statement[0]"),
]


@pytest.mark.parametrize(("case", "extras", "action", "resource", "allowed", "because"),
                         IDENTITY_CASES, ids=[c[0] for c in IDENTITY_CASES])
def test_identity_rules(case: str, extras: dict[str, Any], action: str, resource: str,
                        allowed: bool, because: str) -> None:
    subject = role("subject", **extras)
    extra_policies = [p for p in (extras.get("boundary"),) if p is not None]
    decision = access_for(inventory(subject, *extra_policies)).can(subject, action, resource)
    assert decision.allowed is allowed
    assert decision.confidence == "certain"
    assert because in decision.because


def test_scp_deny_wins_over_admin() -> None:
    subject = role("subject", attached=(ADMIN,))
    decision = access_for(inventory(subject, SCP_NO_S3)).can(subject, "s3:GetObject")
    assert not decision.allowed
    assert "p-nos3 Statement[1]" in decision.because


def test_scp_that_does_not_allow_denies() -> None:
    subject = role("subject", attached=(ADMIN,))
    access = access_for(inventory(subject, SCP_ONLY_EC2))
    assert not access.can(subject, "s3:GetObject").allowed
    assert "no statement of SCP" in access.can(subject, "s3:GetObject").because
    assert access.can(subject, "ec2:RunInstances").allowed


def test_scp_targets_other_account_does_not_apply() -> None:
    outsider = role("outsider", account=OTHER, attached=(ADMIN,))
    assert access_for(inventory(outsider, SCP_ONLY_EC2)).can(outsider, "s3:GetObject").allowed


def test_group_policies_apply_to_members() -> None:
    group = IamGroup.model_validate({
        "GroupName": "readers", "Arn": f"arn:aws:iam::{ACCT}:group/readers",
        "GroupPolicyList": [{"PolicyName": "read", "PolicyDocument": doc(allow("s3:Get*"))}]})
    member, other = user("ana", groups=("readers",)), user("bob")
    access = access_for(inventory(group, member, other))
    assert access.can(member, "s3:GetObject").allowed
    assert "group/readers inline read" in access.can(member, "s3:GetObject").because
    assert not access.can(other, "s3:GetObject").allowed


def test_policy_variable_is_substituted_when_known() -> None:
    home = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")
    ana = user("ana", inline=(home,))
    access = access_for(inventory(ana))
    assert access.can(ana, "s3:GetObject", "arn:aws:s3:::home/ana/x").allowed
    assert not access.can(ana, "s3:GetObject", "arn:aws:s3:::home/bob/x").allowed


def test_policy_variable_unknown_is_likely() -> None:
    decision = evaluate("s3:GetObject", "arn:aws:s3:::home/x/y",
                        principal_arn=f"arn:aws:iam::{ACCT}:role/r", identity=[doc(allow(
                            "s3:GetObject", "arn:aws:s3:::home/${aws:PrincipalTag/team}/*"))])
    assert decision[:3] == (True, "likely", ("aws:PrincipalTag/team",))


# Resource policies ---------------------------------------------------------------------


def bucket_policy(principal: Any, effect: str = "Allow", element: str = "Principal") -> Doc:
    return doc({"Effect": effect, element: principal, "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::shared/*"})


def test_same_account_resource_policy_naming_the_role_suffices() -> None:
    reader = role("reader")
    policy = bucket_policy({"AWS": reader.arn})
    decision = access_for(inventory(reader)).can(reader, "s3:GetObject",
                                                 "arn:aws:s3:::shared/a", policy)
    assert decision.allowed
    assert "resource policy" in decision.because


def test_same_account_resource_policy_naming_the_account_delegates() -> None:
    reader = role("reader")
    access = access_for(inventory(reader))
    for principal in (f"arn:aws:iam::{ACCT}:root", ACCT):
        policy = bucket_policy({"AWS": principal})
        assert not access.can(reader, "s3:GetObject", "arn:aws:s3:::shared/a", policy).allowed


def test_resource_policy_to_a_role_is_bounded_but_to_a_user_is_not() -> None:
    no_s3 = managed("NoS3", allow("ec2:*"))
    bounded_role, bounded_user = role("r", boundary=no_s3), user("u", boundary=no_s3)
    access = access_for(inventory(bounded_role, bounded_user, no_s3))
    for principal, allowed in ((bounded_role, False), (bounded_user, True)):
        policy = bucket_policy({"AWS": principal.arn})
        decision = access.can(principal, "s3:GetObject", "arn:aws:s3:::shared/a", policy)
        assert decision.allowed is allowed


@pytest.mark.parametrize(("identity", "resource_principal", "allowed"), [
    (True, f"arn:aws:iam::{OTHER}:role/reader", True),
    (True, OTHER, True),
    (False, f"arn:aws:iam::{OTHER}:role/reader", False),
    (True, None, False),
    (True, f"arn:aws:iam::{OTHER}:role/someone-else", False),
], ids=["both-allow", "account-named", "no-identity-allow", "no-resource-policy",
        "other-principal-named"])
def test_cross_account_needs_both_sides(identity: bool, resource_principal: str | None,
                                        allowed: bool) -> None:
    reader = role("reader", account=OTHER, attached=(ADMIN,) if identity else ())
    policy = None if resource_principal is None else doc({
        "Effect": "Allow", "Principal": {"AWS": resource_principal},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
    secret = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:db-AbCdEf"
    decision = access_for(inventory(reader)).can(reader, "secretsmanager:GetSecretValue",
                                                 secret, policy)
    assert decision.allowed is allowed


def test_principal_star_admits_anyone() -> None:
    stranger = role("stranger")
    decision = access_for(inventory(stranger)).can(
        stranger, "s3:GetObject", "arn:aws:s3:::shared/a", bucket_policy("*"))
    assert decision.allowed


def test_not_principal_deny_spares_only_the_named() -> None:
    spared, other = role("spared", attached=(ADMIN,)), role("other", attached=(ADMIN,))
    policy = bucket_policy({"AWS": spared.arn}, "Deny", "NotPrincipal")
    access = access_for(inventory(spared, other))
    assert access.can(spared, "s3:GetObject", "arn:aws:s3:::shared/a", policy).allowed
    assert not access.can(other, "s3:GetObject", "arn:aws:s3:::shared/a", policy).allowed


def test_not_principal_deny_always_hits_a_bounded_principal() -> None:
    spared = role("spared", attached=(ADMIN,), boundary=ADMIN)
    policy = bucket_policy({"AWS": spared.arn}, "Deny", "NotPrincipal")
    decision = access_for(inventory(spared)).can(spared, "s3:GetObject",
                                                 "arn:aws:s3:::shared/a", policy)
    assert not decision.allowed


# Role trust policies -------------------------------------------------------------------

ASSUME_ANY = allow("sts:AssumeRole")


@pytest.mark.parametrize(("trusted", "caller_account", "identity", "allowed"), [
    ("caller-arn", ACCT, False, True),
    ("caller-arn", ACCT, True, True),
    ("account-root", ACCT, False, False),
    ("account-root", ACCT, True, True),
    ("account-id", ACCT, False, False),
    ("account-id", ACCT, True, True),
    ("caller-arn", OTHER, False, False),
    ("caller-arn", OTHER, True, True),
    ("account-root", OTHER, True, True),
    ("someone-else", ACCT, True, False),
], ids=lambda v: str(v))
def test_can_assume(trusted: str, caller_account: str, identity: bool, allowed: bool) -> None:
    caller = role("caller", account=caller_account, inline=(ASSUME_ANY,) if identity else ())
    principal = {"caller-arn": caller.arn, "account-root": f"arn:aws:iam::{caller_account}:root",
                 "account-id": caller_account,
                 "someone-else": f"arn:aws:iam::{caller_account}:role/other"}[trusted]
    target = role("target", trust=trusting(principal))
    decision = access_for(inventory(caller, target)).can_assume(caller, target)
    assert decision.allowed is allowed, decision.because


def test_trust_naming_the_caller_still_needs_its_boundary() -> None:
    bounded = user("ana", boundary=BOUNDARY_S3)
    target = role("target", trust=trusting(bounded.arn))
    decision = access_for(inventory(bounded, target, BOUNDARY_S3)).can_assume(bounded, target)
    assert not decision.allowed
    assert "permissions boundary" in decision.because


def test_trust_deny_wins() -> None:
    caller = role("caller", attached=(ADMIN,))
    trust = trusting(caller.arn)
    trust["Statement"].append({"Effect": "Deny", "Principal": {"AWS": ACCT},
                               "Action": "sts:AssumeRole"})
    target = role("target", trust=trust)
    decision = access_for(inventory(caller, target)).can_assume(caller, target)
    assert not decision.allowed
    assert "Statement[1]" in decision.because


def test_trust_allows_alone() -> None:
    target = role("target", trust=trusting(f"arn:aws:iam::{OTHER}:root"))
    access = access_for(inventory(target))
    assert access.trust_allows(target, principal_arn=OTHER).allowed
    assert access.trust_allows(target, principal_arn=f"arn:aws:iam::{OTHER}:role/x").allowed
    assert not access.trust_allows(target, principal_arn=f"arn:aws:iam::{ACCT}:role/x").allowed
    assert not access.trust_allows(target).allowed


def test_trust_principal_star_admits_anyone() -> None:
    target = role("target", trust=doc({"Effect": "Allow", "Principal": "*",
                                       "Action": "sts:AssumeRole"}))
    outsider = role("outsider", account=OTHER, inline=(ASSUME_ANY,))
    access = access_for(inventory(target, outsider))
    assert access.trust_allows(target).allowed
    assert access.can_assume(outsider, target).allowed


def test_service_trust() -> None:
    target = role("node", trust=doc({"Effect": "Allow",
                                     "Principal": {"Service": "ec2.amazonaws.com"},
                                     "Action": "sts:AssumeRole"}))
    access = access_for(inventory(target))
    assert access.trust_allows(target, service="ec2.amazonaws.com").allowed
    assert not access.trust_allows(target, service="lambda.amazonaws.com").allowed


def test_web_identity_trust_with_conditions() -> None:
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
    provider = f"arn:aws:iam::{ACCT}:oidc-provider/{issuer}"
    target = role("irsa", trust=doc({
        "Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:shop:web",
                                       f"{issuer}:aud": "sts.amazonaws.com"}}}))
    access = access_for(inventory(target))
    action = "sts:AssumeRoleWithWebIdentity"
    web = {f"{issuer}:sub": "system:serviceaccount:shop:web", f"{issuer}:aud":
           "sts.amazonaws.com"}
    assert access.trust_allows(target, action, federated=provider, context=web)[:2] == \
        (True, "certain")
    other = {**web, f"{issuer}:sub": "system:serviceaccount:shop:other"}
    assert not access.trust_allows(target, action, federated=provider, context=other).allowed
    partial = access.trust_allows(target, action, federated=provider,
                                  context={f"{issuer}:aud": "sts.amazonaws.com"})
    assert partial[:3] == (True, "likely", (f"{issuer}:sub",))


def test_trust_condition_on_principal_arn_is_known_offline() -> None:
    ops, dev = role("ops", inline=(ASSUME_ANY,)), role("dev", inline=(ASSUME_ANY,))
    target = role("target", trust=trusting(
        ACCT, Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/o*"}}))
    access = access_for(inventory(ops, dev, target))
    assert access.can_assume(ops, target)[:2] == (True, "certain")
    assert not access.can_assume(dev, target).allowed


# Conditions ----------------------------------------------------------------------------

ROLE = f"arn:aws:iam::{ACCT}:role/app"


def conditional(condition: Doc, context: dict[str, Any] | None,
                effect: str = "Allow") -> tuple[bool, str, tuple[str, ...]]:
    statements = [allow("ec2:*", Condition=condition)] if effect == "Allow" else \
        [allow("ec2:*"), deny("ec2:*", Condition=condition)]
    decision = evaluate("ec2:StartInstances", "*", principal_arn=ROLE,
                        identity=[doc(*statements)], context=context)
    return decision.allowed, decision.confidence, decision.unknown_keys


CERTAIN_YES = (True, "certain", ())
CERTAIN_NO = (False, "certain", ())

CONDITION_CASES = [
    ("StringEquals match", {"StringEquals": {"ec2:Region": "eu-west-1"}},
     {"ec2:Region": "eu-west-1"}, CERTAIN_YES),
    ("StringEquals keys ignore case", {"StringEquals": {"EC2:region": "eu-west-1"}},
     {"ec2:REGION": "eu-west-1"}, CERTAIN_YES),
    ("StringEquals values are ORed", {"StringEquals": {"ec2:Region": ["us-east-1",
                                                                      "eu-west-1"]}},
     {"ec2:Region": "eu-west-1"}, CERTAIN_YES),
    ("StringEquals mismatch", {"StringEquals": {"ec2:Region": "eu-west-1"}},
     {"ec2:Region": "us-east-1"}, CERTAIN_NO),
    ("keys are ANDed", {"StringEquals": {"a:k": "1", "a:j": "2"}},
     {"a:k": "1", "a:j": "3"}, CERTAIN_NO),
    ("StringNotEquals", {"StringNotEquals": {"a:k": ["x", "y"]}}, {"a:k": "z"}, CERTAIN_YES),
    ("StringNotEquals hit", {"StringNotEquals": {"a:k": ["x", "y"]}}, {"a:k": "y"},
     CERTAIN_NO),
    ("StringEqualsIgnoreCase", {"StringEqualsIgnoreCase": {"a:k": "Prod"}}, {"a:k": "PROD"},
     CERTAIN_YES),
    ("StringNotEqualsIgnoreCase", {"StringNotEqualsIgnoreCase": {"a:k": "Prod"}},
     {"a:k": "PROD"}, CERTAIN_NO),
    ("StringLike", {"StringLike": {"a:k": "team-*"}}, {"a:k": "team-red"}, CERTAIN_YES),
    ("StringLike is case-sensitive", {"StringLike": {"a:k": "team-*"}}, {"a:k": "TEAM-red"},
     CERTAIN_NO),
    ("StringNotLike", {"StringNotLike": {"a:k": "team-?"}}, {"a:k": "team-ab"}, CERTAIN_YES),
    ("ArnLike", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}},
     {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}, CERTAIN_YES),
    ("ArnEquals", {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}},
     {"aws:SourceArn": "arn:aws:sns:us-east-1:1:u"}, CERTAIN_NO),
    ("ArnNotLike on the principal ARN (known offline)",
     {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}, None, CERTAIN_YES),
    ("ArnNotEquals", {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}, None, CERTAIN_NO),
    ("NumericLessThan", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 5},
     CERTAIN_YES),
    ("NumericGreaterThanEquals", {"NumericGreaterThanEquals": {"s3:max-keys": "10"}},
     {"s3:max-keys": 5}, CERTAIN_NO),
    ("NumericNotEquals", {"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"},
     CERTAIN_NO),
    ("DateGreaterThan", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
     {"aws:CurrentTime": "2024-06-01T12:00:00Z"}, CERTAIN_YES),
    ("DateLessThan epoch", {"DateLessThan": {"aws:EpochTime": "1000"}},
     {"aws:EpochTime": 2000}, CERTAIN_NO),
    ("Bool", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True},
     CERTAIN_YES),
    ("Bool false", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": False},
     CERTAIN_NO),
    ("IpAddress", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"},
     CERTAIN_YES),
    ("NotIpAddress", {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
     {"aws:SourceIp": "10.1.2.3"}, CERTAIN_NO),
    ("IfExists on a missing key is true", {"StringEqualsIfExists": {"a:k": "x"}}, None,
     CERTAIN_YES),
    ("IfExists on a present key tests it", {"StringEqualsIfExists": {"a:k": "x"}},
     {"a:k": "y"}, CERTAIN_NO),
    ("negated operator on a missing key is true", {"StringNotEquals": {"a:k": "x"}}, None,
     CERTAIN_YES),
    ("negated operator on an always-present key we lack is unknown",
     {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, None,
     (True, "likely", ("aws:SourceIp",))),
    ("ForAnyValue", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
     {"aws:TagKeys": ["owner", "team"]}, CERTAIN_YES),
    ("ForAnyValue none", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
     {"aws:TagKeys": ["owner"]}, CERTAIN_NO),
    ("ForAllValues", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
     {"aws:TagKeys": ["env", "team"]}, CERTAIN_YES),
    ("ForAllValues one outside", {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
     {"aws:TagKeys": ["env", "owner"]}, CERTAIN_NO),
    ("ForAllValues on a missing key is true",
     {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}, None, CERTAIN_YES),
    ("Null true on a missing key", {"Null": {"aws:TagKeys": "true"}}, None, CERTAIN_YES),
    ("Null false on a missing key", {"Null": {"aws:TagKeys": "false"}}, None, CERTAIN_NO),
    ("Null true on a present key", {"Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": ["a"]},
     CERTAIN_NO),
    ("unknown key makes the allow likely", {"StringEquals": {"ec2:ResourceTag/env": "dev"}},
     None, (True, "likely", ("ec2:ResourceTag/env",))),
    ("a data-perimeter key may be absent or not: unknown even for a negated operator",
     {"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}}, None,
     (True, "likely", ("aws:PrincipalOrgID",))),
    ("a data-perimeter key given in the context is tested",
     {"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}}, {"aws:PrincipalOrgID": "o-123"},
     CERTAIN_NO),
    ("Null on an always-present key knows it is there",
     {"Null": {"aws:SourceIp": "false"}}, None, CERTAIN_YES),
    ("unknown key and a failing key: denied",
     {"StringEquals": {"ec2:ResourceTag/env": "dev", "a:k": "x"}}, {"a:k": "y"}, CERTAIN_NO),
    ("policy variable in a condition value",
     {"StringEquals": {"a:owner": "${aws:PrincipalArn}"}}, {"a:owner": ROLE}, CERTAIN_YES),
]


@pytest.mark.parametrize(("case", "condition", "context", "expected"), CONDITION_CASES,
                         ids=[c[0] for c in CONDITION_CASES])
def test_condition_operators(case: str, condition: Doc, context: dict[str, Any] | None,
                             expected: tuple[bool, str, tuple[str, ...]]) -> None:
    assert conditional(condition, context) == expected


def test_deny_on_an_unknown_key_lowers_the_allow_to_likely() -> None:
    result = conditional({"StringEquals": {"ec2:ResourceTag/env": "prod"}}, None, "Deny")
    assert result == (True, "likely", ("ec2:ResourceTag/env",))


def test_every_deny_that_may_fire_is_reported() -> None:
    decision = evaluate("ec2:StartInstances", "*", principal_arn=ROLE, identity=[doc(
        allow("ec2:*"), deny("ec2:*", Condition={"StringEquals": {"ec2:ResourceTag/a": "x"}}),
        deny("ec2:*", Condition={"StringEquals": {"ec2:ResourceTag/b": "x"}}))])
    assert decision.unknown_keys == ("ec2:ResourceTag/a", "ec2:ResourceTag/b")
    assert "identity[0] Statement[1], identity[0] Statement[2]" in decision.because


def test_deny_on_a_known_key_denies() -> None:
    assert conditional({"StringEquals": {"a:k": "x"}}, {"a:k": "x"}, "Deny") == CERTAIN_NO
    assert conditional({"StringEquals": {"a:k": "x"}}, {"a:k": "y"}, "Deny") == CERTAIN_YES


# Malformed documents, real action names --------------------------------------------------

MALFORMED = [
    ({"Statement": [{"Effect": "Permit", "Action": "s3:*", "Resource": "*"}]},
     "Statement[0]: Effect"),
    ({"Statement": [allow("s3:*"), {"Effect": "Allow", "Resource": "*"}]},
     "Statement[1]: needs Action or NotAction"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*",
                     "Resource": "*"}]}, "has both Action and NotAction"),
    ({"Statement": [allow("s3:*", Condition={"StringEqualz": {"a": "b"}})]},
     "unknown condition operator StringEqualz"),
    ({"Statement": [allow("GetObject")]}, "not service:Action"),
    ({"Statement": [allow(["s3:GetObject", 7])]}, "string or a list of strings"),
    ({"Version": "2012-10-17"}, "no Statement"),
    ({"Statement": [allow("s3:*", Principal="*")]}, "cannot name a Principal"),
]


@pytest.mark.parametrize(("document", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_policy_names_source_and_statement(document: Doc, message: str) -> None:
    with pytest.raises(PolicyError, match="role web inline p0") as raised:
        compile_policy(document, "role web inline p0")
    assert message in str(raised.value)


def test_trust_policy_without_principal_is_malformed() -> None:
    with pytest.raises(PolicyError, match="needs Principal or NotPrincipal"):
        compile_policy(doc({"Effect": "Allow", "Action": "sts:AssumeRole"}), "t", "trust")


def test_statement_may_be_a_single_object() -> None:
    policy = compile_policy({"Statement": allow("s3:GetObject")}, "single")
    assert len(policy.statements) == 1
    assert policy.statements[0].matches_action("s3:getobject")


def test_broken_policy_is_a_problem_and_grants_nothing() -> None:
    broken = IamRole.model_validate({
        "RoleName": "web", "Arn": f"arn:aws:iam::{ACCT}:role/web",
        "RolePolicyList": [{"PolicyName": "bad", "PolicyDocument": {
            "Statement": [allow("s3:*"), {"Effect": "Maybe", "Action": "*", "Resource": "*"}]}},
            {"PolicyName": "good", "PolicyDocument": doc(allow("ec2:*"))}]})
    access = access_for(inventory(broken))
    assert not access.can(broken, "s3:GetObject").allowed
    assert access.can(broken, "ec2:RunInstances").allowed
    [problem] = access.problems
    assert problem.source == f"{broken.arn} inline bad"
    assert "Statement[1]: Effect" in problem.message


def test_unknown_action_is_a_problem_not_an_error() -> None:
    typo = role("typo", inline=(allow(["s3:GetObjekt", "iam:Put*Policy", "ec2:*"]),))
    access = access_for(inventory(typo))
    [problem] = access.problems
    assert problem.source == f"{typo.arn} inline p0"
    assert problem.message.startswith("Statement[0]: action 's3:GetObjekt' matches no AWS")


def test_actions_matching_uses_the_real_action_list() -> None:
    found = actions_matching("iam:Put*Policy")
    assert {"iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy"} <= set(found)
    assert "iam:PassRole" not in found
    assert actions_matching("IAM:passrole") == ["iam:PassRole"]
    assert actions_matching("s3:NoSuchThing*") == []


# Admin, caching ---------------------------------------------------------------------------


@pytest.mark.parametrize(("extras", "scps", "admin", "because"), [
    (dict(attached=(ADMIN,)), (), True, "policy/Admin Statement[0] allows * on *"),
    (dict(inline=(allow("*:*"),)), (), True, "allows * on *"),
    (dict(inline=(allow("s3:*"),)), (), False, "no identity policy"),
    (dict(inline=({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},)), (), False,
     "no identity policy"),
    (dict(attached=(ADMIN,), boundary=BOUNDARY_S3), (), False, "permissions boundary"),
    (dict(attached=(ADMIN,), inline=(deny("s3:DeleteBucket", "arn:aws:s3:::logs"),)), (),
     False, "denies part of * on *"),
    (dict(attached=(ADMIN,)), (SCP_ONLY_EC2,), False, "does not allow * on *"),
    (dict(attached=(ADMIN,)), (SCP_NO_S3,), True, "allows * on *"),
], ids=["admin-policy", "star-colon-star", "s3-only", "power-user", "boundary", "deny",
        "scp-allow-list", "scp-guardrail"])
def test_is_admin(extras: dict[str, Any], scps: tuple[ServiceControlPolicy, ...], admin: bool,
                  because: str) -> None:
    subject = role("subject", **extras)
    decision = access_for(inventory(subject, BOUNDARY_S3, *scps)).is_admin(subject)
    assert decision.allowed is admin
    assert because in decision.because


def test_is_admin_with_a_conditional_allow_is_likely() -> None:
    subject = role("subject", inline=(allow("*", Condition={"Bool": {
        "aws:MultiFactorAuthPresent": "true"}}),))
    decision = access_for(inventory(subject)).is_admin(subject)
    assert decision[:3] == (True, "likely", ("aws:MultiFactorAuthPresent",))


def test_scp_denying_iam_takes_admin_away() -> None:
    no_iam = ServiceControlPolicy.model_validate({"Arn": "scp-no-iam", "Content": doc(
        allow("*"), deny("iam:*"))})
    subject = role("subject", attached=(ADMIN,))
    decision = access_for(inventory(subject, no_iam)).is_admin(subject)
    assert not decision.allowed
    assert "scp-no-iam Statement[1]" in decision.because


def test_access_is_cached_per_inventory_and_policies_compiled_once() -> None:
    first, second = role("a", attached=(ADMIN,)), role("b", attached=(ADMIN,))
    inv = inventory(first, second)
    shared = access_for(inv).principal_policies(first).identity[0]
    assert shared is access_for(inv).principal_policies(second).identity[0]
    assert shared is not access_for(inventory(first)).principal_policies(first).identity[0]


def test_resources_allowed_filters_candidates() -> None:
    reader = role("reader", inline=(allow("s3:GetObject", "arn:aws:s3:::logs/*"),))
    stranger = role("stranger")
    access = access_for(inventory(reader, stranger))
    candidates = ["arn:aws:s3:::logs/a", "arn:aws:s3:::vault/a"]
    assert [r for r, _ in access.resources_allowed(reader, "s3:GetObject", candidates)] == \
        ["arn:aws:s3:::logs/a"]
    policies = {"arn:aws:s3:::vault/a": doc({
        "Effect": "Allow", "Principal": {"AWS": stranger.arn}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::vault/*"})}
    assert [r for r, _ in access.resources_allowed(stranger, "s3:GetObject", candidates,
                                                   policies)] == ["arn:aws:s3:::vault/a"]


def test_missing_boundary_is_a_problem() -> None:
    subject = role("subject", attached=(ADMIN,), boundary=managed("NotInInput", allow("s3:*")))
    access = access_for(inventory(subject))
    assert [p.source for p in access.problems] == [f"arn:aws:iam::{ACCT}:policy/NotInInput"]
    assert access.can(subject, "iam:PassRole").allowed


def test_access_does_not_keep_its_inventory_alive() -> None:
    import gc
    import weakref

    gc.disable()
    try:
        inv = inventory(role("a", attached=(ADMIN,)))
        assert access_for(inv).can(f"arn:aws:iam::{ACCT}:role/a", "s3:GetObject").allowed
        gone = weakref.ref(inv)
        del inv
        assert gone() is None, "freed by reference counting alone: no cycle"
    finally:
        gc.enable()


def test_trust_judged_like_any_policy_but_keys_read_only_when_a_statement_names_the_caller(
        ) -> None:
    trust = compile_policy(doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}}), "t", "trust")
    role_arn = f"arn:aws:iam::{ACCT}:role/target"
    read: list[str] = []

    def keys() -> dict[str, tuple[str, ...]]:
        read.append("read")
        return {}

    service = Caller(service="ec2.amazonaws.com")
    outsider = Caller(arn=f"arn:aws:iam::{OTHER}:root", account=OTHER)
    for caller in (service, outsider, Caller(service="lambda.amazonaws.com")):
        assert judge_trust(trust.statements, "sts:AssumeRole", role_arn, caller, keys) == judge(
            trust.statements, "sts:AssumeRole", role_arn, caller, {}, with_principal=True)
    assert len(read) == 2  # the lambda caller is named by no statement
    assert judge_trust(trust.statements, "sts:TagSession", role_arn, service, keys).allow is None
    assert len(read) == 2
