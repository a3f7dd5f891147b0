"""What aws.passrole launches: the actions that start each service's compute with a role,
the roles each service may run as, and the EC2 routes beyond ``ec2:RunInstances`` with a
role's own instance profile.

- A role that trusts EC2 but has no instance profile is launchable when the principal may
  also make one: ``iam:CreateInstanceProfile`` and ``iam:AddRoleToInstanceProfile``.
- A running instance of the input takes a role when the principal may
  ``ec2:AssociateIamInstanceProfile`` (or ``ReplaceIamInstanceProfileAssociation``) on it,
  and the attacker reaches the instance through Systems Manager (``ssm:SendCommand`` or
  ``ssm:StartSession`` on it). An instance reached only over the network is not counted.
- An Auto Scaling group of the input launches instances with a role when the principal may
  ``autoscaling:CreateLaunchConfiguration`` (its user data runs at boot) and
  ``autoscaling:UpdateAutoScalingGroup`` on the group.
"""

from __future__ import annotations

from collections import defaultdict

from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.iam import AccountAccess, Decision
from riskgraph.models.aws import IamRole
from riskgraph.techniques.aws._index import PROBE, all_of
from riskgraph.techniques.aws._reach import can_somewhere, may_use

#: Service principal -> the alternative action sets that start its compute with a role.
LAUNCHERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ec2.amazonaws.com": (("ec2:RunInstances",),),
    "lambda.amazonaws.com": (("lambda:CreateFunction", "lambda:InvokeFunction"),
                             ("lambda:CreateFunction", "lambda:CreateEventSourceMapping")),
    "cloudformation.amazonaws.com": (("cloudformation:CreateStack",),),
    "glue.amazonaws.com": (("glue:CreateDevEndpoint",), ("glue:CreateJob", "glue:StartJobRun")),
    "codebuild.amazonaws.com": (("codebuild:CreateProject", "codebuild:StartBuild"),),
    "sagemaker.amazonaws.com": (("sagemaker:CreateNotebookInstance",),
                                ("sagemaker:CreateTrainingJob",),
                                ("sagemaker:CreateProcessingJob",)),
    "ecs-tasks.amazonaws.com": (("ecs:RegisterTaskDefinition", "ecs:RunTask"),),
    "datapipeline.amazonaws.com": (("datapipeline:CreatePipeline",
                                    "datapipeline:PutPipelineDefinition",
                                    "datapipeline:ActivatePipeline"),),
}


EC2 = "ec2.amazonaws.com"
#: The route to roles that trust EC2 but have no instance profile (see ``_launch.py``).
NEW_PROFILE_ROUTE = f"{EC2} (new instance profile)"


def service_of(route: str) -> str:
    return route.split(" ")[0]


NEW_PROFILE = ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")
SWAP = ("ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation")
RUN_ON = ("ssm:SendCommand", "ssm:StartSession")
SCALE = ("autoscaling:CreateLaunchConfiguration", "autoscaling:UpdateAutoScalingGroup")


def new_profile(access: AccountAccess, principal: IamPrincipal) -> Decision | None:
    """Whether the principal may make an instance profile and put a role in it."""
    probe = f"arn:aws:iam::{principal.account}:instance-profile/{PROBE}"
    decision = all_of(access.can(principal, action, probe) for action in NEW_PROFILE)
    return decision if decision.allowed else None


def _first(access: AccountAccess, principal: IamPrincipal, actions: tuple[str, ...],
           resource: str, context: dict[str, str]) -> tuple[str, Decision] | None:
    for action in actions:
        decision = access.can(principal, action, resource, context=context)
        if decision.allowed:
            return action, decision
    return None


def swap_on_instance(access: AccountAccess, aws: AwsInventory, principal: IamPrincipal
                     ) -> tuple[Decision, tuple[str, ...]] | None:
    """A running instance of the principal's account whose role it may replace and on
    which it may run commands: the decision, and the actions with the instance named."""
    if not (may_use(access, principal, "ec2") and may_use(access, principal, "ssm")):
        return None
    if not any(can_somewhere(access, principal, a).allowed for a in SWAP) or not any(
            can_somewhere(access, principal, a).allowed for a in RUN_ON):
        return None
    for instance in aws.instances:
        if instance.account != principal.account or not instance.running:
            continue
        tags = {f"{prefix}/{t.key}": t.value for t in instance.tags
                for prefix in ("aws:ResourceTag", "ec2:ResourceTag", "ssm:resourceTag")}
        swap = _first(access, principal, SWAP, instance.arn, tags)
        run = _first(access, principal, RUN_ON, instance.arn, tags) if swap else None
        if swap is not None and run is not None:
            return all_of((swap[1], run[1])), (f"{swap[0]} on running instance "
                                               f"{instance.instance_id}", run[0])
    return None


def scale_group(access: AccountAccess, aws: AwsInventory, principal: IamPrincipal
                ) -> tuple[Decision, tuple[str, ...]] | None:
    """An Auto Scaling group of the principal's account it may point at a launch
    configuration of its own: the decision, and the actions with the group named."""
    if not may_use(access, principal, "autoscaling"):
        return None
    create = can_somewhere(access, principal, SCALE[0])
    if not create.allowed:
        return None
    for group in aws.scaling_groups:
        if group.account != principal.account:
            continue
        update = access.can(principal, SCALE[1], group.auto_scaling_group_arn)
        if update.allowed:
            return all_of((create, update)), (
                SCALE[0], f"{SCALE[1]} on group {group.auto_scaling_group_name}")
    return None


def launchable(access: AccountAccess, aws: AwsInventory, principal: IamPrincipal
                ) -> dict[str, tuple[Decision, tuple[str, ...]]]:
    """The routes (services) the principal can start compute in, with the actions."""
    found: dict[str, tuple[Decision, tuple[str, ...]]] = {}
    for service, alternatives in LAUNCHERS.items():
        for actions in alternatives:
            decision = all_of(can_somewhere(access, principal, a) for a in actions)
            if decision.allowed:
                found[service] = (decision, actions)
                break
    for other in (swap_on_instance, scale_group):
        if EC2 not in found:
            route = other(access, aws, principal)
            if route is not None:
                found[EC2] = route
    profile = new_profile(access, principal) if EC2 in found else None
    if profile is not None:
        found[NEW_PROFILE_ROUTE] = (all_of((found[EC2][0], profile)),
                                    (*found[EC2][1], *NEW_PROFILE))
    return found


def trusting_roles(access: AccountAccess, roles: list[IamRole]
              ) -> dict[tuple[str, str], dict[str, tuple[IamRole, Decision]]]:
    """(account, service) -> the roles whose trust admits that service, by ARN."""
    found: dict[tuple[str, str], dict[str, tuple[IamRole, Decision]]] = defaultdict(dict)
    for role in roles:
        named = {s for st in access.trust_policy(role).statements
                 if st.allow and st.principal is not None for s in st.principal.services}
        for service in named & LAUNCHERS.keys():
            decision = access.trust_allows(role, service=service)
            route = NEW_PROFILE_ROUTE if service == EC2 and not role.instance_profile_list \
                else service
            if decision.allowed:
                found[(role.account, route)][role.arn] = (role, decision)
    return found
