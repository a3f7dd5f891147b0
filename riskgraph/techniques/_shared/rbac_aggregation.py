"""Aggregated ClusterRoles: the rules a role really holds.

A ClusterRole with ``aggregationRule.clusterRoleSelectors`` holds the rules of every other
ClusterRole whose labels one of its selectors matches: the API server's aggregation
controller writes them into it, so a matched role that is itself aggregated contributes
what it aggregates, and a role never matches itself. The selectors are ORed; inside one
selector ``matchLabels`` and every ``matchExpressions`` entry must all hold, and an empty
selector matches every ClusterRole.

The built-in admin, edit and view roles riskgraph ships are already aggregated and carry
no aggregationRule; they still gather the input's roles labelled
``rbac.authorization.k8s.io/aggregate-to-<name>: "true"``, as the real ones do (view feeds
edit and edit feeds admin, so a role labelled for view reaches all three).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from riskgraph.estate.builtin_roles import BUILTIN_ANNOTATION
from riskgraph.estate.inventory import Inventory
from riskgraph.models import PolicyRule, Role

AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-"
_BUILTIN_FEEDS = {"admin": ("admin", "edit", "view"), "edit": ("edit", "view"),
                  "view": ("view",)}


class RuleSource(NamedTuple):
    """One rule a role holds, and the ClusterRole whose ``rules[rule_index]`` it is."""

    holder: Role
    rule_index: int
    rule: PolicyRule


def _label_text(value: Any) -> str:
    # YAML reads an unquoted ``true`` as a boolean; the API server compares the text.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether a label selector (``matchLabels`` and ``matchExpressions``) selects ``labels``.

    >>> selector_matches({"matchLabels": {"team": "a"}}, {"team": "a", "x": "1"})
    True
    >>> selector_matches({"matchExpressions": [{"key": "team", "operator": "NotIn",
    ...                                          "values": ["a"]}]}, {"team": "a"})
    False
    >>> selector_matches({}, {}), selector_matches(None, {})
    (True, False)
    """
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != _label_text(value):
            return False
    for expression in selector.get("matchExpressions") or ():
        key = expression.get("key")
        values = {_label_text(v) for v in expression.get("values") or ()}
        operator = expression.get("operator")
        present = key in labels
        if operator == "In":
            holds = present and labels[key] in values
        elif operator == "NotIn":
            holds = not present or labels[key] not in values
        elif operator == "Exists":
            holds = present
        elif operator == "DoesNotExist":
            holds = not present
        else:  # the API server rejects any other operator
            holds = False
        if not holds:
            return False
    return True


def _selectors(role: Role) -> Sequence[Mapping[str, Any] | None] | None:
    """The role's clusterRoleSelectors; None when it does not aggregate."""
    if role.aggregation_rule is not None:
        return list(role.aggregation_rule.get("clusterRoleSelectors") or ())
    if role.metadata.annotations.get(BUILTIN_ANNOTATION) == "true" \
            and role.name in _BUILTIN_FEEDS:
        return [{"matchLabels": {AGGREGATE_LABEL + feed: "true"}}
                for feed in _BUILTIN_FEEDS[role.name]]
    return None


def _aggregate(inv: Inventory) -> dict[str, tuple[RuleSource, ...]]:
    cluster_roles = {r.name: r for r in inv.roles if r.kind == "ClusterRole"}
    matched: dict[str, list[Role]] = {}
    for name, role in cluster_roles.items():
        selectors = _selectors(role)
        if selectors is not None:
            matched[name] = [other for other in cluster_roles.values() if other.name != name
                             and any(selector_matches(s, other.metadata.labels)
                                     for s in selectors)]
    result: dict[str, tuple[RuleSource, ...]] = {}
    for name in matched:
        holders = [cluster_roles[name]]
        seen = {name}
        pending = list(matched[name])
        while pending:
            role = pending.pop()
            if role.name in seen:
                continue
            seen.add(role.name)
            holders.append(role)
            pending.extend(matched.get(role.name, ()))
        result[name] = tuple(RuleSource(holder, index, rule) for holder in holders
                             for index, rule in enumerate(holder.rules))
    return result


# One answer per live Inventory: the Inventory is mutable (unhashable), so it is keyed by id
# and the entry leaves with the Inventory.
_CACHE: dict[int, tuple[weakref.ref[Inventory], dict[str, tuple[RuleSource, ...]]]] = {}


def aggregated_rules(inv: Inventory) -> dict[str, tuple[RuleSource, ...]]:
    """Every aggregating ClusterRole's name -> the rules it holds; computed once per
    inventory."""
    key = id(inv)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is inv:
        return hit[1]

    def forget(_: weakref.ref[Inventory]) -> None:
        _CACHE.pop(key, None)

    value = _aggregate(inv)
    _CACHE[key] = (weakref.ref(inv, forget), value)
    return value


def effective_rules(inv: Inventory, role: Role) -> Iterator[RuleSource]:
    """The rules ``role`` holds: its own, plus, for an aggregating ClusterRole, those of
    every ClusterRole it aggregates."""
    if role.kind == "ClusterRole":
        aggregated = aggregated_rules(inv).get(role.name)
        if aggregated is not None:
            yield from aggregated
            return
    for index, rule in enumerate(role.rules):
        yield RuleSource(role, index, rule)
