"""``riskgraph findings`` end to end: posture and technique findings on the demo, path
counts, file and line, suppressions, SARIF against the official schema, and baselines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from riskgraph.cli import main

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text())

#: A public pod that opens a new route: exposed by a load balancer and privileged.
NEW_ROUTE = """\
apiVersion: v1
kind: Service
metadata: {name: debug, namespace: web}
spec:
  type: LoadBalancer
  selector: {app: debug}
  ports: [{port: 80, targetPort: 8080}]
---
# a debug pod left behind
apiVersion: apps/v1
kind: Deployment
metadata: {name: debug, namespace: web}
spec:
  selector: {matchLabels: {app: debug}}
  template:
    metadata: {labels: {app: debug}}
    spec:
      containers:
      - name: shell
        image: 'busybox:latest'
        ports: [{containerPort: 8080}]
        securityContext: {privileged: true}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["findings", "-q", *args])
    return code, capsys.readouterr().out


def demo_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out = run(["--demo", "--format", "json", *args], capsys)
    assert code == 0
    return dict(json.loads(out))


def by_key(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["check"], f["object"]): f for f in document["findings"]}


def test_demo_reports_the_checklist_items_with_path_counts(
        capsys: pytest.CaptureFixture[str]) -> None:
    rows = by_key(demo_json(capsys))
    storefront, payments = "k8s:Deployment:web/storefront", "k8s:Deployment:payments/payments-api"
    assert rows[("escape.sys-admin", storefront)]["paths"] > 0
    assert "DB_PASSWORD" in rows[("pod.secret-env", payments)]["reason"]
    imds = rows[("node.imds-open", "lt-0d3m0aaaa11112222 version 3")]
    assert "IMDSv1" in imds["reason"] and "hop limit is 2" in imds["reason"]
    assert imds["paths"] >= 1, "the finding sits on the pod.imds step's paths"
    masters = rows[("k8s.aws-auth-masters", "k8s:ConfigMap:kube-system/aws-auth")]
    assert "user/ops-breakglass" in masters["reason"]
    assert ("pod.run-as-root", storefront) in rows
    assert ("pod.run-as-root", payments) not in rows, "payments sets runAsNonRoot"
    assert ("image.mutable-tag", storefront) in rows
    shared = rows[("schedule.shared-nodes", payments)]
    assert "web/storefront" in shared["reason"] and shared["paths"] > 0
    assert ("pod.node-role-fallback", storefront) in rows
    assert ("pod.node-role-fallback", payments) not in rows, "payments has Pod Identity"
    assert rows[("pod.writable-root-fs", storefront)]["paths"] == \
        rows[("escape.sys-admin", storefront)]["paths"]


def test_findings_are_sorted_by_severity_times_paths(capsys: pytest.CaptureFixture[str]) -> None:
    weight = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}
    scores = [weight[f["severity"]] * f["paths"] for f in demo_json(capsys)["findings"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_file_and_line_name_the_object_in_its_manifest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "debug.yaml"
    manifest.write_text(NEW_ROUTE)
    code, out = run(["--k8s", str(manifest), "--format", "json"], capsys)
    assert code == 0
    row = by_key(json.loads(out))[("pod.run-as-root", "k8s:Deployment:web/debug")]
    assert row["file"] == str(manifest)
    assert NEW_ROUTE.splitlines()[row["line"] - 1] == "apiVersion: apps/v1"
    assert row["line"] == 10


def test_check_selection_and_suppressions_are_counted_not_dropped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    annotated = tmp_path / "debug.yaml"
    annotated.write_text(NEW_ROUTE.replace(
        "metadata: {name: debug, namespace: web}\nspec:\n  selector",
        "metadata:\n  name: debug\n  namespace: web\n  annotations:\n"
        "    riskgraph.io/ignore: 'pod.run-as-root, image.mutable-tag'\nspec:\n  selector"))
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("- {check: pod.writable-root-fs, object: 'k8s:Deployment:web/*', "
                      "reason: accepted risk}\n"
                      "- {check: escape.privileged, object: '*', reason: old, "
                      "expires: 2020-01-01}\n")
    code, out = run(["--k8s", str(annotated), "--format", "json", "--ignore-file", str(ignore),
                     "--check", "pod.run-as-root", "--check", "image.mutable-tag",
                     "--check", "pod.writable-root-fs", "--check", "escape.privileged"], capsys)
    assert code == 0
    document = json.loads(out)
    assert {f["check"] for f in document["findings"]} == {"escape.privileged"}
    suppressed = {f["check"]: f["suppressed"] for f in document["summary"]["suppressed"]}
    assert set(suppressed) == {"pod.run-as-root", "image.mutable-tag", "pod.writable-root-fs"}
    assert suppressed["pod.writable-root-fs"] == "ignore file: accepted risk"
    assert suppressed["pod.run-as-root"] == suppressed["image.mutable-tag"] == \
        "annotation riskgraph.io/ignore on k8s:Deployment:web/debug"
    code, out = run(["--k8s", str(annotated), "--skip-check", "escape.privileged",
                     "--check", "escape.privileged"], capsys)
    assert "No findings" in out


def test_bad_ignore_file_names_the_file(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("- {check: pod.run-as-root}\n")
    assert main(["findings", "-q", "--demo", "--ignore-file", str(ignore)]) == 3
    assert f"ignore file {ignore}" in capsys.readouterr().err


def test_findings_sarif_validates_and_points_at_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "debug.yaml"
    manifest.write_text(NEW_ROUTE)
    code, out = run(["--k8s", str(manifest), "--format", "sarif"], capsys)
    assert code == 0
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} == rules
    root = next(r for r in results if r["ruleId"] == "pod.run-as-root")
    physical = root["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == str(manifest)
    assert physical["region"]["startLine"] == 10
    assert len({r["partialFingerprints"]["riskgraph/v1"] for r in results}) == len(results)
    demo = json.loads(run(["--demo", "--format", "sarif"], capsys)[1])
    jsonschema.Draft4Validator(SCHEMA).validate(demo)
    arn_results = [r for r in demo["runs"][0]["results"] if r["ruleId"] == "node.imds-open"]
    assert "physicalLocation" not in arn_results[0]["locations"][0]
    assert arn_results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        "lt-0d3m0aaaa11112222 version 3"


def test_baseline_reports_only_what_a_release_adds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "prod.json"
    baseline.write_text(json.dumps(demo_json(capsys)))
    release = tmp_path / "next-release"
    release.mkdir()
    (release / "debug.yaml").write_text(NEW_ROUTE)
    code, out = run(["--demo", "--k8s", str(release), "--baseline", str(baseline),
                     "--fail-on", "new", "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 1
    assert {f["object"] for f in document["findings"]} >= {"k8s:Deployment:web/debug"}
    assert all(f["object"] in ("k8s:Deployment:web/debug", "k8s:Container:web/debug/shell",
                               "k8s:Service:web/debug") for f in document["findings"])
    assert document["baseline"]["new"] == len(document["findings"])
    assert document["baseline"]["gone"] == 0
    code, out = run(["--demo", "--baseline", str(baseline), "--fail-on", "new"], capsys)
    assert code == 0
    assert "0 new" in out and "0 gone" in out


def test_fail_on_severity(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--demo", "--fail-on", "critical"], capsys)[0] == 1
    assert run(["--demo", "--check", "pod.writable-root-fs", "--fail-on", "medium"],
               capsys)[0] == 0
    assert run(["--demo", "--check", "pod.writable-root-fs", "--fail-on", "any"],
               capsys)[0] == 1


def test_output_format_follows_the_file_extension(tmp_path: Path) -> None:
    sarif, html = tmp_path / "out.sarif", tmp_path / "report.html"
    assert main(["findings", "-q", "--demo", "-o", str(sarif)]) == 0
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert main(["findings", "-q", "--demo", "-o", str(html)]) == 0
    assert html.read_text().startswith("<!DOCTYPE html>")
