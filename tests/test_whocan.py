"""Reverse questions as queries: who reaches a target (agreeing with the forward search),
who holds a permission, and what a subject holds."""

from __future__ import annotations

from functools import cache

import networkx as nx
import pytest

from ingest import inventory_from_text, load_k8s
from queries import attack_paths, holders, rbac_view, who_can
from riskgraph.builder import build_graph
from riskgraph.demo import demo_dir
from riskgraph.errors import SelectorError
from riskgraph.estate.inventory import Inventory

PAYMENTS_DB = "k8s:Secret:payments/payments-db"
BREAKGLASS = "arn:aws:iam::111122223333:user/ops-breakglass"
PLATFORM = "arn:aws:iam::111122223333:role/platform-admins"
RUNNER = "k8s:ServiceAccount:batch/report-runner"


@cache
def demo() -> tuple[Inventory, nx.MultiDiGraph]:
    inv = load_k8s([demo_dir()])
    return inv, build_graph(inv)


def test_demo_payments_db_sources_each_with_their_first_step() -> None:
    answer = who_can(demo()[1], PAYMENTS_DB)
    by_id = {source.id: source for source in answer.sources}
    for wanted in ("internet", "k8s:Deployment:web/storefront", RUNNER, BREAKGLASS, PLATFORM):
        assert wanted in by_id, wanted
    assert by_id["internet"].via == ("net.internet-exposed", "k8s:Service:web/storefront")
    assert by_id[BREAKGLASS].via == ("aws.eks-aws-auth", "k8s:Group:system:masters")
    # A pod's step into its container is skipped: the first step is the attacker's choice.
    assert by_id["k8s:Deployment:web/storefront"].via[0] != "pod.contains"
    costs = [source.cost for source in answer.sources]
    assert costs == sorted(costs)
    assert PAYMENTS_DB not in by_id and answer.targets == (PAYMENTS_DB,)


@pytest.mark.parametrize("targets", ["secret", "cluster-admin", "aws-admin"])
@pytest.mark.parametrize("options", [{}, {"avoid_techniques": ["net.reach"]},
                                     {"max_hops": 4}, {"skip_platform_defaults": True}])
def test_each_source_costs_what_the_forward_search_finds(targets: str,
                                                        options: dict[str, object]) -> None:
    graph = demo()[1]
    answer = who_can(graph, targets, group=False, **options)  # type: ignore[arg-type]
    assert answer.sources
    for source in answer.sources:
        forward = attack_paths(graph, source.id, targets, top=None, **options)  # type: ignore[arg-type]
        assert forward.paths, source.id
        assert min(path.cost for path in forward) == pytest.approx(source.cost), source.id
    # And no source the forward search finds is missing.
    listed = {source.id for source in answer.sources}
    for pod in ("k8s:Pod:web/storefront", "k8s:Pod:batch/nightly-report"):
        if attack_paths(graph, pod, targets, top=1, **options).paths:  # type: ignore[arg-type]
            assert pod in listed


@pytest.mark.parametrize("targets", ["secret", "cluster-admin"])
def test_top_stops_early_with_the_cheapest_sources_exact(targets: str) -> None:
    graph = demo()[1]
    everything = who_can(graph, targets)
    assert not everything.truncated and len(everything.sources) > 4
    for top in (1, 3, 4):
        first = who_can(graph, targets, top=top)
        assert first.truncated and first.to_dict()["summary"]["truncated"] is True
        assert [(s.id, s.cost, s.hops, s.via) for s in first.sources] == [
            (s.id, s.cost, s.hops, s.via) for s in everything.sources[:top]]
    assert not who_can(graph, targets, top=len(everything.sources)).truncated
    with pytest.raises(ValueError, match="top"):
        who_can(graph, targets, top=0)


def chain() -> nx.MultiDiGraph:
    """internet -> a -> secret is cheap but three hops; internet -> secret direct is dear."""
    graph = nx.MultiDiGraph()
    graph.add_node("internet", kind="Internet", entry=True)
    graph.add_node("k8s:Secret:shop/db", kind="Secret", crown_jewel="secret")
    for name in ("a", "b"):
        graph.add_node(f"k8s:Pod:shop/{name}", kind="Pod")
    graph.add_edge("internet", "k8s:Pod:shop/a", key="t.one", technique="t.one", cost=0.5)
    graph.add_edge("k8s:Pod:shop/a", "k8s:Pod:shop/b", key="t.two", technique="t.two", cost=0.5)
    graph.add_edge("k8s:Pod:shop/b", "k8s:Secret:shop/db", key="t.three", technique="t.three",
                   cost=0.5, confidence="possible")
    graph.add_edge("internet", "k8s:Secret:shop/db", key="t.dear", technique="t.dear", cost=5.0)
    return graph


def test_hop_bound_prefers_a_costlier_route_that_fits() -> None:
    wide = {s.id: s for s in who_can(chain(), "secret").sources}
    assert (wide["internet"].cost, wide["internet"].hops) == (1.5, 3)
    assert wide["internet"].confidence == "possible"
    short = {s.id: s for s in who_can(chain(), "secret", max_hops=2).sources}
    assert (short["internet"].cost, short["internet"].via) == (5.0, ("t.dear",
                                                                     "k8s:Secret:shop/db"))
    assert "k8s:Pod:shop/a" in short and short["k8s:Pod:shop/a"].hops == 2


def test_max_cost_and_blocked_edges_leave_sources_out() -> None:
    cheap = {s.id for s in who_can(chain(), "secret", max_cost=1.0).sources}
    assert cheap == {"k8s:Pod:shop/a", "k8s:Pod:shop/b"}
    graph = chain()
    graph.edges["k8s:Pod:shop/b", "k8s:Secret:shop/db", "t.three"]["traversable"] = False
    assert {s.id for s in who_can(graph, "secret").sources} == {"internet"}
    avoided = who_can(chain(), "secret", avoid="k8s:Pod:shop/b")
    assert [(s.id, s.cost) for s in avoided.sources] == [("internet", 5.0)]


def test_a_target_nothing_reaches_is_an_empty_answer() -> None:
    answer = who_can(chain(), "k8s:Pod:shop/a", avoid_techniques=())
    assert [s.id for s in answer.sources] == ["internet"]
    graph = chain()
    graph.add_node("k8s:Secret:shop/lonely", kind="Secret", crown_jewel="secret")
    nothing = who_can(graph, "k8s:Secret:shop/lonely")
    assert nothing.sources == () and nothing.to_dict()["summary"] == {
        "by_kind": {}, "sources": 0, "truncated": False}
    with pytest.raises(SelectorError, match="reaches none"):
        nothing.explain("internet")


def test_replicas_are_told_once_per_workload() -> None:
    graph = chain()
    for replica in ("web-1", "web-2", "web-3"):
        graph.add_node(f"k8s:Pod:shop/{replica}", kind="Pod", namespace="shop",
                       owner="Deployment/web")
        graph.add_edge(f"k8s:Pod:shop/{replica}", "k8s:Secret:shop/db", key="t.m",
                       technique="t.m", cost=1.0 if replica == "web-2" else 2.0)
    grouped = {s.id: s for s in who_can(graph, "secret").sources}
    web = grouped["k8s:Deployment:shop/web"]
    assert (web.kind, web.members, web.example, web.cost) == ("Deployment", 3,
                                                              "k8s:Pod:shop/web-2", 1.0)
    assert not any(s.startswith("k8s:Pod:shop/web-") for s in grouped)
    ungrouped = {s.id for s in who_can(graph, "secret", group=False).sources}
    assert {"k8s:Pod:shop/web-1", "k8s:Pod:shop/web-2", "k8s:Pod:shop/web-3"} <= ungrouped
    route = who_can(graph, "secret").explain("k8s:Deployment:shop/web").paths[0]
    assert (route.source, route.target) == ("k8s:Pod:shop/web-2", "k8s:Secret:shop/db")


def test_demo_who_can_get_secrets_in_payments() -> None:
    inv, graph = demo()
    answer = holders(inv, graph, "get", "secrets", "payments")
    how = {holder.id: holder for holder in answer.holders}
    assert how[RUNNER].how == "direct"
    assert how[RUNNER].through == ("k8s:ClusterRoleBinding:report-runner-admin",)
    assert how[BREAKGLASS].how == "direct"
    assert how[BREAKGLASS].through[0] == "k8s:Group:system:masters"
    assert how[PLATFORM].how == "direct"
    assert how["internet"].how == "via escalation" and how["internet"].cost > 0
    assert how["k8s:Deployment:web/storefront"].how == "via escalation"
    assert answer.to_dict()["summary"]["direct"] == sum(
        1 for h in answer.holders if h.how == "direct")


RBAC = """
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
kind: ServiceAccount
metadata: {name: idle, namespace: shop}
---
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db]}
---
kind: RoleBinding
metadata: {name: readers, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: app}]
---
kind: ClusterRole
metadata: {name: pod-tools, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]
---
kind: RoleBinding
metadata: {name: viewers, namespace: other}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:serviceaccounts:shop"}]
"""


def rbac_estate() -> tuple[Inventory, nx.MultiDiGraph]:
    inv = inventory_from_text(RBAC)
    return inv, build_graph(inv)


def test_holders_respect_namespace_names_and_aggregation() -> None:
    inv, graph = rbac_estate()
    in_shop = {h.id: h for h in holders(inv, graph, "get", "secrets", "shop").holders}
    app = in_shop["k8s:ServiceAccount:shop/app"]
    assert (app.how, app.scope) == ("direct", "shop (named db)")
    assert "k8s:ServiceAccount:shop/idle" not in in_shop
    # view, aggregated with pod-tools, grants exec in namespace other to every shop account.
    exec_other = {h.id: h for h in holders(inv, graph, "create", "pods/exec", "other").holders}
    idle = exec_other["k8s:ServiceAccount:shop/idle"]
    assert idle.through == ("k8s:Group:system:serviceaccounts:shop",
                            "k8s:RoleBinding:other/viewers")
    exec_shop = {h.id for h in holders(inv, graph, "create", "pods/exec", "shop").holders
                 if h.how == "direct"}
    assert "k8s:ServiceAccount:shop/idle" not in exec_shop
    with pytest.raises(SelectorError, match="not one riskgraph knows"):
        holders(inv, graph, "get", "widgets")


def test_rbac_view_through_groups_with_rules_and_flags() -> None:
    inv, graph = rbac_estate()
    view = rbac_view(inv, graph, "sa:shop/idle")
    assert view.identities == ("k8s:ServiceAccount:shop/idle",
                               "k8s:Group:system:serviceaccounts:shop")
    [held] = view.held
    assert (held.binding, held.role, held.scope) == ("k8s:RoleBinding:other/viewers",
                                                    "k8s:ClusterRole:view", "other")
    exec_rule = [r for r in held.rules if r.resources == ("pods/exec",)]
    assert exec_rule and exec_rule[0].source == "k8s:ClusterRole:pod-tools: rules[0]"
    assert "rbac.pods-exec" in exec_rule[0].techniques
    assert "rbac.pods-exec" in view.to_dict()["summary"]["techniques"]
    app = rbac_view(inv, graph, "sa:shop/app")
    assert {h.binding for h in app.held} == {"k8s:RoleBinding:shop/readers",
                                             "k8s:RoleBinding:other/viewers"}


def test_rbac_view_of_a_subject_that_holds_nothing() -> None:
    inv, graph = rbac_estate()
    nobody = rbac_view(inv, graph, "user:nobody")
    assert nobody.held == () and nobody.to_dict()["summary"] == {"bindings": 0,
                                                                 "techniques": []}
    with pytest.raises(SelectorError, match="names nothing"):
        rbac_view(inv, graph, "sa:shop/missing")


def test_rbac_view_of_demo_principals() -> None:
    inv, graph = demo()
    runner = rbac_view(inv, graph, "sa:batch/report-runner")
    assert [(h.binding, h.role) for h in runner.held] == [
        ("k8s:ClusterRoleBinding:report-runner-admin", "k8s:ClusterRole:cluster-admin")]
    assert "rbac.wildcard" in runner.held[0].techniques
    breakglass = rbac_view(inv, graph, BREAKGLASS)
    assert breakglass.before_rbac and "k8s:Group:system:masters" in breakglass.identities
    platform = rbac_view(inv, graph, PLATFORM)
    assert [p["policy"] for p in platform.access_policies] == ["AmazonEKSClusterAdminPolicy"]
    assert not rbac_view(inv, graph, "sa:web/default").before_rbac


def test_rbac_view_marks_platform_defaults_and_lists_them_last() -> None:
    inv = inventory_from_text("""
kind: ClusterRoleBinding
metadata: {name: "system:discovery"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:authenticated"}]
---
kind: ClusterRoleBinding
metadata: {name: team-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: alice}]
""")
    view = rbac_view(inv, build_graph(inv), "user:alice")
    assert view.identities == ("k8s:User:alice", "k8s:Group:system:authenticated")
    assert [(h.binding, h.platform_default, h.identity) for h in view.held] == [
        ("k8s:ClusterRoleBinding:team-readers", False, "k8s:User:alice"),
        ("k8s:ClusterRoleBinding:system:discovery", True, "k8s:Group:system:authenticated")]
