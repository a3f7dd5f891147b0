"""``riskgraph who-can`` and ``riskgraph rbac`` end to end: real parser, real graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskgraph.cli import main

PAYMENTS_DB = "k8s:Secret:payments/payments-db"

ESTATE = """
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: Secret
metadata: {name: lonely, namespace: vault}
---
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
kind: RoleBinding
metadata: {name: readers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app}]
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


@pytest.fixture
def estate(tmp_path: Path) -> str:
    path = tmp_path / "estate.yaml"
    path.write_text(ESTATE)
    return str(path)


def test_demo_who_can_reach_the_payments_password(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["who-can", "--demo", "-q", "--to", PAYMENTS_DB, "--format", "json"],
                       capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"targets", "sources", "summary", "problems"}
    assert doc["targets"] == [PAYMENTS_DB]
    ids = [source["id"] for source in doc["sources"]]
    for wanted in ("internet", "k8s:Deployment:web/storefront",
                   "k8s:ServiceAccount:batch/report-runner",
                   "arn:aws:iam::111122223333:user/ops-breakglass",
                   "arn:aws:iam::111122223333:role/platform-admins"):
        assert wanted in ids
    for source in doc["sources"]:
        assert {"id", "kind", "cost", "confidence", "hops", "via"} <= set(source)
        assert source["via"]["technique"] and source["via"]["to"]
    assert sum(doc["summary"]["by_kind"].values()) == len(doc["sources"])
    assert doc["summary"]["truncated"] is False
    _, table, _ = run(["who-can", "--demo", "-q", "--to", PAYMENTS_DB], capsys)
    assert "first: net.internet-exposed -> k8s:Service:web/storefront" in table
    _, short, _ = run(["who-can", "--demo", "-q", "--to", PAYMENTS_DB, "--top", "2"], capsys)
    assert "... and more, costlier (raise --top" in short
    assert short.count("first:") == 2


def test_explain_prints_one_route_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["who-can", "--demo", "-q", "--to", PAYMENTS_DB, "--explain",
                        "internet", "--format", "json"], capsys)
    assert code == 0
    [path] = json.loads(out)["paths"]
    assert (path["source"], path["target"]) == ("internet", PAYMENTS_DB)
    # The source may rank past --top: --explain searches for every source.
    code, out, _ = run(["who-can", "--demo", "-q", "--to", PAYMENTS_DB, "--top", "1",
                        "--explain", "internet"], capsys)
    assert code == 0 and out.startswith(f"Path 1: internet -> {PAYMENTS_DB}")
    code, _, err = run(["who-can", "--demo", "-q", "--to", PAYMENTS_DB, "--explain",
                        "k8s:Pod:kube-system/nothing-here"], capsys)
    assert code == 2 and "reaches none of the targets" in err


def test_demo_who_can_get_secrets_in_payments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["who-can", "--demo", "-q", "get", "secrets", "-n", "payments"],
                       capsys)
    assert code == 0
    assert out.startswith("Who can get secrets in namespace payments:")
    lines = out.splitlines()
    runner = next(i for i, line in enumerate(lines)
                  if line.endswith("k8s:ServiceAccount:batch/report-runner"))
    assert lines[runner].startswith("direct")
    assert "k8s:ClusterRoleBinding:report-runner-admin" in lines[runner + 1]
    assert any(line.startswith("via escalation") and line.endswith("internet")
               for line in lines)


def test_holders_in_a_small_estate_and_unknown_resources(
        estate: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["who-can", "--k8s", estate, "-q", "get", "secrets", "-n", "shop",
                        "--format", "json"], capsys)
    assert code == 0
    holders = {h["id"]: h for h in json.loads(out)["holders"]}
    assert holders["k8s:ServiceAccount:shop/app"]["how"] == "direct"
    _, other, _ = run(["who-can", "--k8s", estate, "-q", "get", "secrets", "-n", "vault",
                       "--format", "json"], capsys)
    assert "k8s:ServiceAccount:shop/app" not in {h["id"] for h in json.loads(other)["holders"]}
    code, _, err = run(["who-can", "--k8s", estate, "-q", "get", "widgets"], capsys)
    assert code == 2 and "'widgets' is not one riskgraph knows" in err


def test_a_target_nothing_reaches_is_an_empty_answer_exit_0(
        estate: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Cluster admins (system:masters, always there) reach everything; leave them out.
    lonely = ["who-can", "--k8s", estate, "-q", "--to", "k8s:Secret:vault/lonely",
              "--avoid", "k8s:ClusterAdmin"]
    code, out, _ = run(lonely, capsys)
    assert code == 0
    assert out.startswith("Nothing reaches k8s:Secret:vault/lonely within the bounds")
    code, out, _ = run([*lonely, "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["sources"] == []
    # The other secret is reachable: the service account's binding reads it.
    _, found, _ = run(["who-can", "--k8s", estate, "-q", "--to", "k8s:Secret:shop/db",
                       "--format", "json"], capsys)
    assert "k8s:ServiceAccount:shop/app" in {s["id"] for s in json.loads(found)["sources"]}


def test_rbac_view_of_the_batch_account(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rbac", "--demo", "-q", "sa:batch/report-runner"], capsys)
    assert code == 0
    assert "k8s:ClusterRole:cluster-admin" in out
    assert "k8s:ClusterRoleBinding:report-runner-admin" in out and "rbac.wildcard" in out
    _, wide, _ = run(["rbac", "--demo", "-q", "sa:batch/report-runner", "--wide"], capsys)
    assert "* * [*]" in wide and "URLs *" in wide
    _, doc, _ = run(["rbac", "--demo", "-q", "sa:batch/report-runner", "--format", "json"],
                    capsys)
    [binding] = json.loads(doc)["bindings"]
    assert binding["scope"] == "cluster-wide" and binding["platform_default"] is False


def test_rbac_view_of_a_subject_that_holds_nothing(
        estate: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rbac", "--k8s", estate, "-q", "user:nobody"], capsys)
    assert code == 0
    assert "holds no RBAC binding and no EKS access policy" in out
    code, out, _ = run(["rbac", "--k8s", estate, "-q", "sa:shop/default", "--format",
                        "json"], capsys)
    assert code == 0 and json.loads(out)["bindings"] == []
    code, _, err = run(["rbac", "--k8s", estate, "-q", "sa:shop/ghost"], capsys)
    assert code == 2 and "names nothing in the input" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "internet", "--to", "secret"], "not --from"),
    (["get"], "two words"),
    (["get", "secrets", "--to", "secret"], "not both"),
    ([], "give --to SELECTOR"),
    (["--to", "secret", "-n", "shop"], "-n NS scopes VERB RESOURCE"),
])
def test_who_can_usage_errors(args: list[str], message: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert message in usage_error(["who-can", "--demo", *args], capsys)
