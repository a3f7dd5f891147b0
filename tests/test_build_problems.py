"""Problems found while building the graph reach the user: stderr, the JSON output and
``graph.graph["problems"]``; a permissions boundary missing from the input keeps the
principal's grants at ``possible``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest import load_k8s
from riskgraph.builder import build_graph
from riskgraph.cli import main

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ops"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/ops-boundary"
ADMIN = f"aws:Admin:{ACCOUNT}"


def _inline(name: str, statement: object, version: str = "2012-10-17") -> dict[str, Any]:
    return {"PolicyName": name, "PolicyDocument": {"Version": version, "Statement": statement}}


def _account(policies: list[dict[str, Any]], boundary: bool, boundary_in_input: bool
             ) -> dict[str, Any]:
    role: dict[str, Any] = {"RoleName": "ops", "Arn": ROLE, "RolePolicyList": policies}
    if boundary:
        role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                       "PermissionsBoundaryArn": BOUNDARY}
    managed = [{"PolicyName": "ops-boundary", "Arn": BOUNDARY, "DefaultVersionId": "v1",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True,
                                       "Document": {"Statement": [
                                           {"Effect": "Allow", "Action": "*",
                                            "Resource": "*"}]}}]}]
    return {"RoleDetailList": [role], "UserDetailList": [], "GroupDetailList": [],
            "Policies": managed if boundary_in_input else []}


ADMIN_POLICY = _inline("all", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
BROKEN = [
    _inline("maybe", [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]),
    _inline("typo", [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]),
]


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "iam.json"
    path.write_text(json.dumps(doc))
    return path


def test_policy_problems_reach_stderr_json_and_the_graph(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _account([*BROKEN, ADMIN_POLICY], False, False))
    code = main(["paths", "--aws", str(path), "--from", ROLE, "--to", "aws-admin",
                 "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    problems = json.loads(captured.out)["problems"]
    assert any("maybe" in p and "'Maybe'" in p for p in problems)
    assert any("typo" in p and "s3:GetObjekt" in p for p in problems)
    for problem in problems:
        assert f"input problem: {problem}" in captured.err
    assert "2 input problems in all" in captured.err
    graph = build_graph(load_k8s([path]))
    assert graph.graph["problems"] == problems


def test_quiet_keeps_problems_in_the_json_but_off_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _account([*BROKEN, ADMIN_POLICY], False, False))
    main(["paths", "--aws", str(path), "--from", ROLE, "--to", "aws-admin", "--format",
          "json", "-q"])
    captured = capsys.readouterr()
    assert captured.err == ""
    assert len(json.loads(captured.out)["problems"]) == 2


def test_clean_input_has_no_problems(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, _account([ADMIN_POLICY], True, True))
    main(["paths", "--aws", str(path), "--from", ROLE, "--to", "aws-admin", "--format",
          "json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["problems"] == []
    assert "input problem" not in captured.err


def _admin_step(tmp_path: Path, boundary: bool, in_input: bool) -> dict[str, Any]:
    graph = build_graph(load_k8s([_write(tmp_path, _account([ADMIN_POLICY], boundary,
                                                             in_input))]))
    data: dict[str, Any] = graph.edges[ROLE, ADMIN, "aws.admin"]
    data["problems"] = graph.graph["problems"]
    return data


def test_a_missing_boundary_is_a_problem_and_keeps_the_grant_possible(
        tmp_path: Path) -> None:
    edge = _admin_step(tmp_path, boundary=True, in_input=False)
    assert edge["confidence"] == "possible"
    assert any(BOUNDARY in e and "not in the input" in e for e in edge["evidence"])
    assert any(p.startswith(BOUNDARY) and "'possible'" in p for p in edge["problems"])


@pytest.mark.parametrize("boundary", [False, True])
def test_a_known_boundary_or_none_leaves_the_grant_certain(tmp_path: Path,
                                                           boundary: bool) -> None:
    edge = _admin_step(tmp_path, boundary=boundary, in_input=True)
    assert edge["confidence"] == "certain"
    assert edge["problems"] == []


@pytest.mark.parametrize(("policy", "said"), [
    (_inline("text", "Allow everything"), "a statement must be an object"),
    (_inline("operator", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                           "Condition": {"StringEqualz": {"aws:username": "x"}}}]),
     "unknown condition operator StringEqualz"),
    (_inline("nested", [{"Effect": "Allow", "Action": [["s3:GetObject"]], "Resource": "*"}]),
     "Action must be a string or a list of strings"),
    (_inline("version", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
             "2020-01-01"), "Version '2020-01-01' is not one IAM accepts"),
])
def test_each_kind_of_invalid_policy_is_reported(tmp_path: Path, policy: dict[str, Any],
                                                 said: str) -> None:
    graph = build_graph(load_k8s([_write(tmp_path, _account([policy], False, False))]))
    [problem] = graph.graph["problems"]
    assert problem.startswith(f"{ROLE} inline {policy['PolicyName']}: ") and said in problem


@pytest.mark.parametrize("version", ["2008-10-17", "2012-10-17"])
def test_accepted_versions_are_no_problem(tmp_path: Path, version: str) -> None:
    policy = _inline("ok", [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                     version)
    graph = build_graph(load_k8s([_write(tmp_path, _account([policy], False, False))]))
    assert graph.graph["problems"] == []
