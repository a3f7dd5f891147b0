"""aws.resource-pivot: a principal changes what an existing resource runs, and the resource
runs it with its own role.

- Lambda: ``lambda:UpdateFunctionCode``, or ``UpdateFunctionConfiguration`` adding a layer
  of the attacker's own, on the function; with ``lambda:InvokeFunction`` it runs now,
  without it at the function's next invocation (``likely``).
- CloudFormation: ``cloudformation:UpdateStack``, or ``CreateChangeSet`` +
  ``ExecuteChangeSet``, on a stack with a service role (the template is carried out as the
  role; a stack without one acts with the caller's own credentials).
- CodeBuild: ``codebuild:StartBuild`` (a buildspec override is part of the call), or
  ``UpdateProject`` (its next build, ``likely``), on the project: its service role.

Each needs the resource in the input, and its role among the input's roles. A grant over
every such resource of the account goes through ``hub:aws-pivot-<kind>:aws/<account>`` and
a wide grant pattern through one hub per pattern, fanning out to the resources' roles.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import NamedTuple

from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision
from riskgraph.models.aws import account_of
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import (
    HUB_COST,
    account_hub,
    because,
    confidence_of,
    labelled,
    pattern_hub,
    setup,
)
from riskgraph.techniques.aws._index import PROBE, ArnIndex, all_of
from riskgraph.techniques.aws._reach import Sharing, may_use, reach, service_of


class Resource(NamedTuple):
    arn: str
    name: str
    role: str


class Way(NamedTuple):
    actions: tuple[str, ...]
    #: Why the step is only likely ("" when the code runs at once).
    wait: str = ""


class Kind(NamedTuple):
    capability: str
    label: str
    probe: str
    ways: tuple[Way, ...]


_NEXT_INVOKE = "its code runs at the function's next invocation"
KINDS = (
    Kind("aws-pivot-lambda", "Lambda function", "arn:aws:lambda:{p}:{account}:function:{p}", (
        Way(("lambda:UpdateFunctionCode", "lambda:InvokeFunction")),
        Way(("lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction")),
        Way(("lambda:UpdateFunctionCode",), _NEXT_INVOKE),
        Way(("lambda:UpdateFunctionConfiguration",), _NEXT_INVOKE))),
    Kind("aws-pivot-cloudformation", "CloudFormation stack",
         "arn:aws:cloudformation:{p}:{account}:stack/{p}", (
             Way(("cloudformation:UpdateStack",)),
             Way(("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet")))),
    Kind("aws-pivot-codebuild", "CodeBuild project", "arn:aws:codebuild:{p}:{account}:project/{p}",
         (Way(("codebuild:StartBuild",)),
          Way(("codebuild:UpdateProject",), "its code runs at the project's next build"))),
)


def _resources(inv: Inventory, kind: Kind) -> list[Resource]:
    aws = inv.aws
    found = {
        "aws-pivot-lambda": [Resource(f.function_arn, f.function_name, f.role)
                             for f in aws.functions],
        "aws-pivot-cloudformation": [Resource(s.stack_id, s.stack_name, s.role_arn)
                                     for s in aws.stacks],
        "aws-pivot-codebuild": [Resource(p.arn, p.name, p.service_role)
                                for p in aws.build_projects],
    }[kind.capability]
    return [r for r in found if r.role and aws.role(r.role) is not None]


def _decide(access: AccountAccess, principal: IamPrincipal, actions: tuple[str, ...],
            resource: Resource, pattern: str) -> Decision:
    return all_of(access.can(principal, action, resource.arn) for action in actions)


def _owner(resource: Resource) -> str:
    return account_of(resource.arn)


def _doing(kind: Kind, way: Way) -> str:
    return f"{' + '.join(way.actions)}" + (f"; {way.wait}" if way.wait else "")


def _edges(access: AccountAccess, actors: list[IamPrincipal], kind: Kind,
           resources: list[Resource]) -> Iterator[Edge]:
    index = ArnIndex((r.arn, r) for r in resources)
    hubs: dict[str, list[Resource]] = {}
    # A way whose first action's service no Allow of the principal names reaches nothing
    # (the grant scan's own first test, made once per principal).
    services = {service_of(way.actions[0]) for way in kind.ways}
    for principal in actors:
        if not may_use(access, principal, *services):
            continue
        probe = kind.probe.format(p=PROBE, account=principal.account)
        best: dict[str, tuple[Resource, Way, Decision]] = {}
        for way in kind.ways:
            found = reach(access, principal, way.actions, probe, index,
                          partial(_decide, access, principal, way.actions),
                          sharing=Sharing(_owner))
            if found.everywhere is not None:
                vertex = account_hub(kind.capability, principal.account)
                hubs[vertex] = [r for r in resources if _owner(r) == principal.account]
                yield _entry(principal, vertex, f"every {kind.label} of account "
                             f"{principal.account}", kind, way, found.everywhere)
                break
            for shared in found.shared:
                vertex = pattern_hub(kind.capability, principal.account, shared.owner,
                                     shared.pattern)
                hubs[vertex] = shared.items
                yield _entry(principal, vertex, f"every {kind.label} matching "
                             f"{shared.pattern}", kind, way, shared.decision)
            for resource, decision in found.targets:
                if resource.arn not in best or (best[resource.arn][1].wait and not way.wait):
                    best[resource.arn] = (resource, way, decision)
        for resource, way, decision in best.values():
            confidence = "likely" if way.wait else confidence_of(decision)
            yield Edge(principal.arn, resource.role, labelled(
                f"{principal.arn} may change what {kind.label} {resource.name} runs, and it "
                f"runs as its role ({_doing(kind, way)})", decision), because(decision),
                confidence)
    for vertex, items in sorted(hubs.items()):
        for resource in items:
            yield Edge(vertex, resource.role, f"{kind.label} {resource.name} runs as role "
                       f"{resource.role.rsplit('/', 1)[-1]}",
                       (f"{resource.arn}: role {resource.role}",), "certain", HUB_COST)


def _entry(principal: IamPrincipal, vertex: str, what: str, kind: Kind, way: Way,
           decision: Decision) -> Edge:
    confidence = "likely" if way.wait else confidence_of(decision)
    return Edge(principal.arn, vertex, labelled(
        f"{principal.arn} may change what {what} runs ({_doing(kind, way)})", decision),
        because(decision), confidence)


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    for kind in KINDS:
        resources = _resources(inv, kind)
        if resources:
            yield from _edges(access, actors, kind, resources)


_ROLES = """
RoleDetailList:
- {RoleName: fn-admin, Arn: "arn:aws:iam::111122223333:role/fn-admin"}
- {RoleName: cfn-deployer, Arn: "arn:aws:iam::111122223333:role/cfn-deployer"}
- {RoleName: build-admin, Arn: "arn:aws:iam::111122223333:role/build-admin"}
Functions:
- FunctionName: nightly
  FunctionArn: arn:aws:lambda:us-east-1:111122223333:function:nightly
  Role: arn:aws:iam::111122223333:role/fn-admin
- FunctionName: orphan
  FunctionArn: arn:aws:lambda:us-east-1:111122223333:function:orphan
  Role: arn:aws:iam::111122223333:role/not-in-the-input
Stacks:
- StackName: network
  StackId: arn:aws:cloudformation:us-east-1:111122223333:stack/network/1a2b
  RoleARN: arn:aws:iam::111122223333:role/cfn-deployer
- StackName: no-role
  StackId: arn:aws:cloudformation:us-east-1:111122223333:stack/no-role/3c4d
projects:
- name: release
  arn: arn:aws:codebuild:us-east-1:111122223333:project/release
  serviceRole: arn:aws:iam::111122223333:role/build-admin
"""

_PIVOTS = _ROLES + """UserDetailList:
- UserName: coder
  Arn: arn:aws:iam::111122223333:user/coder
  UserPolicyList:
  - PolicyName: code
    PolicyDocument:
      Statement: [{Effect: Allow, Action: lambda:UpdateFunctionCode, Resource: "*"}]
- UserName: deployer
  Arn: arn:aws:iam::111122223333:user/deployer
  UserPolicyList:
  - PolicyName: stacks
    PolicyDocument:
      Statement: [{Effect: Allow, Action: cloudformation:UpdateStack, Resource: "*"}]
- UserName: releaser
  Arn: arn:aws:iam::111122223333:user/releaser
  UserPolicyList:
  - PolicyName: builds
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: codebuild:StartBuild
        Resource: arn:aws:codebuild:us-east-1:111122223333:project/release
"""

_READERS = _ROLES + """UserDetailList:
- UserName: viewer
  Arn: arn:aws:iam::111122223333:user/viewer
  UserPolicyList:
  - PolicyName: look
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: [lambda:GetFunction, cloudformation:DescribeStacks, codebuild:BatchGetProjects]
        Resource: "*"
      - Effect: Allow
        Action: [lambda:UpdateFunctionCode, cloudformation:UpdateStack]
        Resource:
        - "arn:aws:lambda:*:*:function:orphan"
        - "arn:aws:cloudformation:*:*:stack/no-role/*"
"""

_ACCT = "111122223333"

TECHNIQUE = Technique(
    id="aws.resource-pivot",
    title="Principal changes what a Lambda function, stack or build runs, as its role",
    severity="high",
    mitre="T1648",
    remediation="Treat write access to a function's code or layers, a stack's template or a "
                "build's buildspec as access to its role: grant it only to principals "
                "already trusted with that role, and give such resources narrow roles.",
    cost=1.5,
    find=find,
    examples=(
        Example(
            "function code (next invocation), any stack, one build project",
            _PIVOTS,
            frozenset({
                (f"arn:aws:iam::{_ACCT}:user/coder", f"hub:aws-pivot-lambda:aws/{_ACCT}"),
                (f"hub:aws-pivot-lambda:aws/{_ACCT}", f"arn:aws:iam::{_ACCT}:role/fn-admin"),
                (f"arn:aws:iam::{_ACCT}:user/deployer",
                 f"hub:aws-pivot-cloudformation:aws/{_ACCT}"),
                (f"hub:aws-pivot-cloudformation:aws/{_ACCT}",
                 f"arn:aws:iam::{_ACCT}:role/cfn-deployer"),
                (f"arn:aws:iam::{_ACCT}:user/releaser", f"arn:aws:iam::{_ACCT}:role/build-admin"),
            }),
            {(f"arn:aws:iam::{_ACCT}:user/coder", f"hub:aws-pivot-lambda:aws/{_ACCT}"): "likely",
             (f"arn:aws:iam::{_ACCT}:user/releaser", f"arn:aws:iam::{_ACCT}:role/build-admin"):
                 "certain"},
        ),
        Example("reading only; writing a function whose role is unknown, a stack without one",
                _READERS),
    ),
)
