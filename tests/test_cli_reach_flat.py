"""``riskgraph reach``: --network-policy flat answers allowed and says what the policies
would do, several ports in a matrix, replicas grouped by owner, and pods that were skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskgraph.cli import main

VAULT = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: vault}
spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: vault}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""

REPLICAS = "".join(f"""
---
apiVersion: v1
kind: Pod
metadata:
  name: api-7d9f-{suffix}
  namespace: shop
  labels: {{app: api}}
  ownerReferences: [{{kind: ReplicaSet, name: api-7d9f, controller: true, uid: u}}]
spec: {{nodeName: n{suffix}, containers: [{{name: api, image: api}}]}}
""" for suffix in ("a", "b", "c"))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["reach", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def vault(tmp_path: Path) -> str:
    (tmp_path / "vault.yaml").write_text(VAULT)
    return str(tmp_path / "vault.yaml")


QUESTION = ["--from", "pod:shop/web", "--to", "pod:vault/db"]


def test_flat_answers_allowed_and_says_what_the_policies_would_do(
        vault: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--k8s", vault, "-q", "--network-policy", "flat", *QUESTION], capsys)
    assert code == 0
    assert out.startswith("ALLOWED  shop/web -> vault/db on 5432/TCP")
    assert "taken as flat" in out and "would answer blocked" in out and "vault/deny-all" in out
    assert "deciding policies: none" in out
    code, out, _ = run(["--k8s", vault, "-q", "--network-policy", "flat", *QUESTION,
                        "--port", "5432", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["allowed"] is True and doc["policies"] == []
    assert doc["if_enforced"] == {"allowed": False, "policies": ["vault/deny-all"]}


@pytest.mark.parametrize("mode", ["detect", "enforced"])
def test_otherwise_the_policies_decide(vault: str, capsys: pytest.CaptureFixture[str],
                                       mode: str) -> None:
    code, out, _ = run(["--k8s", vault, "-q", "--network-policy", mode, *QUESTION,
                        "--port", "5432", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["allowed"] is False and "if_enforced" not in doc


def test_flat_matrix_allows_every_cell_and_keeps_the_policies_cells(
        vault: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["--k8s", vault, "-q", "--network-policy", "flat", "--matrix",
                     "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["allowed"] == [[True, True], [True, True]]
    assert doc["if_enforced"] == [[True, False], [True, True]]
    _, out, _ = run(["--k8s", vault, "-q", "--network-policy", "flat", "--matrix"], capsys)
    assert "the policies would block 1 of 4" in out
    _, out, _ = run(["--k8s", vault, "-q", "--matrix", "--format", "json"], capsys)
    assert "if_enforced" not in json.loads(out)


def test_matrix_takes_several_ports(vault: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--k8s", vault, "-q", "--matrix", "--port", "80", "--port", "53/UDP",
                        "--format", "json"], capsys)
    assert code == 0
    assert [grid["port"] for grid in json.loads(out)] == ["80/TCP", "53/UDP"]
    _, out, _ = run(["--k8s", vault, "-q", "--matrix", "--port", "80", "--port", "53/UDP"],
                    capsys)
    assert "on 80/TCP" in out and "on 53/UDP" in out


def test_matrix_groups_replicas_by_owner(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shop.yaml").write_text(VAULT + REPLICAS)
    _, out, _ = run(["--k8s", str(tmp_path), "-q", "--matrix", "--namespace", "shop",
                     "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["pods"] == ["k8s:Pod:shop/api-7d9f", "k8s:Pod:shop/web"]
    assert doc["members"][0] == [f"k8s:Pod:shop/api-7d9f-{s}" for s in "abc"]
    assert doc["members"][1] == ["k8s:Pod:shop/web"]
    _, out, _ = run(["--k8s", str(tmp_path), "-q", "--matrix", "--namespace", "shop"], capsys)
    assert "shop/api-7d9f (ReplicaSet, 3 pods)" in out
    assert "api-7d9f-b" not in out


def test_a_pod_without_an_owner_keeps_its_own_row(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    lone = REPLICAS.replace("controller: true", "controller: false")
    (tmp_path / "shop.yaml").write_text(VAULT + lone)
    _, out, _ = run(["--k8s", str(tmp_path), "-q", "--matrix", "--namespace", "shop",
                     "--format", "json"], capsys)
    assert len(json.loads(out)["pods"]) == 4


def test_a_pod_skipped_as_malformed_is_named_as_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = VAULT.replace("spec: {containers: [{name: db,", "spec: {containers: [{name: [db],")
    (tmp_path / "vault.yaml").write_text(broken)
    code, _, err = run(["--k8s", str(tmp_path), "-q", *QUESTION], capsys)
    assert code == 2
    assert "'pod:vault/db' was skipped when the input was read" in err
    assert "vault.yaml" in err and "malformed" in err
    code, _, err = run(["--k8s", str(tmp_path), "-q", "--from", "pod:shop/web", "--to",
                        "pod:vault/dbb"], capsys)
    assert code == 2 and "names no pod in the input" in err
