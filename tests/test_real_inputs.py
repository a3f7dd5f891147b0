"""Whole routes from the reproducers of issue 11 ("right answers on real inputs"): each
builds the graph from manifests and asks the path question the user asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest import inventory_from_text
from queries import attack_paths
from riskgraph.builder import build_graph
from riskgraph.cli import main

READER = """
kind: ServiceAccount
metadata: {name: reader, namespace: default}
---
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
kind: ClusterRoleBinding
metadata: {name: reader-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
---
kind: ServiceAccount
metadata: {name: ops-admin, namespace: kube-system}
---
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ops-admin, namespace: kube-system}]
---
kind: Secret
type: %s
metadata:
  name: ops-admin-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: ops-admin}
"""


def _route(text: str, source: str, target: str) -> list[list[str]]:
    inv = inventory_from_text(text)
    assert not inv.problems, [str(p) for p in inv.problems]
    return [[step.target for step in path.steps]
            for path in attack_paths(build_graph(inv), source, target)]


def test_reading_a_token_secret_gives_its_service_account() -> None:
    (route,) = _route(READER % "kubernetes.io/service-account-token", "sa:default/reader",
                      "cluster-admin")
    assert route[-4:] == ["k8s:Secret:kube-system/ops-admin-token",
                          "k8s:ServiceAccount:kube-system/ops-admin",
                          "k8s:ClusterRoleBinding:ops-admin", "k8s:ClusterAdmin"]


def test_the_token_step_names_the_type_and_the_annotation() -> None:
    inv = inventory_from_text(READER % "kubernetes.io/service-account-token")
    graph = build_graph(inv)
    step = graph.edges["k8s:Secret:kube-system/ops-admin-token",
                       "k8s:ServiceAccount:kube-system/ops-admin", "k8s.token-secret"]
    assert step["confidence"] == "certain"
    assert list(step["evidence"]) == [
        'k8s:Secret:kube-system/ops-admin-token: type="kubernetes.io/service-account-token"',
        'k8s:Secret:kube-system/ops-admin-token: '
        'metadata.annotations["kubernetes.io/service-account.name"]="ops-admin"']


def test_reading_an_opaque_secret_gives_no_service_account() -> None:
    assert _route(READER % "Opaque", "sa:default/reader", "cluster-admin") == []


CONTROLLER = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctl, namespace: ops}
spec:
  template:
    spec:
      serviceAccountName: ctl
      containers: [{name: manager, image: ctl, ports: [{name: metrics, containerPort: 8082}]}]
---
kind: ClusterRoleBinding
metadata: {name: ctl-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ctl, namespace: ops}]
---
kind: Pod
metadata: {name: shell, namespace: shop}
spec:
  containers: [{name: sh, image: busybox}]
"""


def _cli_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
               ) -> list[dict[str, Any]]:
    (tmp_path / "estate.yaml").write_text(CONTROLLER)
    assert main(["paths", "--k8s", str(tmp_path / "estate.yaml"), "--from", "pod:shop/shell",
                 "--to", "cluster-admin", "--format", "json", "-q", *extra]) == 0
    paths: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["paths"]
    return paths


def test_a_metrics_port_is_a_costly_possible_step_unless_told_otherwise(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app,) = _cli_paths(tmp_path, capsys)
    onto = next(s for s in app["steps"] if s["to"] == "k8s:Container:ops/ctl/manager")
    assert onto["confidence"] == "possible" and "named metrics" in onto["reason"]
    assert app["cost"] > 8.0
    (every,) = _cli_paths(tmp_path, capsys, "--assume-exploitable", "all")
    onto = next(s for s in every["steps"] if s["to"] == "k8s:Container:ops/ctl/manager")
    assert onto["confidence"] == "likely" and "--assume-exploitable all" in onto["reason"]
    assert every["cost"] < app["cost"]
    assert _cli_paths(tmp_path, capsys, "--assume-exploitable", "none") == []


def test_a_metrics_service_marks_its_https_port_for_net_reach_too() -> None:
    scaffold = CONTROLLER.replace(
        "containers: [{name: manager, image: ctl, ports: [{name: metrics, containerPort: 8082}]}]",
        "containers: [{name: manager, image: ctl, ports: [{name: https, containerPort: 8443}]}]"
    ).replace("    spec:\n      serviceAccountName", "    metadata: {labels: {app: ctl}}\n"
              "    spec:\n      serviceAccountName")
    service = """---
kind: Service
metadata: {name: ctl-controller-manager-metrics-service, namespace: ops}
spec: {selector: {app: ctl}, ports: [{name: https, port: 8443, targetPort: https}]}
"""
    onto = ("hub:net-reach:cluster", "k8s:Container:ops/ctl/manager", "net.reach")
    assert build_graph(inventory_from_text(scaffold)).edges[onto]["confidence"] == "likely"
    step = build_graph(inventory_from_text(scaffold + service)).edges[onto]
    assert step["confidence"] == "possible" and step["cost"] == 8.0
    assert "service ctl-controller-manager-metrics-service sends port 8443" in step["reason"]
