"""The riskgraph command end to end: real parser, real graph, real Graphviz."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from riskgraph.cli import main
from riskgraph.demo import demo_files
from riskgraph.techniques import all_techniques

DEMO_SECRET_VALUES = ("demo-only",)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_demo_paths_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["paths", "--demo", "--to", "secret", "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"paths", "summary", "groups", "notes", "problems"}
    assert doc["problems"] == [] and doc["notes"] == []
    assert set(doc["summary"]) == {"paths", "sources", "targets", "truncated"}
    assert doc["summary"]["paths"] == len(doc["paths"]) >= 3
    for path in doc["paths"]:
        assert set(path) == {"source", "target", "cost", "steps"}
        assert path["source"] == "internet"
        assert path["target"].startswith(("k8s:Secret:", "arn:aws:secretsmanager:",
                                          "arn:aws:ssm:"))
        assert path["steps"][0]["from"] == "internet"
        assert path["steps"][-1]["to"] == path["target"]
        for before, after in zip(path["steps"], path["steps"][1:], strict=False):
            assert before["to"] == after["from"]
        for step in path["steps"]:
            assert set(step) == {"from", "to", "technique", "reason", "confidence",
                                 "severity", "mitre", "cost", "evidence"}
            assert step["severity"] in {"critical", "high", "medium", "low", "info"}
            assert step["cost"] > 0 and isinstance(step["evidence"], list)
    members = sorted(i for group in doc["groups"] for i in group["paths"])
    assert members == list(range(len(doc["paths"])))
    costs = [p["cost"] for p in doc["paths"]]
    assert costs == sorted(costs)


def test_demo_shows_public_pod_reaching_payments_over_the_network_and_through_the_pool(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["paths", "--demo", "--to", "secret", "--format", "json"], capsys)
    paths = {p["target"]: p for p in json.loads(out)["paths"]}
    route = paths["k8s:Secret:payments/payments-db"]
    hops = [s["to"] for s in route["steps"]]
    # No policy restricts ingress to payments (and no engine would enforce one): flat network.
    assert hops[:3] == ["k8s:Service:web/storefront", "k8s:Container:web/storefront/nginx",
                        "hub:net-reach:cluster"]
    assert hops[3] == "k8s:Container:payments/payments-api/api"
    # Were the network segmented, the escape through the shared node pool would remain.
    _, out, _ = run(["paths", "--demo", "--to", "secret", "--format", "json",
                     "--avoid", "hub:net-reach:cluster"], capsys)
    paths = {p["target"]: p for p in json.loads(out)["paths"]}
    route = paths["k8s:Secret:payments/payments-db"]
    hops = [s["to"] for s in route["steps"]]
    techniques = [s["technique"] for s in route["steps"]]
    assert hops[:2] == ["k8s:Service:web/storefront", "k8s:Container:web/storefront/nginx"]
    assert "k8s:NodePool:any" in hops and "k8s:Pod:payments/payments-api" in hops
    assert techniques[2].startswith("escape.")
    assert "node.controls-pod" in techniques


def test_table_output_numbers_steps_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["paths", "--demo", "--ungrouped"], capsys)
    assert code == 0
    assert "Path 1: internet -> k8s:Secret:" in out
    assert "   1. k8s:Service:web/storefront" in out
    assert "[net.internet-exposed, likely]" in out
    assert "read " in err and "graph:" in err


def test_svg_diagram_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "review.svg"
    code, out, _ = run(["paths", "--demo", "--format", "svg", "-o", str(target)], capsys)
    assert code == 0 and out == ""
    root = ElementTree.parse(target).getroot()
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text")}
    assert "escape.sys-admin" in texts and "node.controls-pod" in texts


def test_graph_export_is_node_link_keyed_by_technique(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["graph", "--demo", "--quiet"], capsys)
    assert code == 0
    doc = json.loads(out)
    ids = {n["id"] for n in doc["nodes"]}
    assert {"internet", "k8s:ClusterAdmin", "k8s:Pod:web/storefront"} <= ids
    for node in doc["nodes"]:
        assert {"kind", "name", "namespace", "labels", "entry", "crown_jewel"} <= set(node)
    assert doc["edges"]
    for edge in doc["edges"]:
        assert edge["key"] == edge["technique"]
        assert {"source", "target", "reason", "evidence", "cost", "confidence"} <= set(edge)


def test_techniques_lists_the_whole_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    _, table, _ = run(["techniques"], capsys)
    _, as_json, _ = run(["techniques", "--format", "json"], capsys)
    entries = json.loads(as_json)
    assert [e["id"] for e in entries] == [t.id for t in all_techniques()]
    for entry in entries:
        assert entry["id"] in table and entry["remediation"]


def test_secret_values_never_appear_in_any_output(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert any("demo-only" in f.read_text() for f in demo_files()), "demo lost its values"
    outputs = []
    for fmt in ("table", "json", "dot"):
        outputs.append(run(["paths", "--demo", "--format", fmt, "--evidence"], capsys))
    outputs.append(run(["graph", "--demo"], capsys))
    svg = tmp_path / "p.svg"
    run(["paths", "--demo", "--format", "svg", "-o", str(svg)], capsys)
    text = "".join(out + err for _, out, err in outputs) + svg.read_text()
    assert "payments-db" in text
    for value in DEMO_SECRET_VALUES:
        assert value not in text


def test_bad_file_is_reported_and_the_rest_analysed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.yaml").write_text("kind: Pod\nmetadata: {name: [unclosed\n")
    (tmp_path / "web.yaml").write_text((demo_files()[1]).read_text())
    code, out, err = run(["paths", "--k8s", str(tmp_path), "--format", "json"], capsys)
    assert code == 0
    assert "broken.yaml" in err and "not valid YAML" in err
    assert json.loads(out)["paths"], "the good file was not analysed"


def test_bad_selector_exits_2_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["paths", "--demo", "--from", "pod:web/storefrnt"], capsys)
    assert code == 2
    assert "storefrnt" in err


def test_no_input_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["paths"])
    assert exit_info.value.code == 2
    assert "--demo" in capsys.readouterr().err


def test_fail_on_paths_gates_ci(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["paths", "--demo", "--fail-on-paths", "-q"], capsys)[0] == 1
    quiet = run(["paths", "--demo", "--from", "k8s:Pod:nowhere/*", "-q"], capsys)
    assert quiet[0] == 2


def test_missing_dot_writes_dot_source_and_exits_4(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}
    target = tmp_path / "review.svg"
    result = subprocess.run(
        [sys.executable, "-m", "riskgraph.cli", "paths", "--demo", "--format", "svg",
         "-o", str(target)], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 4, result.stderr
    assert "apt-get install -y graphviz" in result.stderr
    assert (tmp_path / "review.dot").read_text().startswith(("digraph", "strict digraph"))


def test_avoid_removes_the_paths_through_a_fixed_workload(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, before, _ = run(["paths", "--demo", "--to", "cluster-admin", "--format", "json"], capsys)
    assert json.loads(before)["paths"]
    binding = "k8s:ClusterRoleBinding:report-runner-admin"
    _, after, _ = run(["paths", "--demo", "--to", "cluster-admin", "--format", "json",
                       "--avoid", binding], capsys)
    # What is left is the AWS route: the node role's PassRole to an admin role, and an
    # account admin can give itself an EKS access entry.
    remaining = json.loads(after)["paths"]
    assert remaining
    for path in remaining:
        hops = [s["to"] for s in path["steps"]]
        assert binding not in hops and "aws:Admin:111122223333" in hops
    admin_role = "arn:aws:iam::111122223333:role/report-ec2-runner"
    _, fixed, _ = run(["paths", "--demo", "--to", "cluster-admin", "--format", "json",
                       "--avoid", binding, "--avoid", admin_role], capsys)
    assert json.loads(fixed)["paths"] == []


def test_platform_default_bindings_are_marked_and_can_be_hidden(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rbac.yaml").write_text("""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:controller:job-controller
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
subjects: [{kind: ServiceAccount, name: job-controller, namespace: kube-system}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: tools}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
""")
    _, graph_json, _ = run(["graph", "--k8s", str(tmp_path), "-q"], capsys)
    marks = {n["id"]: n.get("platform_default") for n in json.loads(graph_json)["nodes"]
             if n["kind"] == "ClusterRoleBinding"}
    assert marks == {"k8s:ClusterRoleBinding:system:controller:job-controller": True,
                     "k8s:ClusterRoleBinding:ci-admin": False}
    args = ["paths", "--k8s", str(tmp_path), "--to", "cluster-admin", "--format", "json"]
    _, every, _ = run([*args, "--from", "sa:kube-system/job-controller"], capsys)
    _, owned, _ = run([*args, "--from", "sa:kube-system/job-controller",
                       "--hide-platform-defaults"], capsys)
    _, ci, _ = run([*args, "--from", "sa:tools/ci", "--hide-platform-defaults"], capsys)
    assert [p["source"] for p in json.loads(every)["paths"]] == [
        "k8s:ServiceAccount:kube-system/job-controller"]
    assert json.loads(owned)["paths"] == []
    assert [p["source"] for p in json.loads(ci)["paths"]] == ["k8s:ServiceAccount:tools/ci"]


def test_pod_security_default_applies_to_unlabelled_namespaces(
        capsys: pytest.CaptureFixture[str]) -> None:
    def create_pod_pools(*extra: str) -> set[str]:
        _, out, _ = run(["graph", "--demo", "-q", *extra], capsys)
        return {e["source"] for e in json.loads(out)["edges"]
                if e["key"] == "rbac.create-pod" and e["target"] == "k8s:NodePool:any"}

    assert {"hub:create-pod:ns/web", "hub:create-pod:ns/logging"} <= create_pod_pools()
    restricted = create_pod_pools("--pod-security-default", "restricted")
    assert "hub:create-pod:ns/logging" in restricted
    assert "hub:create-pod:ns/web" not in restricted


def test_network_policy_enforcement_is_detected_warned_and_overridable(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = run(["paths", "--demo", "--to", "secret", "--format", "json"], capsys)
    assert "1 NetworkPolicy is read but treated as not enforced" in err
    flat = {p["target"]: p for p in json.loads(out)["paths"]}
    assert "hub:net-reach:cluster" in [s["to"] for s in
                                       flat["k8s:Secret:payments/payments-db"]["steps"]]
    _, out, err = run(["paths", "--demo", "--to", "secret", "--format", "json",
                       "--network-policy", "enforced"], capsys)
    assert "NetworkPolicies are read" not in err
    enforced = {p["target"]: p for p in json.loads(out)["paths"]}
    # Payments denies egress only: the storefront still reaches it, now class to class.
    hops = [s["to"] for s in enforced["k8s:Secret:payments/payments-db"]["steps"]]
    assert "hub:net-reach:cluster" not in hops
    assert "k8s:Container:payments/payments-api/api" in hops
