"""Install bundles as projects publish them: objects without a namespace (``-n``), and no
Secrets at all (capability targets); an empty answer says what was searched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest import load_k8s
from riskgraph.builder import build_graph
from riskgraph.cli import main

ACCOUNT = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: ctrl}
"""
CONTROLLER = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ctrl}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ctrl}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ctrl}
subjects: [{kind: ServiceAccount, name: ctrl, namespace: tools}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ctrl}
spec:
  selector: {matchLabels: {app: ctrl}}
  template:
    metadata: {labels: {app: ctrl}}
    spec:
      serviceAccountName: ctrl
      containers: [{name: ctrl, image: ctrl}]
"""
CLUSTER_HUB = "hub:secrets-read:cluster"


def bundle(tmp_path: Path, text: str = ACCOUNT + "---" + CONTROLLER) -> str:
    path = tmp_path / "install.yaml"
    path.write_text(text)
    return str(path)


def paths(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    assert main(["paths", *argv, "--format", "json"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_namespace_less_bundle_warns_and_suggests_the_namespace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc, err = paths(["--k8s", bundle(tmp_path), "--from", "any-pod"], capsys)
    assert doc["paths"] == []
    assert "subject ServiceAccount tools/ctrl is not in the input" in err
    assert "give --namespace tools" in err and "install.yaml" in err
    assert any("--namespace tools" in str(p) for p in doc["problems"])


@pytest.mark.parametrize("flag", ["-n", "--namespace", "--default-namespace"])
def test_namespace_flag_places_namespace_less_objects(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str) -> None:
    doc, err = paths(["--k8s", bundle(tmp_path), "--from", "any-pod", flag, "tools"], capsys)
    [path] = doc["paths"]
    assert path["source"] == "k8s:Pod:tools/ctrl" and path["target"] == CLUSTER_HUB
    assert "input problem" not in err


def test_namespace_flag_leaves_objects_that_name_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    named = ACCOUNT.replace("{name: ctrl}", "{name: ctrl, namespace: default}")
    deployment = CONTROLLER.replace("metadata: {name: ctrl}\nspec:",
                                    "metadata: {name: ctrl, namespace: default}\nspec:")
    doc, err = paths(["--k8s", bundle(tmp_path, named + "---" + deployment),
                      "--from", "any-pod", "-n", "tools"], capsys)
    assert doc["paths"] == []
    # Both were placed by their files, so no -n can help: no suggestion either.
    assert "--namespace tools" not in err


def test_no_suggestion_when_the_account_is_in_the_input(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ACCOUNT.replace("{name: ctrl}", "{name: ctrl, namespace: tools}")
    _, err = paths(["--k8s", bundle(tmp_path, ACCOUNT + "---" + extra + "---" + CONTROLLER),
                    "--from", "any-pod"], capsys)
    assert "give --namespace" not in err


def test_reading_every_secret_is_a_target_when_the_input_holds_none(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc, _ = paths(["--k8s", bundle(tmp_path), "-n", "tools", "--from", "any-pod",
                    "--to", "secret"], capsys)
    assert [p["target"] for p in doc["paths"]] == [CLUSTER_HUB]
    main(["paths", "--k8s", bundle(tmp_path), "-n", "tools", "--from", "any-pod", "-q"])
    assert "-> hub:secrets-read:cluster (any secret cluster-wide)" in capsys.readouterr().out


def test_a_namespace_hub_stands_for_its_secrets_only_when_the_input_has_none(
        tmp_path: Path) -> None:
    reader = """
kind: Role
metadata: {name: reader, namespace: NS}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
kind: RoleBinding
metadata: {name: reader, namespace: NS}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app, namespace: NS}]
"""
    text = reader.replace("NS", "empty") + "---" + reader.replace("NS", "shop") + """---
kind: Secret
metadata: {name: db, namespace: shop}
"""
    graph = build_graph(load_k8s([bundle(tmp_path, text)]))
    assert graph.nodes["hub:secrets-read:ns/empty"]["crown_jewel"] == "secret"
    assert graph.nodes["hub:secrets-read:ns/empty"]["stands_for"] == \
        "any secret in namespace empty"
    # The hub of shop leads to its secret: the secret is the target, not the hub.
    assert graph.nodes["hub:secrets-read:ns/shop"].get("crown_jewel") is None
    assert graph.nodes["k8s:Secret:shop/db"]["crown_jewel"] == "secret"


def test_without_any_read_grant_nothing_is_a_secret_target_and_the_answer_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    no_read = CONTROLLER.replace("resources: [secrets]", "resources: [configmaps]")
    doc, _ = paths(["--k8s", bundle(tmp_path, ACCOUNT + "---" + no_read), "-n", "tools",
                    "--from", "any-pod"], capsys)
    assert doc["paths"] == [] and doc["summary"]["targets"] == 0
    assert any("holds nothing secret selects" in n and "not evidence" in n
               for n in doc["notes"])


def test_empty_answer_from_the_internet_says_what_was_searched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc, _ = paths(["--k8s", bundle(tmp_path), "-n", "tools"], capsys)
    assert doc["paths"] == []
    [note] = [n for n in doc["notes"] if "internet" in n]
    assert "reaches 0 exposed objects" in note and "--from any-pod" in note
    assert main(["paths", "--k8s", bundle(tmp_path), "-n", "tools", "-q"]) == 0
    table = capsys.readouterr().out
    assert "No attack paths found" in table and "note: searched from the internet" in table
    # A search that finds something carries no such note.
    doc, _ = paths(["--k8s", bundle(tmp_path), "-n", "tools", "--from", "any-pod"], capsys)
    assert doc["notes"] == []
