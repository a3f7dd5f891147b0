"""aws.create-role: a principal creates a new role, gives it full control and assumes it.

``iam:CreateRole`` with a trust policy naming the attacker itself (within one account that
needs no ``sts:AssumeRole`` grant; a boundary or SCP may still deny it), then
``iam:AttachRolePolicy`` or ``iam:PutRolePolicy`` on the new role. ``CreateRole`` guarded by
``iam:PermissionsBoundary`` gives a role no more than that boundary: the route holds only
when the boundary the condition admits (none, ``AdministratorAccess`` or an admin policy of
the input) lets the role be admin. The attacker picks the new role's tags: it is tried
untagged and with the tags the principal's own ``aws:RequestTag`` conditions spell.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.aws_inventory import IamPrincipal
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import AccountAccess, Decision
from riskgraph.iam.conditions import ContextValue
from riskgraph.models.aws import IamRole
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques.aws._common import because, confidence_of, labelled, setup
from riskgraph.techniques.aws._escalation import (
    GRANTING,
    Choice,
    admin_policies,
    attach_choices,
    first_allowed,
    tag_choices,
)
from riskgraph.techniques.aws._index import PROBE, all_of
from riskgraph.techniques.aws._reach import may_use


def _new_role(principal: IamPrincipal) -> IamRole:
    """The role the attacker would create: a name no policy spells, trusting only itself."""
    name = f"{PROBE}{principal.arn.rsplit('/', 1)[-1]}"
    return IamRole.model_validate({
        "RoleName": name, "Arn": f"arn:aws:iam::{principal.account}:role/{name}",
        "AssumeRolePolicyDocument": {"Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": principal.arn}}]}})


def _route(access: AccountAccess, inv: Inventory, principal: IamPrincipal
           ) -> tuple[str, Decision] | None:
    role = _new_role(principal)
    boundaries: list[tuple[ContextValue, str]] = [([], "")]
    boundaries += [(arn, f" with boundary {name}") for arn, name in (
        *GRANTING[:1], *admin_policies(access, inv.aws, principal.account))]
    for boundary, named in boundaries:
        base: dict[str, ContextValue] = {"iam:PermissionsBoundary": boundary}
        created = first_allowed(access, principal, "iam:CreateRole", role.arn, [
            Choice({**base, **tags}, label, None)
            for tags, label in tag_choices(access, principal, "iam:CreateRole")])
        if created is None:
            continue
        named += created[0]
        create = created[1]
        attach = first_allowed(access, principal, "iam:AttachRolePolicy", role.arn,
                               [Choice({**base, **c.context}, c.label, c.needs)
                                for c in attach_choices(access, inv.aws, principal, None)])
        write = ("iam:AttachRolePolicy" + attach[0], attach[1]) if attach else None
        if write is None:
            put = first_allowed(access, principal, "iam:PutRolePolicy", role.arn,
                                [Choice(base)])
            write = None if put is None else ("iam:PutRolePolicy", put[1])
        if write is None:
            continue
        assume = access.can_assume(principal, role)
        if assume.allowed:
            return f"iam:CreateRole{named} + {write[0]}", all_of((create, write[1], assume))
    return None


def find(inv: Inventory) -> Iterator[Edge]:
    if inv.aws.empty:
        return
    access, actors = setup(inv)
    for principal in actors:
        if not may_use(access, principal, "iam"):
            continue
        found = _route(access, inv, principal)
        if found is not None:
            way, decision = found
            yield Edge(principal.arn, ids.admin_id(principal.account),
                       labelled(f"{principal.arn} may create a role it trusts, give it full "
                                f"control and assume it ({way})", decision),
                       because(decision), confidence_of(decision))


_CREATES = """
RoleDetailList:
- RoleName: builder
  Arn: arn:aws:iam::111122223333:role/builder
  RolePolicyList:
  - PolicyName: roles
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: [iam:CreateRole, iam:AttachRolePolicy], Resource: "*"}
UserDetailList:
- UserName: scripter
  Arn: arn:aws:iam::111122223333:user/scripter
  UserPolicyList:
  - PolicyName: roles
    PolicyDocument:
      Statement:
      - {Effect: Allow, Action: [iam:CreateRole, iam:PutRolePolicy],
         Resource: "arn:aws:iam::111122223333:role/*"}
"""

_GUARDED = """
Policies:
- PolicyName: guard
  Arn: arn:aws:iam::111122223333:policy/guard
  DefaultVersionId: v1
  PolicyVersionList:
  - VersionId: v1
    IsDefaultVersion: true
    Document:
      Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
RoleDetailList:
- RoleName: bounded-builder
  Arn: arn:aws:iam::111122223333:role/bounded-builder
  RolePolicyList:
  - PolicyName: roles
    PolicyDocument:
      Statement:
      - Effect: Allow
        Action: [iam:CreateRole, iam:PutRolePolicy]
        Resource: "*"
        Condition:
          StringEquals: {"iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/guard"}
- RoleName: creator-only
  Arn: arn:aws:iam::111122223333:role/creator-only
  RolePolicyList:
  - PolicyName: roles
    PolicyDocument:
      Statement: [{Effect: Allow, Action: iam:CreateRole, Resource: "*"}]
"""

_ADMIN = "aws:Admin:111122223333"

TECHNIQUE = Technique(
    id="aws.create-role",
    title="Principal creates an admin role for itself and assumes it",
    severity="critical",
    mitre="T1098",
    remediation="Grant iam:CreateRole only with an iam:PermissionsBoundary condition naming "
                "a boundary that denies IAM writes, and keep Attach/PutRolePolicy on new "
                "roles under the same condition.",
    cost=1.5,
    find=find,
    examples=(
        Example(
            "CreateRole with AttachRolePolicy or PutRolePolicy",
            _CREATES,
            frozenset({("arn:aws:iam::111122223333:role/builder", _ADMIN),
                       ("arn:aws:iam::111122223333:user/scripter", _ADMIN)}),
            {("arn:aws:iam::111122223333:role/builder", _ADMIN): "certain"},
        ),
        Example("CreateRole only under a narrow boundary, CreateRole without a policy write",
                _GUARDED),
    ),
)
