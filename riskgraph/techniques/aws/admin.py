"""aws.admin: a principal with effective ``*`` on ``*`` controls its whole account."""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import access_for
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import because, confidence_of, labelled


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access = access_for(inv.aws)
    for principal in inv.aws.principals:
        decision = access.is_admin(principal)
        if decision.allowed:
            yield Edge(principal.arn, ids.admin_id(principal.account),
                       labelled(f"{principal.arn} may do anything on any resource of "
                                f"account {principal.account}", decision),
                       because(decision), confidence_of(decision))


_ADMINS = """
Policies:
- PolicyName: AdministratorAccess
  Arn: arn:aws:iam::aws:policy/AdministratorAccess
  DefaultVersionId: v1
  PolicyVersionList:
  - VersionId: v1
    IsDefaultVersion: true
    Document:
      Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
RoleDetailList:
- RoleName: ops
  Arn: arn:aws:iam::111122223333:role/ops
  AttachedManagedPolicies:
  - {PolicyName: AdministratorAccess, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}
UserDetailList:
- UserName: breakglass
  Arn: arn:aws:iam::111122223333:user/breakglass
  UserPolicyList:
  - PolicyName: all-with-mfa
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: "*"
        Resource: "*"
        Condition: {Bool: {"aws:MultiFactorAuthPresent": "true"}}
"""

_NOT_ADMINS = """
Policies:
- PolicyName: s3-only
  Arn: arn:aws:iam::111122223333:policy/s3-only
  DefaultVersionId: v1
  PolicyVersionList:
  - VersionId: v1
    IsDefaultVersion: true
    Document:
      Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
RoleDetailList:
- RoleName: bounded
  Arn: arn:aws:iam::111122223333:role/bounded
  PermissionsBoundary:
    PermissionsBoundaryArn: arn:aws:iam::111122223333:policy/s3-only
  RolePolicyList:
  - PolicyName: all
    PolicyDocument:
      Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
- RoleName: almost
  Arn: arn:aws:iam::111122223333:role/almost
  RolePolicyList:
  - PolicyName: all-but-iam
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: "*", Resource: "*"}
      - {Effect: Deny, Action: "iam:*", Resource: "*"}
- RoleName: reader
  Arn: arn:aws:iam::111122223333:role/reader
  AttachedManagedPolicies:
  - {PolicyName: s3-only, PolicyArn: "arn:aws:iam::111122223333:policy/s3-only"}
"""

TECHNIQUE = Technique(
    id="aws.admin",
    title="Principal is an administrator of its AWS account",
    severity="critical",
    mitre="T1078.004",
    remediation="Replace \"Action\": \"*\" on \"Resource\": \"*\" with the actions the role "
                "needs; keep administrators few, behind MFA, and bounded by a permissions "
                "boundary or SCP.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "managed AdministratorAccess, and * on * behind MFA",
            _ADMINS,
            frozenset({
                ("arn:aws:iam::111122223333:role/ops", "aws:Admin:111122223333"),
                ("arn:aws:iam::111122223333:user/breakglass", "aws:Admin:111122223333"),
            }),
            {("arn:aws:iam::111122223333:role/ops", "aws:Admin:111122223333"): "certain",
             ("arn:aws:iam::111122223333:user/breakglass", "aws:Admin:111122223333"):
                 "likely"},
        ),
        Example("a boundary, a deny of iam:*, and a service-wide grant", _NOT_ADMINS),
    ),
)
