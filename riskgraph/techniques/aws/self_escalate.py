"""aws.self-escalate: a principal grants itself more IAM permissions, up to account admin.

Each way is checked on the principal's own ARN or on the policies and groups it already
has: a new default version of a customer-managed policy attached to it (or to its groups)
with ``iam:CreatePolicyVersion``; ``iam:SetDefaultPolicyVersion`` on such a policy that has
another version to switch to; an inline or attached policy on itself (``Put``/``Attach``
``User``/``Role``/``Group`` ``Policy``, a user's groups counting as itself); joining a group
with ``iam:AddUserToGroup`` (any group may hold more power). A permissions boundary caps all
of these, so a bounded principal escalates only when its boundary allows deleting or
replacing the boundary (it can write itself that permission first). The IAM condition keys
of each write are decided with the values an escalation needs: ``iam:PolicyARN`` must admit
a policy that grants escalation, ``iam:PermissionsBoundary`` is the target's own boundary,
``iam:ResourceTag`` its tags (see ``_escalation.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision, evaluate
from riskgraph.models.aws import IamGroup, IamRole, IamUser
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import because, confidence_of, labelled, setup
from riskgraph.techniques.aws._escalation import (
    Choice,
    attach_choices,
    first_allowed,
    target_context,
)
from riskgraph.techniques.aws._index import PROBE, ArnIndex, all_of
from riskgraph.techniques.aws._reach import may_use, reach


def _groups(aws: AwsInventory, principal: IamPrincipal,
            by_name: dict[tuple[str, str], IamGroup]) -> list[IamGroup]:
    if not isinstance(principal, IamUser):
        return []
    return [g for name in principal.group_list
            if (g := by_name.get((principal.account, name))) is not None]


def _first(access: AccountAccess, principal: IamPrincipal, actions: tuple[str, ...],
           resource: str) -> tuple[str, Decision] | None:
    for action in actions:
        decision = access.can(principal, action, resource)
        if decision.allowed:
            return action, decision
    return None


def _write(access: AccountAccess, aws: AwsInventory, principal: IamPrincipal, kind: str,
           target: IamPrincipal | None, resource: str) -> tuple[str, Decision] | None:
    """An attached or inline policy on ``target`` (a group when ``None``), with the values
    the call must carry (see :mod:`riskgraph.techniques.aws._escalation`)."""
    attach = f"iam:Attach{kind}Policy"
    found = first_allowed(access, principal, attach, resource,
                          attach_choices(access, aws, principal, target))
    if found is not None:
        return f"{attach}{found[0]}", found[1]
    put = f"iam:Put{kind}Policy"
    plain = [Choice({} if target is None else target_context(target))]
    found = first_allowed(access, principal, put, resource, plain)
    return None if found is None else (put, found[1])


def _ways(access: AccountAccess, aws: AwsInventory, principal: IamPrincipal,
          by_name: dict[tuple[str, str], IamGroup],
          groups_of: dict[str, ArnIndex[IamGroup]]) -> Iterator[tuple[str, Decision]]:
    """(what the principal may do, decision) for each way it can raise its own powers."""
    kind = "Role" if isinstance(principal, IamRole) else "User"
    groups = _groups(aws, principal, by_name)
    own = _write(access, aws, principal, kind, principal, principal.arn)
    if own is not None:
        yield f"{own[0]} on itself", own[1]
    for group in groups:
        found = _write(access, aws, principal, "Group", None, group.arn)
        if found is not None:
            yield f"{found[0]} on its group {group.group_name}", found[1]
    attached = [a.policy_arn for holder in (principal, *groups)
                for a in holder.attached_managed_policies]
    for arn in dict.fromkeys(attached):
        if ids.parse(arn).kind != "IAMPolicy" or ":aws:policy/" in arn:
            continue  # AWS-managed policies cannot be changed
        found = _first(access, principal, ("iam:CreatePolicyVersion",), arn)
        policy = aws.managed_policy(arn)
        if found is None and policy is not None and len(policy.policy_version_list) > 1:
            found = _first(access, principal, ("iam:SetDefaultPolicyVersion",), arn)
        if found is not None:
            yield f"{found[0]} on its attached policy {arn}", found[1]
    index = groups_of.get(principal.account)
    if isinstance(principal, IamUser) and index is not None:
        joined = reach(access, principal, ("iam:AddUserToGroup",),
                       f"arn:aws:iam::{principal.account}:group/{PROBE}", index,
                       lambda group, _: access.can(principal, "iam:AddUserToGroup", group.arn))
        decision = joined.everywhere or next((d for _, d in joined.targets), None)
        if decision is not None:
            yield "iam:AddUserToGroup", decision


def _unbounded(access: AccountAccess, principal: IamPrincipal) -> Decision | None:
    """Whether the principal's boundary lets it go (allowed and certain without one).

    Every way above lets the principal write its own identity policy, up to its boundary;
    so it escapes the boundary when the boundary itself allows deleting or replacing it.
    """
    boundary = access.principal_policies(principal).boundary
    if boundary is None:
        return Decision(True, "certain", (), "")
    kind = "Role" if isinstance(principal, IamRole) else "User"
    for action in (f"iam:Delete{kind}PermissionsBoundary", f"iam:Put{kind}PermissionsBoundary"):
        decision = evaluate(action, principal.arn, principal_arn=principal.arn,
                            identity=[boundary])
        if decision.allowed:
            return decision
    return None


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    by_name = {(g.arn.split(":")[4], g.group_name): g for g in inv.aws.groups}
    accounts = {account for account, _ in by_name}
    groups_of = {account: ArnIndex((g.arn, g) for (a, _), g in by_name.items() if a == account)
                 for account in accounts}
    for principal in actors:
        if not may_use(access, principal, "iam"):
            continue
        ways = list(_ways(access, inv.aws, principal, by_name, groups_of))
        unbounded = _unbounded(access, principal) if ways else None
        if unbounded is None:
            continue
        for way, decision in ways:
            full = all_of((decision, unbounded))
            yield Edge(principal.arn, ids.admin_id(principal.account),
                       labelled(f"{principal.arn} may grant itself any permission ({way})",
                                full),
                       because(full), confidence_of(full))


_ESCALATE = """
Policies:
- PolicyName: ci-policy
  Arn: arn:aws:iam::111122223333:policy/ci-policy
  DefaultVersionId: v1
  PolicyVersionList:
  - VersionId: v1
    IsDefaultVersion: true
    Document:
      Statement:
      - Effect: Allow
        Action: iam:CreatePolicyVersion
        Resource: "arn:aws:iam::111122223333:policy/ci-*"
GroupDetailList:
- GroupName: admins
  Arn: arn:aws:iam::111122223333:group/admins
RoleDetailList:
- RoleName: ci
  Arn: arn:aws:iam::111122223333:role/ci
  AttachedManagedPolicies:
  - {PolicyName: ci-policy, PolicyArn: "arn:aws:iam::111122223333:policy/ci-policy"}
- RoleName: self-editor
  Arn: arn:aws:iam::111122223333:role/self-editor
  RolePolicyList:
  - PolicyName: own-inline
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: iam:PutRolePolicy
        Resource: "arn:aws:iam::111122223333:role/self-editor"
UserDetailList:
- UserName: joiner
  Arn: arn:aws:iam::111122223333:user/joiner
  UserPolicyList:
  - PolicyName: join
    PolicyDocument:
      Statement: [{Effect: Allow, Action: iam:AddUserToGroup, Resource: "*"}]
"""

_NO_ESCALATION = """
Policies:
- PolicyName: boundary
  Arn: arn:aws:iam::111122223333:policy/boundary
  DefaultVersionId: v1
  PolicyVersionList:
  - VersionId: v1
    IsDefaultVersion: true
    Document:
      Statement: [{Effect: Allow, Action: ["iam:PutRolePolicy", "s3:*"], Resource: "*"}]
RoleDetailList:
- RoleName: bounded
  Arn: arn:aws:iam::111122223333:role/bounded
  PermissionsBoundary: {PermissionsBoundaryArn: "arn:aws:iam::111122223333:policy/boundary"}
  RolePolicyList:
  - PolicyName: own-inline
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: iam:PutRolePolicy
        Resource: "arn:aws:iam::111122223333:role/bounded"
- RoleName: other-editor
  Arn: arn:aws:iam::111122223333:role/other-editor
  RolePolicyList:
  - PolicyName: edits-others
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: iam:PutRolePolicy
        Resource: "arn:aws:iam::111122223333:role/app-*"
UserDetailList:
- UserName: lonely
  Arn: arn:aws:iam::111122223333:user/lonely
  UserPolicyList:
  - PolicyName: join
    PolicyDocument:
      Statement: [{Effect: Allow, Action: iam:AddUserToGroup, Resource: "*"}]
"""

_ADMIN = "aws:Admin:111122223333"

TECHNIQUE = Technique(
    id="aws.self-escalate",
    title="Principal grants itself more IAM permissions",
    severity="critical",
    mitre="T1098",
    remediation="Do not grant principals IAM write actions (policy versions, inline or "
                "attached policies, group membership) on themselves or their own policies; "
                "set a permissions boundary they cannot remove.",
    cost=1.0,
    find=find,
    examples=(
        Example(
            "a new policy version, an inline policy on itself, joining a group",
            _ESCALATE,
            frozenset({
                ("arn:aws:iam::111122223333:role/ci", _ADMIN),
                ("arn:aws:iam::111122223333:role/self-editor", _ADMIN),
                ("arn:aws:iam::111122223333:user/joiner", _ADMIN),
            }),
        ),
        Example("a boundary it cannot remove, others' policies, no group to join",
                _NO_ESCALATION),
    ),
)
