"""The benchmark's synthetic estate: a tiny one parses cleanly and its two halves join up."""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench._children import floors, run_cli
from bench._memory import TreePeak, tree_pss_mib
from bench.run import ensure_dumps
from bench.run import main as run_main
from bench.synth import main as synth
from ingest import load_k8s
from riskgraph.estate.aws_auth import aws_auth_mappings
from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws import IamGroup, IamRole, IamUser
from riskgraph.netpol.enforcement import detect

PODS = 300


def generate(directory: Path, *flags: str) -> tuple[Path, Path]:
    directory.mkdir(exist_ok=True)
    k8s, aws = directory / "estate.json", directory / "aws.json"
    synth(["--pods", str(PODS), "-o", str(k8s), "--aws-output", str(aws), *flags])
    return k8s, aws


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate(tmp_path_factory.mktemp("estate"))


@pytest.fixture(scope="module")
def inv(files: tuple[Path, Path]) -> Inventory:
    return load_k8s(files)


def test_estate_and_account_parse_without_problems(inv: Inventory) -> None:
    assert not inv.problems, [str(p) for p in inv.problems[:5]]
    aws = inv.aws
    assert len(aws.roles) == 200  # the floor: max(200, pods * 2 // 15)
    assert aws.users and aws.groups and aws.access_entries and aws.pod_identity_associations
    assert aws.buckets and aws.secrets and aws.parameters and aws.repositories and aws.kms_keys
    assert any(b.policy for b in aws.buckets)
    assert aws.cluster is not None and aws.cluster.reads_aws_auth


def test_each_document_appears_once(files: tuple[Path, Path]) -> None:
    documents = json.loads(files[1].read_text())
    listings = Counter(key for d in documents for key in d if key not in (
        "accessEntry", "nodegroup", "association", "Bucket", "Policy", "clusterName",
        "principalArn", "associatedAccessPolicies"))
    assert listings and set(listings.values()) == {1}, listings
    policies = [d["Bucket"] for d in documents if "Bucket" in d]
    assert policies and len(set(policies)) == len(policies)


def test_every_attached_policy_is_in_the_account(inv: Inventory) -> None:
    aws = inv.aws
    holders: list[IamRole | IamUser | IamGroup] = [*aws.roles, *aws.users, *aws.groups]
    attached = {a.policy_arn for h in holders for a in h.attached_managed_policies}
    assert attached and all(aws.managed_policy(arn) for arn in attached)
    for name in ("AdministratorAccess", "AmazonEKSWorkerNodePolicy"):
        assert aws.managed_policy(f"arn:aws:iam::aws:policy/{name}") is not None


def test_nodes_are_instances_of_their_node_group_role(inv: Inventory) -> None:
    aws = inv.aws
    assert inv.nodes
    for node in inv.nodes:
        instance = aws.instance_for(node)
        assert instance is not None and instance.iam_instance_profile is not None
        group = node.metadata.labels["eks.amazonaws.com/nodegroup"]
        nodegroup = aws.nodegroup(group)
        assert nodegroup is not None and nodegroup.node_role is not None
        profile = instance.iam_instance_profile.arn or ""
        assert [r.arn for r in aws.roles_of_profile(profile)] == [nodegroup.node_role]
    settings = {(i.metadata_options.http_tokens, i.metadata_options.http_put_response_hop_limit)
                for i in aws.instances if i.metadata_options}
    assert len(settings) > 1  # a mix of IMDS settings


def test_irsa_roles_trust_the_annotated_service_accounts(inv: Inventory) -> None:
    aws = inv.aws
    issuer = aws.cluster.oidc_issuer if aws.cluster else None
    annotated = [sa for sa in inv.service_accounts
                 if "eks.amazonaws.com/role-arn" in sa.metadata.annotations]
    assert annotated and issuer
    for sa in annotated:
        role = aws.role(sa.metadata.annotations["eks.amazonaws.com/role-arn"])
        assert role is not None and role.assume_role_policy_document is not None
        statement = role.assume_role_policy_document["Statement"][0]
        assert statement["Principal"]["Federated"].endswith(issuer)
    names = {(sa.metadata.namespace, sa.metadata.name) for sa in inv.service_accounts}
    for association in aws.pod_identity_associations:
        assert (association.namespace, association.service_account) in names
        assert aws.role(association.role_arn) is not None


def test_aws_auth_maps_the_node_roles(inv: Inventory) -> None:
    mappings, problems = aws_auth_mappings(inv)
    assert not problems
    mapped = {m.arn for m in mappings}
    assert {g.node_role for g in inv.aws.nodegroups} <= mapped
    assert all(inv.aws.principal(arn) for arn in mapped)


def test_same_seed_same_bytes_and_indent_same_values(
        files: tuple[Path, Path], tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in files]
    indented = generate(tmp_path / "indented", "--indent")
    for plain, pretty in zip(files, indented, strict=True):
        assert json.loads(pretty.read_text()) == json.loads(plain.read_text())


POLICIES = 40


@pytest.fixture(scope="module")
def policed_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate(tmp_path_factory.mktemp("policed"), "--pods", "3000",
                    "--policies", str(POLICIES))


def test_default_estate_has_one_deny_per_other_namespace_and_no_engine(inv: Inventory) -> None:
    assert [(p.metadata.name, p.spec.pod_selector.match_labels) for p in inv.network_policies] \
        == [("default-deny-ingress", {})]
    assert detect(inv) == (None, ())


def test_explicit_policies_are_spread_enforced_and_select_real_pods(
        policed_files: tuple[Path, Path]) -> None:
    policed = load_k8s(policed_files)
    assert not policed.problems, [str(p) for p in policed.problems[:5]]
    policies = policed.network_policies
    assert len(policies) == POLICIES
    per_namespace = Counter(p.metadata.namespace for p in policies)
    assert len(per_namespace) == 10 and set(per_namespace.values()) == {4}
    assert detect(policed)[0] is True
    app_rules = [p for p in policies if "-to-" in p.metadata.name]
    assert app_rules
    for policy in app_rules:
        assert policed.pods_matching(policy.metadata.namespace or "",
                                     policy.spec.pod_selector.match_labels), policy.metadata.name
    text = policed_files[0].read_text()
    for shape in ('"169.254.169.254/32"', '"endPort":9110', '"port":"http"', '"UDP"',
                  '"matchExpressions"'):
        assert shape in text, shape


def test_policies_are_deterministic_and_leave_the_rest_alone(
        files: tuple[Path, Path], tmp_path: Path) -> None:
    once = generate(tmp_path / "once", "--policies", "7")
    twice = generate(tmp_path / "twice", "--policies", "7")
    assert once[0].read_bytes() == twice[0].read_bytes()
    assert once[1].read_bytes() == files[1].read_bytes()

    def without(path: Path, *kinds: str) -> list[object]:
        """The objects but ``kinds``, without the random ids the policies shift."""
        objects = [o for o in json.loads(path.read_text())["items"] if o["kind"] not in kinds]
        for o in objects:
            for key in ("uid", "resourceVersion"):
                o["metadata"].pop(key, None)
        return objects

    added = ("NetworkPolicy", "DaemonSet", "Namespace", "ServiceAccount")
    assert without(once[0], *added) == without(files[0], *added)
    names = {(o["kind"], o["metadata"]["name"]) for o in without(once[0])} - {
        (o["kind"], o["metadata"]["name"]) for o in without(files[0])}
    assert names >= {("DaemonSet", "calico-node"), ("Namespace", "calico-system")}


def test_dump_names_carry_an_explicit_policy_count(tmp_path: Path) -> None:
    def names(policies: int | None) -> list[str]:
        for path in ensure_dumps(tmp_path, 10, False, 7, True, {"phases": {}}, policies):
            return [path.name]
        return []

    for name in ("estate-10-s7.json", "aws-10-s7.json", "estate-10-s7-np5.json",
                 "aws-10-s7-np5.json"):
        (tmp_path / name).touch()
    assert names(None) == ["estate-10-s7.json"]
    assert names(5) == ["estate-10-s7-np5.json"]


def test_floors_decode_the_files_in_children(files: tuple[Path, Path]) -> None:
    results: dict[str, Any] = {"phases": {}}
    floors(list(files), results)
    assert list(results["phases"]) == ["json.load", "orjson", "msgspec"]
    for row in results["phases"].values():
        assert row["seconds"] > 0 and row["cpu_seconds"] > 0 and row["peak_rss_mib"] > 0, row
    broken: dict[str, Any] = {"phases": {}}
    floors([files[0].with_name("missing.json")], broken)
    assert broken["phases"]["orjson"]["seconds"] is None
    assert "FileNotFoundError" in broken["phases"]["orjson"]["note"]


def test_cli_phase_runs_paths_end_to_end(files: tuple[Path, Path]) -> None:
    results: dict[str, Any] = {"phases": {}}
    run_cli(list(files), results)
    row = results["phases"]["cli"]
    # the child imports riskgraph and builds a graph: far more than a bare interpreter
    assert row["seconds"] > 0 and row["peak_rss_mib"] > 50 and row["cpu_seconds"] > 0
    assert re.search(r": [1-9]\d* paths to secrets \(graph at [\d.]+ s, wrote at [\d.]+ s\)$",
                     row["note"]), row
    run_cli([files[0].with_name("missing.json")], results)
    failed = results["phases"]["cli"]["note"]
    assert failed.startswith("exit 3: ") and "missing.json: no such file" in failed, failed


def test_run_reports_current_rss_and_skips_what_it_is_told(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_main(["--pods", str(PODS), "--keep", str(tmp_path), "--json", "--skip-cli",
              "--skip-decisions"])
    results = json.loads(capsys.readouterr().out)
    phases = results["phases"]
    assert "cli" not in phases and not {"groups", "fixes", "blast"} & set(phases)
    for phase in ("ingest", "build", "query"):
        assert 0 < phases[phase]["rss_mib"] <= phases[phase]["peak_rss_mib"], phases[phase]
        assert phases[phase]["cpu_seconds"] > 0, phases[phase]
    assert results["end_to_end_over_orjson"] > 0 and results["end_to_end_over_json_load"] > 0


def test_the_tree_peak_counts_the_workers_a_phase_forks() -> None:
    assert tree_pss_mib() > 1
    with TreePeak(interval=0.05) as tree:
        pid = os.fork()
        if pid == 0:
            time.sleep(0.5)
            os._exit(0)
        time.sleep(0.3)
        os.waitpid(pid, 0)
    assert tree.workers == 1 and tree.peak_mib >= tree_pss_mib() * 0.5
