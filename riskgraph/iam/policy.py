"""Policy documents parsed and compiled once into :class:`Statement` objects.

A document that does not follow the policy grammar raises :class:`PolicyError`, naming
where the document came from and the statement at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from riskgraph.errors import InputError
from riskgraph.iam.conditions import Condition, ConditionSyntaxError, compile_condition_block
from riskgraph.iam.matching import glob, has_wildcard

#: What a document is for; it decides which elements it must and must not have.
PolicyKind = Literal["identity", "boundary", "scp", "resource", "trust"]
#: How a statement's Principal names a caller: by ARN / service / provider, or by account.
PrincipalMatch = Literal["exact", "account"]

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROOT_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):root$")


class PolicyError(InputError):
    """A policy document that is not valid policy grammar.

    >>> compile_policy({"Statement": {"Effect": "Permit"}}, "role web inline s3")
    Traceback (most recent call last):
    riskgraph.iam.policy.PolicyError: role web inline s3: Statement[0]: Effect must be ...
    """


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a request: an IAM role or user (``arn``), an AWS service, or a web/SAML
    identity (``federated``: the provider ARN or name). ``account`` is the caller's account
    (for an IAM principal, the one in its ARN)."""

    arn: str | None = None
    account: str | None = None
    service: str | None = None
    federated: str | None = None
    is_user: bool = False
    has_boundary: bool = False


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A compiled ``Principal`` / ``NotPrincipal`` element."""

    anyone: bool = False
    any_aws: bool = False
    arns: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    federated: frozenset[str] = frozenset()

    def match(self, caller: Caller) -> PrincipalMatch | None:
        """How the element names ``caller``: ``"exact"`` (its ARN, service, provider, or
        ``*``), ``"account"`` (its account, which delegates to the account's identity
        policies), or ``None``."""
        if self.anyone or (self.any_aws and caller.arn is not None):
            return "exact"
        if caller.arn is not None and caller.arn.lower() in self.arns:
            return "exact"
        if caller.service is not None and caller.service.lower() in self.services:
            return "exact"
        if caller.federated is not None and caller.federated.lower() in self.federated:
            return "exact"
        if caller.account is not None and caller.account in self.accounts:
            return "account"
        return None


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement. ``resources`` is ``None`` when the statement has no
    Resource element (trust policies), meaning it applies to the resource it is on."""

    source: str
    index: int
    sid: str | None
    allow: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principal: PrincipalSpec | None
    not_principal: bool
    conditions: tuple[Condition, ...]
    _exact: frozenset[str] = field(default=frozenset(), repr=False)
    _wild: tuple[str, ...] = field(default=(), repr=False)

    @property
    def label(self) -> str:
        """``<source> Statement[i]`` (with its Sid), for evidence and messages."""
        sid = f" (Sid {self.sid})" if self.sid else ""
        return f"{self.source} Statement[{self.index}]{sid}"

    def matches_action(self, action: str) -> bool:
        """Whether the Action (or NotAction) element covers ``action`` (any case)."""
        lowered = action.lower()
        hit = lowered in self._exact or any(glob(p, True).fullmatch(lowered)
                                             for p in self._wild)
        return hit != self.not_action

    def names_everything(self) -> bool:
        """Whether the statement is ``Action: *`` (or ``*:*``) on ``Resource: *``."""
        return (not self.not_action and bool({"*", "*:*"} & set(self._wild))
                and not self.not_resource and self.resources is not None
                and "*" in self.resources)


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled document: where it came from and its statements."""

    source: str
    kind: PolicyKind
    statements: tuple[Statement, ...]
    #: Whether the document has an Allow statement (kept when statements are filtered).
    has_allow: bool = False


@dataclass(frozen=True, slots=True)
class PrincipalPolicies:
    """Everything that bounds one principal's requests, compiled: who it is, its identity
    policies (inline, attached, groups'), its boundary, its account's SCPs, and the
    condition keys known about it (lower-case)."""

    caller: Caller
    identity: tuple[Policy, ...]
    boundary: Policy | None
    scps: tuple[Policy, ...]
    context: Mapping[str, tuple[str, ...]]

    @property
    def identity_statements(self) -> Iterator[Statement]:
        """The statements of every identity policy."""
        for policy in self.identity:
            yield from policy.statements

    @property
    def boundary_statements(self) -> tuple[Statement, ...] | None:
        """The boundary's statements, or ``None`` without a boundary."""
        return None if self.boundary is None else self.boundary.statements


def _strings(value: object, where: str, what: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) for v in items):
        raise PolicyError(f"{where}: {what} must be a string or a list of strings")
    return tuple(str(v) for v in items)


def _principal(value: object, where: str, element: str) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(anyone=True)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"{where}: {element} must be \"*\" or an object such as "
                          "{\"AWS\": ...}, {\"Service\": ...} or {\"Federated\": ...}")
    arns: set[str] = set()
    accounts: set[str] = set()
    services: set[str] = set()
    federated: set[str] = set()
    any_aws = False
    for kind, raw in value.items():
        names = _strings(raw, where, f"{element}.{kind}")
        if kind == "AWS":
            for name in names:
                root = _ROOT_ARN.match(name)
                if name == "*":
                    any_aws = True
                elif _ACCOUNT_ID.match(name) or root:
                    accounts.add(root.group(1) if root else name)
                else:
                    arns.add(name.lower())
        elif kind == "Service":
            services.update(n.lower() for n in names)
        elif kind == "Federated":
            federated.update(n.lower() for n in names)
        elif kind != "CanonicalUser":
            raise PolicyError(f"{where}: unknown principal type {kind!r} in {element}")
    return PrincipalSpec(False, any_aws, frozenset(arns), frozenset(accounts),
                         frozenset(services), frozenset(federated))


def _one_of(raw: dict[str, object], names: tuple[str, str], where: str,
            required: bool) -> tuple[object, bool]:
    first, second = names
    if first in raw and second in raw:
        raise PolicyError(f"{where}: has both {first} and {second}")
    if first in raw:
        return raw[first], False
    if second in raw:
        return raw[second], True
    if required:
        raise PolicyError(f"{where}: needs {first} or {second}")
    return None, False


def _statement(raw: object, source: str, kind: PolicyKind, index: int) -> Statement:
    where = f"{source}: Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: a statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be \"Allow\" or \"Deny\", not {effect!r}")
    action_value, not_action = _one_of(raw, ("Action", "NotAction"), where, True)
    actions = _strings(action_value, where, "NotAction" if not_action else "Action")
    for action in actions:
        if action != "*" and ":" not in action:
            raise PolicyError(f"{where}: action {action!r} is not service:Action")
    resource_value, not_resource = _one_of(raw, ("Resource", "NotResource"), where,
                                           kind in ("identity", "boundary"))
    resources = None if resource_value is None else _strings(resource_value, where,
                                                            "Resource")
    principal_value, not_principal = _one_of(raw, ("Principal", "NotPrincipal"), where,
                                             kind in ("resource", "trust"))
    if principal_value is not None and kind not in ("resource", "trust"):
        raise PolicyError(f"{where}: a {kind} policy cannot name a Principal")
    principal = None if principal_value is None else _principal(
        principal_value, where, "NotPrincipal" if not_principal else "Principal")
    try:
        conditions = compile_condition_block(raw["Condition"]) if "Condition" in raw else ()
    except ConditionSyntaxError as error:
        raise PolicyError(f"{where}: {error}") from None
    lowered = tuple(a.lower() for a in actions)
    sid = raw.get("Sid")
    return Statement(source, index, sid if isinstance(sid, str) and sid else None,
                     effect == "Allow", actions, not_action, resources, not_resource,
                     principal, not_principal, conditions,
                     frozenset(a for a in lowered if not has_wildcard(a)),
                     tuple(a for a in lowered if has_wildcard(a)))


def compile_policy(document: object, source: str, kind: PolicyKind = "identity") -> Policy:
    """Compile a policy document; ``source`` names it in messages and evidence.

    >>> policy = compile_policy({"Statement": {"Effect": "Allow", "Action": "s3:Get*",
    ...                                        "Resource": "*"}}, "role web inline s3")
    >>> policy.statements[0].matches_action("S3:GETOBJECT"), policy.statements[0].label
    (True, 'role web inline s3 Statement[0]')
    """
    if not isinstance(document, dict):
        raise PolicyError(f"{source}: a policy document must be an object")
    raw = document.get("Statement")
    if raw is None:
        raise PolicyError(f"{source}: the document has no Statement")
    items = raw if isinstance(raw, list) else [raw]
    statements = tuple(_statement(item, source, kind, i) for i, item in enumerate(items))
    return Policy(source, kind, statements, any(s.allow for s in statements))
