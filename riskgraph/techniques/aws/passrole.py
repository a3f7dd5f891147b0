"""aws.passrole: a principal launches a service's compute with a role it may pass, and so
runs code as that role.

Both halves are needed: ``iam:PassRole`` on the role (with ``iam:PassedToService`` set to
the service) and the actions that start something of a service the role trusts: an EC2
instance (the role must have an instance profile), a Lambda function it can invoke or feed
events, a CloudFormation stack, a Glue dev endpoint or job, a CodeBuild project, a
SageMaker notebook or job, an ECS task, a Data Pipeline. A PassRole grant over every role
of the account goes through ``hub:aws-passrole-<service>:aws/<account>``, which fans out
to the roles trusting that service. PassRole only works within the role's own account.
EC2 has two more routes (``_launch.py``): a role without an instance profile, when the
principal may also make one (``hub:aws-passrole-ec2-new-profile:...``), and a running
instance whose role the principal may replace and reach through Systems Manager.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from riskgraph import ids
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision
from riskgraph.iam.conditions import ContextValue
from riskgraph.iam.context import role_tag_context
from riskgraph.models.aws import IamRole
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import (
    HUB_COST,
    account_hub,
    because,
    confidence_of,
    labelled,
    setup,
)
from riskgraph.techniques.aws._escalation import Choice, associated_choices, first_allowed
from riskgraph.techniques.aws._index import PROBE, ArnIndex, all_of
from riskgraph.techniques.aws._launch import (
    NEW_PROFILE_ROUTE,
    launchable,
    service_of,
    trusting_roles,
)
from riskgraph.techniques.aws._reach import grants, reach

PASS = "iam:PassRole"


def hub(account: str, route: str) -> str:
    suffix = "-new-profile" if route == NEW_PROFILE_ROUTE else ""
    return account_hub(f"aws-passrole-{route.split('.')[0]}{suffix}", account)


def _may_pass(access: AccountAccess, principal: IamPrincipal, service: str,
              trusted: dict[str, tuple[IamRole, Decision]], arn: str, pattern: str
              ) -> Decision:
    role, trusts = trusted[arn]
    base = {"iam:PassedToService": service, **role_tag_context(role.tags)}
    choices = [Choice({**base, **associated})
               for associated in associated_choices(access, principal, service)] or [Choice(base)]
    found = first_allowed(access, principal, PASS, arn, choices)
    return all_of((found[1], trusts)) if found else access.can(principal, PASS, arn,
                                                                context=choices[-1].context)


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    trusting = trusting_roles(access, inv.aws.roles)
    indexes = {key: ArnIndex((arn, arn) for arn in roles) for key, roles in trusting.items()}
    entered: set[tuple[str, str]] = set()
    for principal in actors:
        probe = f"arn:aws:iam::{principal.account}:role/{PROBE}"
        if not grants(access, principal, PASS, probe).patterns:
            continue
        for route, (launch, actions) in launchable(access, inv.aws, principal).items():
            key = (principal.account, route)
            if key not in indexes:
                continue
            service = service_of(route)
            context: dict[str, ContextValue] = {"iam:PassedToService": service}
            # The probe names the first resource the principal's conditions spell (any
            # other is still tried role by role).
            for associated in associated_choices(access, principal, service)[:1]:
                context.update(associated)
            found = reach(access, principal, (PASS,), probe, indexes[key],
                          partial(_may_pass, access, principal, service, trusting[key]),
                          context=context)
            doing = f"may pass roles to {service} and start it with {' + '.join(actions)}"
            if found.everywhere is not None:
                entered.add(key)
                yield Edge(principal.arn, hub(*key),
                           labelled(f"{principal.arn} {doing} (any role)", launch,
                                    found.everywhere),
                           because(launch, found.everywhere),
                           confidence_of(launch, found.everywhere))
            for arn, decision in found.targets:
                yield Edge(principal.arn, arn, labelled(
                    f"{principal.arn} {doing}, and role {ids.parse(arn).name} trusts {service}",
                    launch, decision),
                           because(launch, decision), confidence_of(launch, decision))
    for key in sorted(entered):
        for arn, (role, decision) in trusting[key].items():
            yield Edge(hub(*key), arn, f"role {role.name} trusts {service_of(key[1])}, so a "
                       "launch that passes it runs as the role", because(decision),
                       confidence_of(decision), HUB_COST)


_ANY_ROLE_EC2 = """
RoleDetailList:
- RoleName: web-node
  Arn: arn:aws:iam::111122223333:role/web-node
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}]
  InstanceProfileList:
  - {InstanceProfileName: web-node, Arn: "arn:aws:iam::111122223333:instance-profile/web-node"}
- RoleName: no-profile
  Arn: arn:aws:iam::111122223333:role/no-profile
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}]
- RoleName: fn
  Arn: arn:aws:iam::111122223333:role/fn
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: lambda.amazonaws.com}}]
UserDetailList:
- UserName: dev
  Arn: arn:aws:iam::111122223333:user/dev
  UserPolicyList:
  - PolicyName: launch
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: ["iam:PassRole", "ec2:RunInstances"], Resource: "*"}
"""

_NAMED_CODEBUILD = """
RoleDetailList:
- RoleName: build-runner
  Arn: arn:aws:iam::111122223333:role/build-runner
  AssumeRolePolicyDocument:
    Statement:
    - {Effect: Allow, Action: sts:AssumeRole, Principal: {Service: codebuild.amazonaws.com}}
- RoleName: build-fn
  Arn: arn:aws:iam::111122223333:role/build-fn
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: lambda.amazonaws.com}}]
UserDetailList:
- UserName: ci
  Arn: arn:aws:iam::111122223333:user/ci
  UserPolicyList:
  - PolicyName: builds
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: iam:PassRole
        Resource: "arn:aws:iam::111122223333:role/build-*"
        Condition: {StringEquals: {"iam:PassedToService": codebuild.amazonaws.com}}
      - Effect: Allow
        Action: [codebuild:CreateProject, codebuild:StartBuild, lambda:CreateFunction]
        Resource: "*"
"""

_HALVES = """
RoleDetailList:
- RoleName: web-node
  Arn: arn:aws:iam::111122223333:role/web-node
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}]
  InstanceProfileList:
  - {InstanceProfileName: web-node, Arn: "arn:aws:iam::111122223333:instance-profile/web-node"}
UserDetailList:
- UserName: passer
  Arn: arn:aws:iam::111122223333:user/passer
  UserPolicyList:
  - PolicyName: pass-only
    PolicyDocument:
      Statement: [{Effect: Allow, Action: iam:PassRole, Resource: "*"}]
- UserName: launcher
  Arn: arn:aws:iam::111122223333:user/launcher
  UserPolicyList:
  - PolicyName: launch-only
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "ec2:*", Resource: "*"}]
- UserName: lambda-dev
  Arn: arn:aws:iam::111122223333:user/lambda-dev
  UserPolicyList:
  - PolicyName: pass-to-lambda
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: iam:PassRole
        Resource: "*"
        Condition: {StringEquals: {"iam:PassedToService": lambda.amazonaws.com}}
      - {Effect: Allow, Action: "ec2:RunInstances", Resource: "*"}
"""

_EC2_ROUTES = """
Reservations:
- OwnerId: "111122223333"
  Instances:
  - {InstanceId: i-0aaa1111, State: {Name: running}, Placement: {AvailabilityZone: us-east-1a}}
RoleDetailList:
- RoleName: ops-admin
  Arn: arn:aws:iam::111122223333:role/ops-admin
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}]
- RoleName: web-node
  Arn: arn:aws:iam::111122223333:role/web-node
  AssumeRolePolicyDocument:
    Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: ec2.amazonaws.com}}]
  InstanceProfileList:
  - {InstanceProfileName: web-node, Arn: "arn:aws:iam::111122223333:instance-profile/web-node"}
UserDetailList:
- UserName: profiler
  Arn: arn:aws:iam::111122223333:user/profiler
  UserPolicyList:
  - PolicyName: launch
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: [iam:PassRole, ec2:RunInstances, iam:CreateInstanceProfile,
                 iam:AddRoleToInstanceProfile]
        Resource: "*"
- UserName: swapper
  Arn: arn:aws:iam::111122223333:user/swapper
  UserPolicyList:
  - PolicyName: swap
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: [iam:PassRole, ec2:AssociateIamInstanceProfile, ssm:SendCommand]
        Resource: "*"
"""

_ACCT = "111122223333"

TECHNIQUE = Technique(
    id="aws.passrole",
    title="Principal passes a role to a service it can launch",
    severity="high",
    mitre="T1548",
    remediation="Grant iam:PassRole only on the roles a principal must pass, with an "
                "iam:PassedToService condition; keep launch rights (RunInstances, "
                "CreateFunction, ...) away from principals that can pass powerful roles.",
    cost=2.0,
    find=find,
    examples=(
        Example(
            "PassRole and RunInstances on everything reach roles with an instance profile",
            _ANY_ROLE_EC2,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:user/dev", f"hub:aws-passrole-ec2:aws/{_ACCT}"),
                (f"hub:aws-passrole-ec2:aws/{_ACCT}", f"arn:aws:iam::{_ACCT}:role/web-node"),
            }),
        ),
        Example(
            "PassRole on a name prefix, for CodeBuild only",
            _NAMED_CODEBUILD,
            frozenset({(f"arn:aws:iam::{_ACCT}:user/ci",
                        f"arn:aws:iam::{_ACCT}:role/build-runner")}),
        ),
        Example("PassRole without a launch, a launch without PassRole, the wrong service",
                _HALVES),
        Example(
            "a new instance profile for a role without one; a running instance's role swapped",
            _EC2_ROUTES,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:user/profiler", f"hub:aws-passrole-ec2:aws/{_ACCT}"),
                (f"arn:aws:iam::{_ACCT}:user/profiler",
                 f"hub:aws-passrole-ec2-new-profile:aws/{_ACCT}"),
                (f"hub:aws-passrole-ec2-new-profile:aws/{_ACCT}",
                 f"arn:aws:iam::{_ACCT}:role/ops-admin"),
                (f"arn:aws:iam::{_ACCT}:user/swapper", f"hub:aws-passrole-ec2:aws/{_ACCT}"),
                (f"hub:aws-passrole-ec2:aws/{_ACCT}", f"arn:aws:iam::{_ACCT}:role/web-node"),
            }),
        ),
    ),
)
