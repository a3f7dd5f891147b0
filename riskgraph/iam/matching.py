"""Wildcard, ARN and policy-variable matching, as IAM does it.

Action names match case-insensitively (``S3:getobject`` is ``s3:GetObject``); resource ARNs
and ``...Like`` condition values match case-sensitively. ``*`` matches any run of characters
and ``?`` exactly one. An ARN pattern with all six colon-separated fields is matched field by
field, so a wildcard never reaches across a colon except in the last (resource) field.

Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team}``, with an optional
``${key, 'default'}``) are substituted from the request context when it holds the key. When
it does not, the variable matches anything and the key is reported as unknown, so the caller
can lower its confidence to ``likely`` rather than deny outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

#: What a match returns: ``None`` when it does not match; otherwise the condition keys whose
#: run-time values it depends on (empty: it matches for certain).
Applies = tuple[str, ...] | None

#: A request context with lower-case keys and every value as a tuple of strings.
NormalContext = Mapping[str, tuple[str, ...]]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERAL_VARIABLES = {"*": "*", "?": "?", "$": "$"}


def has_wildcard(pattern: str) -> bool:
    """Whether a pattern holds ``*`` or ``?``.

    >>> has_wildcard("iam:Put*Policy"), has_wildcard("iam:PassRole")
    (True, False)
    """
    return "*" in pattern or "?" in pattern


def _glob_regex(pattern: str) -> str:
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)


@lru_cache(maxsize=65536)
def glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The compiled regex of an IAM wildcard pattern (whole-string match).

    >>> bool(glob("iam:Put*Policy", True).fullmatch("iam:putrolepolicy"))
    True
    """
    return re.compile(_glob_regex(pattern), re.IGNORECASE | re.DOTALL if ignore_case
                      else re.DOTALL)


def glob_matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches the IAM wildcard ``pattern``.

    >>> glob_matches("ro?e/*", "role/admin"), glob_matches("ro?e", "rooole")
    (True, False)
    """
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return glob(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=65536)
def arn_regex(pattern: str) -> re.Pattern[str]:
    """The compiled regex of an ARN pattern: wildcards in the first five fields stay inside
    their field; in the last (resource) field they match anything."""
    fields = pattern.split(":", 5)
    if len(fields) < 6:
        return glob(pattern)
    head = ":".join("".join("[^:]*" if ch == "*" else "[^:]" if ch == "?" else re.escape(ch)
                            for ch in field) for field in fields[:5])
    return re.compile(f"{head}:{_glob_regex(fields[5])}", re.DOTALL)


def arn_matches(pattern: str, value: str) -> bool:
    """Whether an ARN matches an ARN pattern (``Resource`` element, ``ArnLike``).

    >>> arn_matches("arn:aws:s3:::logs/*", "arn:aws:s3:::logs/2024/a.gz")
    True
    >>> arn_matches("arn:aws:iam::*:role/a*", "arn:aws:iam::111122223333:role/admin")
    True
    >>> arn_matches("arn:aws:iam::1*:role/x", "arn:aws:iam::111122223333:user/y:role/x")
    False
    """
    if pattern == "*":
        return True
    if not has_wildcard(pattern):
        return pattern == value
    return arn_regex(pattern).fullmatch(value) is not None


def substitute(pattern: str, context: NormalContext) -> tuple[str, tuple[str, ...], bool]:
    """Replace the policy variables in ``pattern`` with their values from ``context``.

    Returns the new pattern, the keys that were not in the context, and whether any
    variable stood for a literal ``*``/``?`` (``${*}``) so that the result must be
    compared literally. An unknown variable becomes ``*``.

    >>> substitute("home/${aws:username}/*", {"aws:username": ("ana",)})
    ('home/ana/*', (), False)
    >>> substitute("home/${aws:username}/*", {})
    ('home/*/*', ('aws:username',), False)
    >>> substitute("${aws:PrincipalTag/team, 'none'}", {})
    ('none', (), False)
    """
    if "${" not in pattern:
        return pattern, (), False
    unknown: list[str] = []
    literal = False

    def value_of(match: re.Match[str]) -> str:
        nonlocal literal
        inner = match.group(1).strip()
        if inner in _LITERAL_VARIABLES:
            literal = True
            return _LITERAL_VARIABLES[inner]
        key, _, default = inner.partition(",")
        values = context.get(key.strip().lower())
        if values:
            return values[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        unknown.append(key.strip())
        return "*"

    return _VARIABLE.sub(value_of, pattern), tuple(unknown), literal


def resource_applies(pattern: str, resource: str, context: NormalContext) -> Applies:
    """Whether a ``Resource`` pattern (policy variables allowed) matches a resource ARN.

    >>> resource_applies("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/ana/x", {})
    ('aws:username',)
    >>> resource_applies("arn:aws:s3:::b/*", "arn:aws:s3:::c/x", {}) is None
    True
    """
    resolved, unknown, literal = substitute(pattern, context)
    if literal and not unknown:
        return () if resolved == resource else None
    return unknown if arn_matches(resolved, resource) else None
