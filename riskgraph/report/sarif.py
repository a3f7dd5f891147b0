"""SARIF 2.1.0 documents of findings and attack paths, for code-scanning uploads.

One rule per check or technique (its title, remediation and severity), one result per
finding or path. A result points at the manifest file (and line, when known) of the object
to change; without one (live input) it carries a logical location of the object id.
``partialFingerprints`` hold the same stable identity the baselines use, so a code-scanning
UI tracks a result as other results come and go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from riskgraph import __version__
from riskgraph.checks import all_checks
from riskgraph.techniques import all_techniques

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
          "info": "note"}
#: GitHub's security-severity bands: critical 9+, high 7-8.9, medium 4-6.9, low below 4.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0",
                      "info": "1.0"}
FINGERPRINT = "riskgraph/v1"


def _rules(wanted: Iterable[str]) -> list[dict[str, Any]]:
    entries = {c.id: (c.title, c.severity, c.remediation, "posture check")
               for c in all_checks()}
    entries.update({t.id: (t.title, t.severity, t.remediation, "attacker step")
                    for t in all_techniques()})
    rules = []
    for rule_id in sorted(set(wanted)):
        title, severity, remediation, kind = entries.get(
            rule_id, (rule_id, "info", "See the riskgraph technique catalog.", "rule"))
        rules.append({
            "id": rule_id, "name": rule_id.replace(".", "/"),
            "shortDescription": {"text": title},
            "fullDescription": {"text": f"{title} ({kind})"},
            "help": {"text": remediation},
            "defaultConfiguration": {"level": _LEVEL.get(severity, "note")},
            "properties": {"security-severity": _SECURITY_SEVERITY.get(severity, "1.0"),
                           "tags": ["security", kind]}})
    return rules


def location(obj: str, file: str | None, line: int | None) -> dict[str, Any]:
    """The manifest file and line of ``obj`` when read from a file, else its id."""
    logical = [{"fullyQualifiedName": obj, "kind": "resource"}]
    if file is None:
        return {"logicalLocations": logical}
    physical: dict[str, Any] = {"artifactLocation": {"uri": file}}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical, "logicalLocations": logical}


def _document(rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "riskgraph", "version": __version__, "rules": rules}},
        "results": results}]}


def findings_sarif(document: Mapping[str, Any]) -> dict[str, Any]:
    """SARIF of a ``findings --format json`` document."""
    rows = document["findings"]
    results = [{
        "ruleId": row["check"], "level": _LEVEL.get(row["severity"], "note"),
        "message": {"text": f"{row['object']}: {row['reason']} "
                            f"({row['paths']} attack path{'s' * (row['paths'] != 1)})"},
        "locations": [location(row["object"], row.get("file"), row.get("line"))],
        "partialFingerprints": {FINGERPRINT: row["fingerprint"]},
        "properties": {"security-severity": _SECURITY_SEVERITY.get(row["severity"], "1.0"),
                       "paths": row["paths"], "confidence": row["confidence"],
                       "evidence": list(row["evidence"])}} for row in rows]
    return _document(_rules(row["check"] for row in rows), results)


def paths_sarif(paths: Iterable[Mapping[str, Any]],
                anchors: Mapping[str, tuple[str, str | None, int | None]]) -> dict[str, Any]:
    """SARIF of attack paths (their JSON form, each with a ``fingerprint``): the rule is the
    technique of the path's worst step, the location that step's object to change
    (``anchors``: fingerprint -> (object, file, line))."""
    order = list(_LEVEL)
    results, used = [], set()
    for path in paths:
        steps = path["steps"]
        worst = min(steps, key=lambda s: order.index(s.get("severity", "info"))
                    if s.get("severity", "info") in order else len(order))
        severity = worst.get("severity", "info")
        used.add(worst["technique"])
        obj, file, line = anchors.get(path["fingerprint"], (worst["from"], None, None))
        chain = " -> ".join(s["technique"] for s in steps)
        results.append({
            "ruleId": worst["technique"], "level": _LEVEL.get(severity, "note"),
            "message": {"text": f"attack path {steps[0]['from']} -> {steps[-1]['to']} "
                                f"({chain})"},
            "locations": [location(obj, file, line)],
            "partialFingerprints": {FINGERPRINT: path["fingerprint"]},
            "properties": {"security-severity": _SECURITY_SEVERITY.get(severity, "1.0"),
                           "cost": path.get("cost"), "confidence": path.get("confidence")}})
    return _document(_rules(used), results)
