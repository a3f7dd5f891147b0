"""Deciding what to fix: route groups, ranked fixes proven by search, blast radius and
what-if questions, on the demo, on hand-made graphs and on generated manifests."""

from __future__ import annotations

import json
import random
from pathlib import Path

import networkx as nx
import pytest

from ingest import inventory_from_text, load_k8s
from queries import (
    attack_paths,
    blast_radius,
    fixes,
    paths_document,
    route_groups,
)
from queries._part import pruned, walk_part
from queries._prune import Walker
from queries.blast import rank_by_blast
from queries.fixes import FixLab, lab_for
from queries.fixpoints import fix_of
from queries.paths import answer, ask
from riskgraph import build_graph
from riskgraph.cli import main
from riskgraph.demo import demo_dir
from riskgraph.errors import SelectorError
from riskgraph.graph import vertex_attrs

NODE_ROLE = "arn:aws:iam::111122223333:role/shop-prod-node"
STRUCTURAL = {"pod.contains", "schedule.on", "node.controls-pod", "k8s.admin-reach",
              "k8s.masters", "net.routes-to"}


@pytest.fixture(scope="module")
def demo() -> nx.MultiDiGraph:
    return build_graph(load_k8s([demo_dir()]))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([*args, "--quiet"])
    return code, capsys.readouterr().out


# --- fixes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [("internet", "secret"),
                                                ("internet", "aws-admin"),
                                                ("any-pod", "cluster-admin")])
def test_demo_fixes_remove_every_path_and_each_number_is_measured(
        demo: nx.MultiDiGraph, source: str, target: str) -> None:
    plan = fixes(demo, source, target)
    assert len(plan.before) > 0 and len(plan.after) == 0
    blocked: list[tuple[str, str, str]] = []
    left = len(plan.before)
    for ranked in plan.fixes:
        blocked.extend(ranked.edges)
        after = attack_paths(demo, source, target, top=None, blocked_edges=blocked)
        assert len(after) == ranked.remaining
        assert left - ranked.remaining == ranked.removes
        left = ranked.remaining
    assert left == 0


def test_fixes_never_offer_a_structural_step_or_a_hub_fan_out(demo: nx.MultiDiGraph) -> None:
    for source, target in (("internet", "secret"), ("any-pod", "secret"),
                           ("any-pod", "cluster-admin")):
        for ranked in fixes(demo, source, target).fixes:
            for edge_source, _, technique in ranked.edges:
                assert technique not in STRUCTURAL
                assert not edge_source.startswith(("hub:", "aws:Admin:", "k8s:ClusterAdmin"))


def test_a_route_of_structural_steps_only_gets_no_fix() -> None:
    graph = nx.MultiDiGraph()
    for vertex, crown in (("k8s:Pod:a/p", None), ("k8s:Container:a/p/c", None),
                          ("k8s:ClusterAdmin", "cluster-admin"),
                          ("k8s:Secret:a/s", "secret")):
        graph.add_node(vertex, **vertex_attrs(vertex, crown_jewel=crown))
    for source, target, technique in (("k8s:Pod:a/p", "k8s:Container:a/p/c", "pod.contains"),
                                      ("k8s:Container:a/p/c", "k8s:ClusterAdmin", "k8s.masters"),
                                      ("k8s:ClusterAdmin", "k8s:Secret:a/s", "k8s.admin-reach")):
        graph.add_edge(source, target, key=technique, technique=technique, cost=1.0,
                       confidence="certain", reason="", evidence=[])
    plan = fixes(graph, "pod:a/p", "secret")
    assert len(plan.before) == 1 and plan.fixes == () and len(plan.after) == 1
    assert plan.to_dict()["summary"]["paths_after"] == 1


def test_one_fix_at_a_shared_choke_point_beats_fixes_at_the_edges() -> None:
    # Three exposed pods each mount their own secret through one binding-granted read hub:
    # the binding is on every route; each mount is on one.
    docs = []
    for i in range(3):
        docs.append(f"""
apiVersion: v1
kind: Service
metadata: {{name: web{i}, namespace: shop}}
spec: {{type: LoadBalancer, selector: {{app: web{i}}}, ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: web{i}, namespace: shop, labels: {{app: web{i}}}}}
spec:
  serviceAccountName: reader
  containers: [{{name: c, image: nginx, ports: [{{containerPort: 80}}]}}]
---
apiVersion: v1
kind: Secret
metadata: {{name: s{i}, namespace: shop}}
""")
    docs.append("""
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-secrets, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-secrets, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-secrets}
subjects: [{kind: ServiceAccount, name: reader, namespace: shop}]
""")
    graph = build_graph(inventory_from_text("\n---\n".join(docs)))
    plan = fixes(graph, "internet", "secret")
    assert len(plan.before) == 3
    first = plan.fixes[0]
    assert first.fix.object == "k8s:RoleBinding:shop/reader-secrets"
    assert first.removes == 3 and first.remaining == 0 and len(plan.fixes) == 1


def test_apply_fixes_in_the_cli_leaves_what_fixes_printed(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["fixes", "--demo", "--to", "secret", "--format", "json"], capsys)
    assert code == 0
    plan = json.loads(out)
    assert plan["summary"]["paths_after"] == 0
    for fix in plan["fixes"]:
        assert set(fix) >= {"rank", "object", "field", "file", "line", "technique", "change",
                            "remediation", "removes", "remaining", "edges"}
        code, out = run(["paths", "--demo", "--to", "secret", "--top", "100", "--format",
                         "json", "--apply-fixes", str(fix["rank"])], capsys)
        assert len(json.loads(out)["paths"]) == fix["remaining"]["paths"]


def test_fixes_diagram_marks_the_cut_edges(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["fixes", "--demo", "--to", "secret", "--format", "dot"], capsys)
    assert code == 0
    assert "&#x2702; fix 1" in out and "&#x2702; fix 4" in out
    code, out = run(["paths", "--demo", "--to", "secret", "--format", "dot"], capsys)
    assert "&#x2702;" not in out


def test_fixes_table_says_the_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["fixes", "--demo", "--to", "secret"], capsys)
    assert code == 0
    assert "Fix 1: " in out and "remove 100% of paths to secret" in out
    code, out = run(["fixes", "--demo", "--from", "k8s:Secret:web/storefront-tls"], capsys)
    assert code == 0 and "No attack paths found, so nothing to fix" in out


def test_a_live_replica_is_fixed_in_its_workload_template() -> None:
    attrs = {"technique": "escape.privileged",
             "evidence": ["k8s:Pod:shop/api-5d8-x2: spec.containers[0].securityContext."
                          "privileged=true"]}
    kinds = {"k8s:Container:shop/api-5d8-x2/c": "Container"}
    fix = fix_of("k8s:Container:shop/api-5d8-x2/c", "k8s:Node:n1", attrs, kinds,
                 {"k8s:Pod:shop/api-5d8-x2": "Deployment/api"})
    assert fix is not None and fix.object == "k8s:Deployment:shop/api"
    assert fix.field == "spec.template.spec.containers[0].securityContext.privileged"
    alone = fix_of("k8s:Container:shop/api-5d8-x2/c", "k8s:Node:n1", attrs, kinds, {})
    assert alone is not None and alone.object == "k8s:Pod:shop/api-5d8-x2"


# --- route groups ---------------------------------------------------------------------------

def test_demo_groups_cover_every_path_once_and_name_a_fix_on_each_route(
        demo: nx.MultiDiGraph) -> None:
    question = ask(demo, "internet", "secret")
    found = answer(demo, question, 100)
    groups = route_groups(found, FixLab(demo, question))
    members = sorted(i for group in groups for i in group.members)
    assert members == list(range(len(found)))
    for group in groups:
        assert all(found[i].steps[0].technique == "net.internet-exposed" for i in group.members)
        assert tuple(s.technique for s in found[group.members[0]].steps) == group.pattern
        assert group.fix_first is not None


def test_replicas_of_one_pattern_form_one_group_whose_fix_first_is_a_real_choke_point(
        ) -> None:
    # Twelve exposed workloads whose pods all run as service accounts that one cluster-wide
    # binding lets read every secret: twelve routes, one pattern, one binding to change.
    docs = ["""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: legacy-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-secrets}
subjects: [{kind: Group, name: "system:serviceaccounts", apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view-secrets}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
"""]
    for i in range(12):
        docs.append(f"""
apiVersion: v1
kind: Service
metadata: {{name: app{i}, namespace: team{i}}}
spec: {{type: LoadBalancer, selector: {{app: app{i}}}, ports: [{{port: 80}}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app{i}, namespace: team{i}}}
spec:
  selector: {{matchLabels: {{app: app{i}}}}}
  template:
    metadata: {{labels: {{app: app{i}}}}}
    spec:
      containers: [{{name: c, image: "app:1", ports: [{{containerPort: 80}}]}}]
---
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: team{i}}}
""")
    graph = build_graph(inventory_from_text("\n---\n".join(docs)))
    question = ask(graph, "internet", "secret")
    found = answer(graph, question, 100)
    assert len(found) == 12
    groups = route_groups(found, FixLab(graph, question))
    assert len(groups) < len(found) / 3
    biggest = max(groups, key=lambda g: len(g.members))
    assert biggest.fix_first is not None
    assert biggest.fix_first.object == "k8s:ClusterRoleBinding:legacy-reader"
    edges = FixLab(graph, question).candidates[biggest.fix_first.key][1]
    left = {p.target for p in attack_paths(graph, top=None, blocked_edges=edges)}
    assert not left & {found[i].target for i in biggest.members}


def test_paths_json_groups_index_paths(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(["paths", "--demo", "--to", "secret", "--format", "json"], capsys)
    doc = json.loads(out)
    for group in doc["groups"]:
        assert set(group) >= {"pattern", "via", "paths", "targets"}
        assert group["targets"] == len({doc["paths"][i]["target"] for i in group["paths"]})
        for i in group["paths"]:
            assert [s["technique"] for s in doc["paths"][i]["steps"]] == group["pattern"]


def test_grouped_brief_and_ungrouped_tables(capsys: pytest.CaptureFixture[str]) -> None:
    _, grouped = run(["paths", "--demo", "--to", "secret"], capsys)
    assert grouped.startswith("Route group 1:") and "fix first:" in grouped
    _, brief = run(["paths", "--demo", "--to", "secret", "--brief"], capsys)
    lines = [line for line in brief.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert lines and "internet -> " in lines[0]
    _, ungrouped = run(["paths", "--demo", "--to", "secret", "--ungrouped"], capsys)
    assert ungrouped.startswith("Path 1:")


def test_a_paths_document_without_a_lab_still_groups(demo: nx.MultiDiGraph) -> None:
    doc = paths_document(attack_paths(demo, "internet", "secret"))
    assert doc["groups"] and doc["summary"]["paths"] == len(doc["paths"])


# --- blast radius ---------------------------------------------------------------------------

def test_demo_storefront_blast_names_secrets_the_node_role_and_aws_admin(
        demo: nx.MultiDiGraph) -> None:
    blast = blast_radius(demo, "pod:web/storefront")
    reached = {r.id: r for r in blast.reachable}
    assert "aws:Admin:111122223333" in reached and NODE_ROLE in reached
    assert "k8s:Secret:payments/payments-db" in reached
    assert blast.crown_jewels["secret"] >= 4 and blast.crown_jewels["aws-admin"] == 1
    assert not any(r.startswith("hub:") for r in reached)
    costs = [r.cost for r in blast.reachable]
    assert costs == sorted(costs)
    assert {p.target for p in blast.routes} == {r.id for r in blast.reachable if r.crown_jewel}


def test_blast_bounds_and_an_empty_radius(demo: nx.MultiDiGraph) -> None:
    full = blast_radius(demo, "pod:web/storefront")
    cheap = blast_radius(demo, "pod:web/storefront", max_cost=2.0)
    assert 0 < len(cheap.reachable) < len(full.reachable)
    assert all(r.cost <= 2.0 for r in cheap.reachable)
    assert all(r.hops <= 2 for r in blast_radius(demo, "pod:web/storefront",
                                                 max_hops=2).reachable)
    nothing = blast_radius(demo, "k8s:Secret:web/storefront-tls")
    assert nothing.reachable == () and nothing.to_dict()["summary"]["crown_jewels"] == {}


def test_blast_cli_and_rank(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["blast", "--demo", "--from", "pod:web/storefront", "--format", "json"],
                    capsys)
    doc = json.loads(out)
    assert code == 0 and set(doc) == {"source", "reachable", "summary"}
    assert set(doc["reachable"][0]) == {"id", "kind", "crown_jewel", "cost", "confidence",
                                        "hops"}
    code, out = run(["blast", "--demo", "--from", "pod:web/storefront"], capsys)
    assert "Blast radius of k8s:Pod:web/storefront" in out
    for named in ("aws:Admin:111122223333", NODE_ROLE, "k8s:Secret:payments/payments-db"):
        assert named in out
    code, out = run(["blast", "--demo", "--from", "any-pod", "--rank"], capsys)
    assert code == 0 and out.splitlines()[1].lstrip().startswith("1 ")


def test_rank_by_blast_puts_the_riskiest_first(demo: nx.MultiDiGraph) -> None:
    ranked = rank_by_blast(demo, "any-pod")
    jewels = [sum(b.crown_jewels.values()) for b in ranked]
    assert jewels == sorted(jewels, reverse=True) and jewels[0] > 0


# --- what-if --------------------------------------------------------------------------------

def test_avoid_technique_answers_what_if_imdsv2(demo: nx.MultiDiGraph,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = attack_paths(demo, "internet", "aws-admin")
    assert any(s.technique == "pod.imds" for p in before for s in p.steps)
    after = attack_paths(demo, "internet", "aws-admin", avoid_techniques=["pod.imds"])
    assert not any(s.technique == "pod.imds" for p in after for s in p.steps)
    with pytest.raises(SelectorError, match="riskgraph techniques"):
        attack_paths(demo, avoid_techniques=["pod.imdz"])
    code = main(["paths", "--demo", "--avoid-technique", "pod.imdz", "-q"])
    assert code == 2


@pytest.mark.parametrize("seed", range(20))
def test_reachability_by_hops_agrees_with_the_path_search(seed: int) -> None:
    rng = random.Random(seed)
    everything = ["internet", *(f"k8s:Pod:r/p{i}" for i in range(6)),
                  *(f"k8s:Secret:r/s{i}" for i in range(3))]
    graph = nx.MultiDiGraph()
    for vertex in everything:
        graph.add_node(vertex, **vertex_attrs(vertex, entry=vertex == "internet",
                                              crown_jewel="secret" if "Secret" in vertex
                                              else None))
    for _ in range(rng.randint(6, 20)):
        a, b = rng.sample(everything, 2)
        graph.add_edge(a, b, key=f"t{rng.randint(0, 2)}", technique=f"t{rng.randint(0, 2)}",
                       cost=rng.choice([0.5, 1.0, 3.0]), traversable=rng.random() > 0.15)
    question = ask(graph, rng.choice(["internet", "any-pod"]), "secret",
                   max_hops=rng.randint(1, 5))
    walker = Walker(question, walk_part(pruned(graph, question), question))
    assert walker.reached(question.targets) == {p.target for p in answer(graph, question)}


def test_the_demo_readme_decision_section_exists() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "## Deciding what to fix" in readme and "riskgraph fixes --demo" in readme


def test_large_graphs_group_without_measuring(demo: nx.MultiDiGraph) -> None:
    question = ask(demo, "internet", "secret")
    found = answer(demo, question, 100)
    assert lab_for(demo, question) is not None
    assert lab_for(demo, question, max_edges=10) is None
    measured = route_groups(found, lab_for(demo, question))
    shared = route_groups(found, lab_for(demo, question, max_edges=10))
    assert all(g.measured for g in measured) and not any(g.measured for g in shared)
    assert [g.members for g in measured] == [g.members for g in shared]
    assert all(g.fix_first is not None for g in shared)


def test_fixes_tell_the_part_they_rank_on_then_each_fix(demo: nx.MultiDiGraph) -> None:
    heard: list[str] = []
    plan = fixes(demo, "internet", "secret", progress=heard.append)
    part = FixLab(demo, ask(demo, "internet", "secret"))
    assert heard[0] == (f"{plan.paths_before} targets reached; ranking the fixes on "
                        f"{len(part.walker.names)} vertices and {part.walker.edges} edges "
                        "on some route")
    assert len(heard) == 1 + len(plan.fixes)
    assert all(line.startswith(f"fix {rank}: ") for rank, line in enumerate(heard[1:], 1))
