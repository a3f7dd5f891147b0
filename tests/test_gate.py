"""The CI gate on ``paths``: a baseline reports exactly the route a release opens, and
SARIF of paths validates against the official schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from riskgraph.cli import main
from tests.test_findings import SCHEMA

WEB_SECRETS = "k8s:Secret:web/*"
#: A public pod mounting a secret nothing reached before: one new route, no cheaper detour.
NEW_ROUTE = """\
apiVersion: v1
kind: Service
metadata: {name: preview, namespace: web}
spec:
  type: LoadBalancer
  selector: {app: preview}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Secret
metadata: {name: preview-token, namespace: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: preview, namespace: web}
spec:
  selector: {matchLabels: {app: preview}}
  template:
    metadata: {labels: {app: preview}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: app
        image: app
        ports: [{containerPort: 8080}]
        volumeMounts: [{name: token, mountPath: /token, readOnly: true}]
      volumes:
      - {name: token, secret: {secretName: preview-token}}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["paths", "-q", *args])
    return code, capsys.readouterr().out


def test_paths_baseline_reports_exactly_the_new_route(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["--demo", "--to", WEB_SECRETS, "--format", "json"], capsys)
    assert code == 0
    baseline = tmp_path / "prod.json"
    baseline.write_text(out)
    before = json.loads(out)["paths"]
    release = tmp_path / "next-release"
    release.mkdir()
    (release / "debug.yaml").write_text(NEW_ROUTE)
    code, out = run(["--demo", "--k8s", str(release), "--to", WEB_SECRETS, "--baseline",
                     str(baseline), "--fail-on", "new", "--format", "json"], capsys)
    document = json.loads(out)
    assert code == 1
    assert len(document["paths"]) == 1
    new = document["paths"][0]
    assert new["target"] == "k8s:Secret:web/preview-token"
    assert any(step["from"] == "k8s:Service:web/preview" for step in new["steps"])
    assert document["baseline"] == {"new": 1, "unchanged": len(before), "gone": 0}
    code, out = run(["--demo", "--to", WEB_SECRETS, "--baseline", str(baseline),
                     "--fail-on", "new"], capsys)
    assert code == 0
    assert "0 new" in out and f"{len(before)} unchanged" in out


def test_paths_fail_on_severity_and_bad_baseline(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--demo", "--fail-on", "critical"], capsys)[0] == 1
    assert run(["--demo", "--to", "pod:payments/payments-api", "--fail-on", "any",
                "--avoid", "k8s:Service:web/storefront"], capsys)[0] in (0, 1)
    broken = tmp_path / "broken.json"
    broken.write_text('{"findings": []}')
    assert main(["paths", "-q", "--demo", "--baseline", str(broken)]) == 3
    assert f"baseline {broken}" in capsys.readouterr().err


def test_paths_sarif_validates_with_stable_fingerprints(
        capsys: pytest.CaptureFixture[str]) -> None:
    first = json.loads(run(["--demo", "--format", "sarif"], capsys)[1])
    jsonschema.Draft4Validator(SCHEMA).validate(first)
    results = first["runs"][0]["results"]
    assert results and all(r["partialFingerprints"]["riskgraph/v1"] for r in results)
    again = json.loads(run(["--demo", "--format", "sarif"], capsys)[1])
    assert [r["partialFingerprints"] for r in again["runs"][0]["results"]] == \
        [r["partialFingerprints"] for r in results]
    rules = {rule["id"]: rule for rule in first["runs"][0]["tool"]["driver"]["rules"]}
    for result in results:
        assert float(rules[result["ruleId"]]["properties"]["security-severity"]) > 0


def test_fixes_baseline_reports_the_new_fix(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixes", "-q", "--demo", "--to", WEB_SECRETS, "--format", "json"]) == 0
    baseline = tmp_path / "fixes.json"
    baseline.write_text(capsys.readouterr().out)
    release = tmp_path / "next-release"
    release.mkdir()
    (release / "preview.yaml").write_text(NEW_ROUTE)
    code = main(["fixes", "-q", "--demo", "--k8s", str(release), "--to", WEB_SECRETS,
                 "--baseline", str(baseline), "--fail-on", "new", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["fixes"] and all("preview" in fix["object"] for fix in document["fixes"])
    assert document["baseline"]["new"] == len(document["fixes"])
    assert main(["fixes", "-q", "--demo", "--to", WEB_SECRETS, "--baseline", str(baseline),
                 "--fail-on", "new"]) == 0
    assert "No new fixes" in capsys.readouterr().out


def test_paths_sarif_and_fixes_point_at_the_manifest_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "preview.yaml"
    manifest.write_text(NEW_ROUTE.replace("        image: app\n",
                                          "        image: app\n        securityContext: "
                                          "{privileged: true}\n"))
    line = manifest.read_text().splitlines().index("kind: Deployment")
    sarif = json.loads(run(["--k8s", str(manifest), "--to", "node", "--format", "sarif"],
                           capsys)[1])
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "escape.privileged"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == str(manifest)
    assert physical["region"]["startLine"] == line, "the Deployment's apiVersion line"
    assert main(["fixes", "-q", "--k8s", str(manifest), "--to", "node", "--format",
                 "json"]) == 0
    fix = json.loads(capsys.readouterr().out)["fixes"][0]
    assert (fix["object"], fix["file"], fix["line"]) == \
        ("k8s:Deployment:web/preview", str(manifest), line)
