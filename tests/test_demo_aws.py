"""The demo estate's AWS account: the mixed Kubernetes/AWS routes issue 4 promises."""

from __future__ import annotations

import json
from typing import Any

import pytest

from riskgraph.cli import main

ACCOUNT = "111122223333"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-prod-node"


def paths(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["paths", "--demo", "-q", "--format", "json", *args]) in (0, 1)
    found: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["paths"]
    return found


def techniques(path: dict[str, Any]) -> list[str]:
    return [step["technique"] for step in path["steps"]]


def test_public_pod_without_irsa_reaches_aws_admin_through_the_node_role(
        capsys: pytest.CaptureFixture[str]) -> None:
    [route] = paths(capsys, "--to", "aws-admin")
    hops = [step["to"] for step in route["steps"]]
    assert route["target"] == f"aws:Admin:{ACCOUNT}"
    assert hops[1] == "k8s:Container:web/storefront/nginx" and hops[2] == NODE_ROLE
    assert techniques(route)[2] == "pod.imds"
    assert "IMDSv1 is allowed" in route["steps"][2]["reason"]
    assert f"arn:aws:iam::{ACCOUNT}:role/report-ec2-runner" in hops
    assert techniques(route)[-1] == "aws.admin" and "aws.passrole" in techniques(route)


def test_secret_covers_kubernetes_and_aws_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    by_target = {p["target"]: p for p in paths(capsys, "--to", "secret")}
    csi = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:payments/db-master-Ab12Cd"
    assert "k8s:Secret:payments/payments-db" in by_target and csi in by_target
    assert techniques(by_target[csi])[-1] == "pod.csi-secret"
    aws_only = {p["target"] for p in paths(capsys, "--to", "aws-secret")}
    assert csi in aws_only and not any(t.startswith("k8s:") for t in aws_only)


def test_the_batch_job_reads_its_bucket_through_irsa(capsys: pytest.CaptureFixture[str]) -> None:
    by_target = {p["target"]: p for p in paths(capsys, "--from", "sa:batch/report-runner",
                                               "--to", "s3")}
    route = by_target["arn:aws:s3:::shop-prod-reports"]
    assert techniques(route) == ["pod.irsa", "aws.data-read"]
    assert route["steps"][0]["to"] == f"arn:aws:iam::{ACCOUNT}:role/batch-report"


def test_an_iam_user_mapped_in_aws_auth_is_cluster_admin(
        capsys: pytest.CaptureFixture[str]) -> None:
    [route] = paths(capsys, "--from", f"arn:aws:iam::{ACCOUNT}:user/ops-breakglass",
                    "--to", "cluster-admin")
    assert techniques(route) == ["aws.eks-aws-auth", "k8s.masters"]
    assert route["steps"][0]["to"] == "k8s:Group:system:masters"


def test_an_access_entry_role_is_cluster_admin(capsys: pytest.CaptureFixture[str]) -> None:
    [route] = paths(capsys, "--from", f"arn:aws:iam::{ACCOUNT}:role/platform-admins",
                    "--to", "cluster-admin")
    assert techniques(route) == ["aws.eks-access-entry"]


def test_without_the_aws_files_no_aws_vertex_is_reached(
        capsys: pytest.CaptureFixture[str]) -> None:
    from riskgraph.demo import demo_files

    assert main(["paths", "-q", "--format", "json", "--to", "secret",
                 "--k8s", *map(str, demo_files())]) == 0
    targets = {p["target"] for p in json.loads(capsys.readouterr().out)["paths"]}
    assert targets and all(t.startswith("k8s:Secret:") for t in targets)


def test_a_run_time_condition_makes_the_step_likely_and_names_its_key(
        capsys: pytest.CaptureFixture[str]) -> None:
    [route] = paths(capsys, "--from", f"arn:aws:iam::{ACCOUNT}:user/ops-breakglass",
                    "--to", f"arn:aws:iam::{ACCOUNT}:role/platform-admins", "--evidence")
    [step] = route["steps"]
    assert step["technique"] == "aws.assume-role" and step["confidence"] == "likely"
    assert main(["graph", "--demo", "-q"]) == 0
    graph = json.loads(capsys.readouterr().out)
    [edge] = [e for e in graph["edges"] if e["key"] == "aws.assume-role"
              and e["source"].endswith("user/ops-breakglass")]
    assert any("aws:MultiFactorAuthPresent" in line for line in edge["evidence"])


def test_the_storefront_reaches_the_session_cache_through_the_node_group(
        capsys: pytest.CaptureFixture[str]) -> None:
    sessions = f"arn:aws:elasticache:us-east-1:{ACCOUNT}:cluster:shop-sessions-001"
    routes = paths(capsys, "--to", sessions)
    route = next(r for r in routes if any(
        s["to"] == "k8s:Container:web/storefront/nginx" for s in r["steps"]))
    assert techniques(route)[-2:] == ["net.reach-aws", "net.reach-aws"]
    assert route["steps"][-2]["to"] == "hub:net-reach-aws:sg/sg-0demo0nodes00001"
    assert route["steps"][-1]["reason"].startswith(
        "traffic with security groups sg-0demo0nodes00001 reaches ElastiCache cache cluster "
        "shop-sessions-001 (redis) on 6379")
    assert sessions in {p["target"] for p in paths(capsys, "--to", "data-store")}


def test_the_summary_line_counts_what_the_network_side_reads(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", "--demo", "--to", "data-store", "--format", "json"]) in (0, 1)
    [summary] = [line for line in capsys.readouterr().err.splitlines() if "AWS: " in line]
    parts = summary.partition("AWS: ")[2].rpartition(" [")[0].split(", ")
    assert {"1 database", "1 VPC service", "1 VPC", "3 security groups"} <= set(parts)
