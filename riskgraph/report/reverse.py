"""Terminal tables of the reverse questions, drawn from their JSON documents: who can
reach some targets, who holds an RBAC permission, and what one subject holds."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

_WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def _kinds(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items())


def whocan_table(answer: Mapping[str, Any]) -> str:
    """Sources cheapest first: cost, hops, confidence, kind, id and the first step."""
    targets = answer["targets"]
    what = targets[0] if len(targets) == 1 else f"{len(targets)} targets"
    sources = answer["sources"]
    if not sources:
        return (f"Nothing reaches {what} within the bounds ({len(targets)} target"
                f"{'s' * (len(targets) != 1)} searched).")
    lines = [_wrap(f"{len(sources)} source{'s reach' if len(sources) != 1 else ' reaches'} "
                   f"{what}: {_kinds(answer['summary']['by_kind'])}", ""), "",
             f"{'COST':>5}  {'HOPS':>4}  {'CONFIDENCE':<10}  {'KIND':<14}  SOURCE",
             ]
    for source in sources:
        members = f" ({source['members']} pods)" if source["members"] > 1 else ""
        lines.append(f"{source['cost']:>5g}  {source['hops']:>4}  {source['confidence']:<10}  "
                     f"{source['kind']:<14}  {source['id']}{members}")
        lines.append(f"{'':>41}first: {source['via']['technique']} -> {source['via']['to']}")
    if answer["summary"]["truncated"]:
        lines.append("... and more, costlier (raise --top to list them)")
    lines.append("")
    lines.append("--explain SOURCE prints one route in full.")
    return "\n".join(lines)


def holders_table(answer: Mapping[str, Any]) -> str:
    """Who can VERB RESOURCE: direct holders with the binding, then escalations."""
    where = f" in namespace {answer['namespace']}" if answer["namespace"] else ""
    question = f"{answer['verb']} {answer['resource']}{where}"
    holders = answer["holders"]
    if not holders:
        return f"No subject can {question}."
    summary = answer["summary"]
    lines = [f"Who can {question}: {summary['direct']} direct, "
             f"{summary['via_escalation']} via escalation", "",
             f"{'HOW':<15}  {'KIND':<14}  SUBJECT"]
    for holder in holders:
        lines.append(f"{holder['how']:<15}  {holder['kind']:<14}  {holder['id']}")
        if holder["how"] == "direct":
            detail = " -> ".join(holder["through"]) + f" ({holder['scope']})"
        else:
            technique, following, target = holder["through"]
            detail = (f"cost {holder['cost']:g}, {holder['confidence']}: first {technique} -> "
                      f"{following}; reaches {target}")
        lines.append(_wrap(detail, " " * 17))
    if summary["truncated"]:
        lines.append("... and more escalations, costlier (raise --top to list them)")
    return "\n".join(lines)


def _rule_text(rule: Mapping[str, Any]) -> str:
    if rule["nonResourceURLs"]:
        text = f"{','.join(rule['verbs'])} URLs {','.join(rule['nonResourceURLs'])}"
    else:
        groups = ",".join(g or '""' for g in rule["apiGroups"])
        text = f"{','.join(rule['verbs'])} {','.join(rule['resources'])} [{groups}]"
    if rule["resourceNames"]:
        text += f" named {','.join(rule['resourceNames'])}"
    if rule["techniques"]:
        text += "  !! " + ", ".join(rule["techniques"])
    return text


def rbac_table(view: Mapping[str, Any], wide: bool = False) -> str:
    """rbac-lookup: one line per binding (scope, role, via which identity, dangerous
    techniques); ``wide`` adds every effective rule."""
    bindings = view["bindings"]
    identities = view["identities"][1:]
    lines = [f"{view['subject']}" + (f" (as {', '.join(identities)})" if identities else "")]
    if view["system_masters"]:
        lines.append(_wrap("in group system:masters: allowed every request before RBAC is "
                           "consulted (cluster admin no binding can take away)", "  "))
    if not bindings and not view["access_policies"]:
        lines.append("holds no RBAC binding and no EKS access policy.")
        return "\n".join(lines)
    lines += ["", f"{'SCOPE':<16}  {'ROLE':<40}  BINDING"]
    for held in bindings:
        default = "  [platform default]" if held["platform_default"] else ""
        lines.append(f"{held['scope']:<16}  {held['role']:<40}  {held['binding']}{default}")
        if held["identity"] != view["subject"]:
            lines.append(f"{'':18}through {held['identity']}")
        if held["techniques"] and not wide:
            lines.append(_wrap("dangerous: " + ", ".join(held["techniques"]), " " * 18))
        if wide:
            lines += [_wrap(_rule_text(rule), " " * 20) for rule in held["rules"]]
    for policy in view["access_policies"]:
        scope = ", ".join(policy["namespaces"]) if policy["namespaces"] else policy["scope"]
        lines.append(f"{scope:<16}  {policy['policy']:<40}  EKS access entry")
    dangerous = view["summary"]["techniques"]
    policies = len(view["access_policies"])
    lines += ["", _wrap(f"{len(bindings)} binding{'s' * (len(bindings) != 1)}, {policies} "
                        f"access polic{'ies' if policies != 1 else 'y'}; rules enable: "
                        + (", ".join(dangerous) or "nothing riskgraph flags"), "")]
    return "\n".join(lines)
