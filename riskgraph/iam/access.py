"""Who may do what in the AWS accounts of an :class:`~riskgraph.estate.aws_inventory.AwsInventory`.

:func:`access_for` gives the one :class:`AccountAccess` of an inventory. It compiles each
policy document once (a managed policy shared by thousands of roles is compiled once, keyed
by its ARN), gathers each principal's statements once, and indexes them by action, so that
asking about one principal and a few actions costs a few statement checks.

Condition keys known offline are filled in from the inventory: ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:username`` (users),
``aws:PrincipalTag/<key>``, ``aws:PrincipalOrgID`` (when the input holds the
organization and its accounts), ``aws:ResourceAccount`` and the time keys at the analysis time
(:mod:`riskgraph.iam.context`); for role trust policies also the role's tags as
``aws:ResourceTag/<key>`` and ``iam:ResourceTag/<key>``. The caller's
``context`` adds to and overrides them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from riskgraph.errors import Problem
from riskgraph.estate.aws_inventory import AwsInventory, IamPrincipal
from riskgraph.iam.admin import admin_decision
from riskgraph.iam.cache import compiled_for
from riskgraph.iam.conditions import Context, normalize_context
from riskgraph.iam.context import (
    principal_context,
    request_context,
    role_tag_context,
    time_context,
)
from riskgraph.iam.evaluate import Decision, combine, decide, denied, judge_trust
from riskgraph.iam.policy import (
    Caller,
    Policy,
    PolicyError,
    PolicyKind,
    PrincipalPolicies,
    compile_policy,
)
from riskgraph.iam.validate import all_documents, resource_documents, unknown_action_problems
from riskgraph.models.aws import IamRole, PolicyJson, account_of

ResourcePolicy = PolicyJson | tuple[str, PolicyJson] | Policy


class AccountAccess:
    """IAM decisions over one inventory. :func:`access_for` builds it; every instance for
    the same inventory shares the inventory's compiled policies."""

    def __init__(self, aws: AwsInventory) -> None:
        self.aws = aws
        self._c = compiled_for(aws)

    @property
    def now(self) -> datetime:
        """The analysis time date conditions are decided at: the inventory's ``as_of``,
        else when its policies were first compiled."""
        return self.aws.as_of or self._c.now

    # Compiling -------------------------------------------------------------------------

    def policy(self, source: str, document: object, kind: PolicyKind = "identity") -> Policy:
        """The compiled document, compiled on first use. A malformed one is recorded in
        :attr:`problems` and grants (and denies) nothing."""
        key = (source, kind)
        compiled = self._c.policies.get(key)
        if compiled is None:
            compiled = self._c.policies[key] = self._compile(source, document, kind)
        return compiled

    def _compile(self, source: str, document: object, kind: PolicyKind) -> Policy:
        try:
            return compile_policy(document, source, kind)
        except PolicyError as error:
            message = str(error).removeprefix(f"{source}: ")
            self._c.problems.setdefault(source, Problem(source, message))
            return Policy(source, kind, ())

    @property
    def problems(self) -> list[Problem]:
        """Every policy document of the inventory that did not parse, every permissions
        boundary missing from the input, and every action name that matches no real AWS
        action (compiles everything on first use)."""
        if not self._c.checked:
            self._c.checked = True
            for principal in self.aws.principals:
                self.principal_policies(principal)
            for source, document, kind in all_documents(self.aws):
                self.policy(source, document, kind)
            for problem in unknown_action_problems(self._c.policies.values()):
                self._c.problems.setdefault(f"{problem.source}\0{problem.message}", problem)
        return list(self._c.problems.values())

    def principal_policies(self, principal: IamPrincipal | str) -> PrincipalPolicies:
        """The compiled identity policies, boundary and SCPs of a principal. An ARN not in
        the inventory is a principal with no identity policies we know of."""
        arn = principal if isinstance(principal, str) else principal.arn
        found = self._c.principals.get(arn)
        if found is not None:
            return found
        known = self.aws.principal(arn) if isinstance(principal, str) else principal
        account = account_of(arn)
        identity: list[Policy] = []
        boundary: Policy | None = None
        tags: dict[str, str] = {}
        if known is not None:
            identity = [self.policy(source, document)
                        for source, document in self.aws.identity_policies(known)]
            bound = self.aws.boundary(known)
            if bound is not None:
                boundary = self.policy(bound[0], bound[1], "boundary")
            elif known.permissions_boundary is not None:
                missing = known.permissions_boundary.permissions_boundary_arn
                self._c.missing_boundaries[arn] = missing
                self._c.problems.setdefault(missing, Problem(missing, (
                    f"permissions boundary of {arn} is not in the input; what {arn}'s "
                    "policies allow is kept at 'possible', as the boundary may forbid it")))
            tags = {t.key: t.value for t in known.tags}
        is_user = ":user/" in arn
        caller = Caller(arn=arn, account=account, is_user=is_user,
                        has_boundary=boundary is not None)
        context = principal_context(arn, tags, self.now, self.aws.organization_id,
                                    self.aws.organization_accounts)
        scps = tuple(self.policy(source, document, "scp")
                     for source, document in self.aws.scps_for(account))
        found = PrincipalPolicies(caller, tuple(identity), boundary, scps, context)
        self._c.principals[arn] = found
        return found

    def _bounded(self, arn: str | None, decision: Decision) -> Decision:
        """An Allow for a principal whose boundary the input lacks is only possible."""
        missing = self._c.missing_boundaries.get(arn or "")
        if missing is None or not decision.allowed:
            return decision
        return decision._replace(confidence="possible", because=(
            f"{decision.because}, unless its permissions boundary {missing} (not in the "
            "input) forbids it"))

    def _for_action(self, principal: IamPrincipal | str, action: str) -> PrincipalPolicies:
        """The principal's policies cut down to the statements that name ``action`` (cached
        per principal and action; each shared policy is cut once per action)."""
        arn = principal if isinstance(principal, str) else principal.arn
        key = (arn, action.lower())
        found = self._c.by_action.get(key)
        if found is None:
            every = self.principal_policies(principal)
            found = self._c.by_action[key] = PrincipalPolicies(
                every.caller,
                tuple(cut for p in every.identity if (cut := self._naming(p, key[1])).statements),
                None if every.boundary is None else self._naming(every.boundary, key[1]),
                tuple(self._naming(p, key[1]) for p in every.scps), every.context)
        return found

    def _naming(self, policy: Policy, action: str) -> Policy:
        # Keyed by id: every policy cut here is held by self._c.policies, so ids stay unique.
        key = (id(policy), action)
        cut = self._c.cuts.get(key)
        if cut is None:
            cut = self._c.cuts[key] = replace(policy, statements=tuple(
                s for s in policy.statements if s.matches_action(action)))
        return cut

    def _resource_policy(self, given: ResourcePolicy, resource: str) -> Policy:
        if isinstance(given, Policy):
            return given
        if isinstance(given, tuple):
            return self.policy(given[0], given[1], "resource")
        cached = self._c.resource_policies.get(id(given))
        if cached is not None and cached[0] is given:
            return cached[1]
        if self._c.owners is None:
            self._c.owners = {id(policy): arn for arn, policy in resource_documents(self.aws)}
        source = f"{self._c.owners.get(id(given), resource)} resource policy"
        compiled = self._compile(source, given, "resource")
        # The document is kept alongside so that its id cannot be reused while cached.
        self._c.resource_policies[id(given)] = (given, compiled)
        return compiled

    # Questions -------------------------------------------------------------------------

    def can(self, principal: IamPrincipal | str, action: str, resource: str = "*",
            resource_policy: ResourcePolicy | None = None, context: Context | None = None,
            resource_account: str | None = None) -> Decision:
        """Whether ``principal`` may do ``action`` on ``resource``: its identity policies
        (and its groups') within its permissions boundary and its account's SCPs, explicit
        Deny winning; with ``resource_policy`` (a document, ``(source, document)`` or a
        compiled :class:`Policy`) AWS's same-account / cross-account rules apply.

        A ``resource`` with wildcards asks about *some* resource it covers
        (``arn:aws:s3:::b/*``: some object of bucket b; ``"*"``, the default: anything): an
        Allow whose Resource overlaps it counts, a Deny only when it covers all of it.
        ``resource_account`` defaults to the account in the resource ARN; account-less
        ARNs (S3) count as the principal's own account.
        """
        view = self._for_action(principal, action)
        if resource_policy is None and not any(s.allow for s in view.identity_statements):
            return denied(f"no identity policy of {view.caller.arn} allows {action}")
        policy = None if resource_policy is None else self._resource_policy(resource_policy,
                                                                            resource)
        return self._bounded(view.caller.arn, decide(
            action, resource, view.caller, request_context(view.context, resource, {}, context),
            identity=view.identity_statements, boundary=view.boundary_statements,
            scps=view.scps, resource_policy=policy,
            resource_account=resource_account or account_of(resource) or None))

    def resources_allowed(self, principal: IamPrincipal | str, action: str,
                          candidates: Iterable[str],
                          resource_policies: Mapping[str, ResourcePolicy] | None = None,
                          context: Context | None = None) -> list[tuple[str, Decision]]:
        """The candidate resources ``principal`` may do ``action`` on, with each decision.
        ``resource_policies`` maps a candidate ARN to its resource policy."""
        policies = resource_policies or {}
        view = self._for_action(principal, action)
        any_allow = any(s.allow for s in view.identity_statements)
        found = []
        for resource in candidates:
            policy = policies.get(resource)
            if not any_allow and policy is None:
                continue
            decision = self.can(principal, action, resource, policy, context)
            if decision.allowed:
                found.append((resource, decision))
        return found

    def _trust_caller(self, principal_arn: str | None, service: str | None,
                      federated: str | None) -> tuple[Caller, Mapping[str, tuple[str, ...]]]:
        if principal_arn is not None and principal_arn.isdigit():
            principal_arn = f"arn:aws:iam::{principal_arn}:root"
        if principal_arn is not None and ":root" not in principal_arn:
            known = self.principal_policies(principal_arn)
            return known.caller, known.context
        caller = Caller(arn=principal_arn, account=account_of(principal_arn or "") or None,
                        service=service, federated=federated)
        return caller, normalize_context({"aws:PrincipalIsAWSService": service is not None}
                                         ) | time_context(self.now, None)

    def trust_policy(self, role: IamRole) -> Policy:
        """The role's compiled trust policy (source ``<role ARN> AssumeRolePolicyDocument``;
        no statements when the input lacks it)."""
        return self.policy(f"{role.arn} AssumeRolePolicyDocument",
                           role.assume_role_policy_document or {"Statement": []}, "trust")

    def trust_allows(self, role: IamRole, action: str = "sts:AssumeRole",
                     principal_arn: str | None = None, service: str | None = None,
                     federated: str | None = None, context: Context | None = None
                     ) -> Decision:
        """Whether the role's trust policy alone admits a caller to ``action``: an IAM
        principal or account (``principal_arn``: an ARN, ``arn:aws:iam::ACCT:root`` or a
        bare account id), an AWS service (``"ec2.amazonaws.com"``) or a web/SAML identity
        provider (``federated``: its ARN). A trust naming the caller's account admits it
        here; :meth:`can_assume` adds the caller's own permissions. With no caller given,
        only ``Principal: "*"`` admits."""
        caller, base = self._trust_caller(principal_arn, service, federated)
        trust = self.trust_policy(role)
        layer = judge_trust(trust.statements, action, role.arn, caller, lambda: request_context(
            base, role.arn, role_tag_context(role.tags), context))
        who = caller.arn or caller.service or caller.federated or "an anonymous caller"
        if layer.certain_deny is not None:
            return denied(f"explicitly denied by {layer.certain_deny.statement.label}")
        if layer.allow is None:
            return denied(f"{trust.source} does not admit {who} to {action}")
        return combine(f"{layer.allow.statement.label} admits {who} to {action}",
                       layer.allow, maybe_denies=layer.denies)

    def can_assume(self, principal: IamPrincipal | str, role: IamRole,
                   context: Context | None = None) -> Decision:
        """Whether ``principal`` may ``sts:AssumeRole`` into ``role``: the trust policy must
        admit it; in the same account, a trust naming the principal's ARN needs no identity
        Allow (the boundary and SCPs still apply), a trust naming the account needs one;
        across accounts both the trust and the principal's identity policies must allow."""
        view = self._for_action(principal, "sts:AssumeRole")
        return self._bounded(view.caller.arn, decide(
            "sts:AssumeRole", role.arn, view.caller,
            request_context(view.context, role.arn, role_tag_context(role.tags), context),
            identity=view.identity_statements, boundary=view.boundary_statements,
            scps=view.scps, resource_policy=self.trust_policy(role), trust=True,
            resource_account=role.account))

    def is_admin(self, principal: IamPrincipal | str) -> Decision:
        """Whether ``principal`` effectively has ``*`` on ``*`` (see
        :func:`riskgraph.iam.admin.admin_decision`)."""
        policies = self.principal_policies(principal)
        return self._bounded(policies.caller.arn, admin_decision(policies))


def access_for(aws: AwsInventory) -> AccountAccess:
    """The :class:`AccountAccess` of an inventory. What it compiles is kept on the inventory
    (see :mod:`riskgraph.iam.cache`), so every call for the same inventory shares it and
    each policy document is compiled once per inventory.

    Examples
    --------
    >>> from riskgraph.models.aws import IamRole, ManagedPolicy
    >>> admin = ManagedPolicy.model_validate({
    ...     "PolicyName": "Admin", "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
    ...     "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "Document":
    ...     {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]})
    >>> ops = IamRole.model_validate({
    ...     "RoleName": "ops", "Arn": "arn:aws:iam::111122223333:role/ops",
    ...     "AttachedManagedPolicies": [{"PolicyArn": admin.arn}]})
    >>> inv = AwsInventory(roles=[ops], managed_policies=[admin])
    >>> _ = inv.finish()
    >>> access = access_for(inv)
    >>> access.can(ops, "s3:GetObject", "arn:aws:s3:::logs/a").because
    'arn:aws:iam::aws:policy/AdministratorAccess Statement[0] allows s3:GetObject'
    >>> access.is_admin(ops).allowed
    True
    """
    return AccountAccess(aws)
