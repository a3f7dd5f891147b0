"""Condition operators of IAM policies and how each treats a key the request lacks.

Within one condition block, operators and keys are ANDed and the values of one key ORed
(for negated operators: the request value must match none of them). Keys are compared
case-insensitively.

A key missing from the request context is treated as follows (AWS's rules for an absent
key): ``Null`` tests for it; ``...IfExists`` operators, negated operators (``StringNotEquals``,
``ArnNotLike``, ``NotIpAddress``, ...) and ``ForAllValues:`` are true. For every other operator
the value is *unknown*: we cannot know it offline, so the condition neither holds nor fails
and its key is reported as written in the policy (the decision becomes ``likely``).

Two groups of keys are exceptions, because their absence from our context does not mean
they are absent from the real request: keys in :data:`ALWAYS_PRESENT` are in every request
(a ``NotIpAddress`` on ``aws:SourceIp`` is not true just because we lack the IP), and keys in
:data:`MAYBE_PRESENT` are there or not depending on how the request is made (the
organization, VPC-endpoint and source keys of data-perimeter policies). For both, a missing
key is unknown under every operator except that ``Null`` knows the always-present ones are
there.

A key given with no values (an empty sequence) is known to be *absent*: the condition is
decided as AWS decides it for a missing key, never unknown. A key of :data:`SPANS` given
two values is a span (its two ends): a condition that holds at both ends holds, at neither
fails, else it stays unknown (``aws:TokenIssueTime`` of a role session, see
:func:`riskgraph.iam.context.time_context`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from riskgraph.iam.matching import Applies, NormalContext, arn_matches, glob_matches, substitute

#: A request context value as callers give it.
ContextValue = str | bool | int | float | Sequence[str]
Context = Mapping[str, ContextValue]

#: Global keys AWS puts in every request by an IAM principal.
ALWAYS_PRESENT = frozenset({
    "aws:currenttime", "aws:epochtime", "aws:securetransport", "aws:sourceip",
    "aws:useragent", "aws:requestedregion", "aws:principalarn", "aws:principalaccount",
    "aws:principaltype", "aws:userid", "aws:viaawsservice", "aws:principalisawsservice",
})
#: Global keys present in some requests only, in ways we cannot see offline.
MAYBE_PRESENT = frozenset({
    "aws:principalorgid", "aws:principalorgpaths", "aws:resourceorgid",
    "aws:resourceorgpaths", "aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
    "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
})

Test = Callable[[str, str], bool]

#: Keys given as the two ends of a span rather than as a set of values.
SPANS = frozenset({"aws:tokenissuetime"})


def normalize_context(context: Context | None) -> dict[str, tuple[str, ...]]:
    """Lower-case keys, every value a tuple of strings (booleans as ``"true"``/``"false"``).

    >>> normalize_context({"AWS:SecureTransport": True, "aws:TagKeys": ["a", "b"]})
    {'aws:securetransport': ('true',), 'aws:tagkeys': ('a', 'b')}
    """
    normal: dict[str, tuple[str, ...]] = {}
    for key, value in (context or {}).items():
        if isinstance(value, bool):
            normal[key.lower()] = ("true" if value else "false",)
        elif isinstance(value, str | int | float):
            normal[key.lower()] = (str(value),)
        else:
            normal[key.lower()] = tuple(str(v) for v in value)
    return normal


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # AWS reads a date without a zone as UTC, whatever the machine's zone.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _compare(convert: Callable[[str], float], check: Callable[[float, float], bool]) -> Test:
    def test(value: str, wanted: str) -> bool:
        try:
            return check(convert(value), convert(wanted))
        except (ValueError, OverflowError):
            return False
    return test


def _in_network(value: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(value.split("/")[0]) in ipaddress.ip_network(wanted,
                                                                                 strict=False)
    except ValueError:
        return False


def _equal(a: float, b: float) -> bool:
    return a == b


def _less(a: float, b: float) -> bool:
    return a < b


def _less_equal(a: float, b: float) -> bool:
    return a <= b


def _greater(a: float, b: float) -> bool:
    return a > b


def _greater_equal(a: float, b: float) -> bool:
    return a >= b


_ORDER = {"Equals": _equal, "LessThan": _less, "LessThanEquals": _less_equal,
          "GreaterThan": _greater, "GreaterThanEquals": _greater_equal}

#: Base operator (lower-case) -> (test(request value, policy value), negated, takes variables).
OPERATORS: dict[str, tuple[Test, bool, bool]] = {
    "stringequals": (lambda v, w: v == w, False, True),
    "stringnotequals": (lambda v, w: v == w, True, True),
    "stringequalsignorecase": (lambda v, w: v.lower() == w.lower(), False, True),
    "stringnotequalsignorecase": (lambda v, w: v.lower() == w.lower(), True, True),
    "stringlike": (lambda v, w: glob_matches(w, v), False, True),
    "stringnotlike": (lambda v, w: glob_matches(w, v), True, True),
    "arnequals": (lambda v, w: arn_matches(w, v), False, True),
    "arnlike": (lambda v, w: arn_matches(w, v), False, True),
    "arnnotequals": (lambda v, w: arn_matches(w, v), True, True),
    "arnnotlike": (lambda v, w: arn_matches(w, v), True, True),
    "bool": (lambda v, w: v.lower() == w.lower(), False, True),
    "binaryequals": (lambda v, w: v == w, False, False),
    "ipaddress": (_in_network, False, False),
    "notipaddress": (_in_network, True, False),
    "numericnotequals": (_compare(_number, _equal), True, False),
    "datenotequals": (_compare(_date, _equal), True, False),
    **{f"numeric{name.lower()}": (_compare(_number, check), False, False)
       for name, check in _ORDER.items()},
    **{f"date{name.lower()}": (_compare(_date, check), False, False)
       for name, check in _ORDER.items()},
}


class ConditionSyntaxError(ValueError):
    """A condition block that is not valid policy grammar."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key) pair of a ``Condition`` block, compiled."""

    operator: str
    #: The key as the policy spells it (``key`` is lower-case, for lookups).
    name: str
    key: str
    values: tuple[str, ...]
    test: Test | None
    negated: bool = False
    set_operator: str | None = None
    if_exists: bool = False
    variables: bool = False

    def applies(self, context: NormalContext) -> Applies:
        """Whether the condition holds in ``context``: ``()`` yes, ``None`` no, or the
        unknown keys it depends on."""
        values: tuple[str, ...] = self.values
        if self.variables:
            resolved = [substitute(v, context) for v in values]
            unknown = tuple(k for _, keys, _ in resolved for k in keys)
            if unknown:
                return unknown
            values = tuple(text for text, _, _ in resolved)
        present = context.get(self.key)
        if present is None and self.key in MAYBE_PRESENT:
            return (self.name,)
        if self.test is None:
            return self._null(present)
        if present is None:
            if self.key in ALWAYS_PRESENT:
                return (self.name,)
            if self.if_exists or self.negated or self.set_operator == "forallvalues":
                return ()
            return (self.name,)
        if not present:
            return () if self.if_exists or self._holds(self.test, present, values) else None
        if self.key in SPANS and len(present) == 2:
            ends = {self._holds(self.test, (end,), values) for end in present}
            return (self.name,) if len(ends) == 2 else () if ends == {True} else None
        return () if self._holds(self.test, present, values) else None

    def _holds(self, test: Test, present: tuple[str, ...], values: tuple[str, ...]) -> bool:
        def hit(value: str) -> bool:
            return any(test(value, wanted) for wanted in values) != self.negated

        if self.set_operator == "forallvalues" or (self.negated and not self.set_operator):
            return all(hit(v) for v in present)
        return any(hit(v) for v in present)

    def _null(self, present: tuple[str, ...] | None) -> Applies:
        absent = present == () or (present is None and self.key not in ALWAYS_PRESENT)
        wants_absent = {v.lower() for v in self.values}
        return () if ("true" if absent else "false") in wants_absent else None


def _as_values(raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    values = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            values.append(str(item))
        else:
            raise ConditionSyntaxError(f"condition value {item!r} is not a string or number")
    return tuple(values)


def compile_condition_block(block: object) -> tuple[Condition, ...]:
    """Compile a statement's ``Condition`` element.

    >>> [c.key for c in compile_condition_block({"StringEquals": {"AWS:SourceVpc": "vpc-1"}})]
    ['aws:sourcevpc']
    """
    if not isinstance(block, dict):
        raise ConditionSyntaxError("Condition is not an object")
    conditions = []
    for operator, pairs in block.items():
        if not isinstance(pairs, dict):
            raise ConditionSyntaxError(f"Condition operator {operator} does not map keys "
                                       "to values")
        prefix, _, base = str(operator).rpartition(":")
        set_operator = prefix.lower() or None
        if set_operator not in (None, "foranyvalue", "forallvalues"):
            raise ConditionSyntaxError(f"unknown set operator in {operator}")
        base = base.lower()
        if_exists = base.endswith("ifexists") and base != "ifexists"
        base = base.removesuffix("ifexists") if if_exists else base
        if base == "null":
            test, negated, variables = None, False, False
        elif base in OPERATORS:
            test, negated, variables = OPERATORS[base]
        else:
            raise ConditionSyntaxError(f"unknown condition operator {operator}")
        for key, raw in pairs.items():
            values = _as_values(raw)
            conditions.append(Condition(str(operator), str(key), str(key).lower(), values, test,
                                        negated, set_operator, if_exists,
                                        variables and any("${" in v for v in values)))
    return tuple(conditions)


def conditions_apply(conditions: Sequence[Condition], context: NormalContext) -> Applies:
    """AND of several conditions: ``None`` if one fails, else the union of unknown keys.

    >>> block = compile_condition_block({"StringEquals": {"k": "v"}, "Bool": {"b": "true"}})
    >>> conditions_apply(block, {"k": ("v",)})
    ('b',)
    >>> conditions_apply(block, {"k": ("w",)}) is None
    True
    """
    unknown: list[str] = []
    for condition in conditions:
        result = condition.applies(context)
        if result is None:
            return None
        unknown.extend(k for k in result if k not in unknown)
    return tuple(unknown)
