"""Selectors and bounded, ranked attack-path search (queries package)."""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

import networkx as nx
import pytest

from ingest import inventory_from_text
from queries import _bounds as query_bounds
from queries import attack_paths, resolve_sources, resolve_targets
from riskgraph.builder import build_graph
from riskgraph.errors import SelectorError
from riskgraph.graph import vertex_attrs
from riskgraph.techniques.escape import privileged as escape_privileged
from riskgraph.techniques.pod import contains as pod_contains

SECRET_DB = "k8s:Secret:shop/db"


def graph_of(*edges: tuple[str, str, float],
             flags: dict[str, dict[str, Any]] | None = None) -> nx.MultiDiGraph:
    """A hand-made attack graph; ``flags`` holds extra attributes per vertex id.
    Secrets are crown jewels and ``internet`` is the entry, as the builder makes them."""
    graph = nx.MultiDiGraph()
    for source, target, cost in edges:
        add_step(graph, source, target, cost)
    for vertex in list(graph):
        crown = "secret" if vertex.startswith("k8s:Secret:") else None
        graph.nodes[vertex].update(vertex_attrs(vertex, entry=vertex == "internet",
                                                crown_jewel=crown) | (flags or {}).get(vertex, {}))
    return graph


def add_step(graph: nx.MultiDiGraph, source: str, target: str, cost: float,
             key: str = "step", **extra: Any) -> None:
    graph.add_edge(source, target, key=key, technique=key, reason=f"{source} to {target}",
                   cost=cost, confidence="certain", evidence=[f"{source}: via={key}"], **extra)


def routes(found: Any) -> list[tuple[str, ...]]:
    return [path.vertices for path in found]


# --- search -------------------------------------------------------------------------------

def test_cheapest_of_parallel_edges_is_walked_and_described() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0))
    add_step(graph, "k8s:Pod:shop/web", SECRET_DB, 3.0, key="slow")
    add_step(graph, "k8s:Pod:shop/web", SECRET_DB, 0.5, key="fast")
    graph.nodes[SECRET_DB].update(vertex_attrs(SECRET_DB, crown_jewel="secret"))
    (path,) = attack_paths(graph)
    last = path.steps[-1]
    assert (last.technique, last.cost, path.cost) == ("fast", 0.5, 1.5)
    assert last.reason == f"k8s:Pod:shop/web to {SECRET_DB}"
    assert last.evidence == ("k8s:Pod:shop/web: via=fast",)
    assert last.confidence == "certain"


def test_parallel_edges_compete_on_their_cheapest() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/a", 1.0), ("internet", "k8s:Pod:shop/b", 1.0),
                     ("k8s:Pod:shop/b", SECRET_DB, 1.0))
    add_step(graph, "k8s:Pod:shop/a", SECRET_DB, 3.0, key="slow")
    add_step(graph, "k8s:Pod:shop/a", SECRET_DB, 0.5, key="fast")
    assert routes(attack_paths(graph)) == [("internet", "k8s:Pod:shop/a", SECRET_DB)]


def test_hop_bound_prefers_a_costlier_route_that_fits_over_a_cheap_long_one() -> None:
    # m is reached cheaply in 3 hops and dearly in 2; only the dear one leaves room for
    # the 2 hops from m to the secret within max_hops=4.
    graph = graph_of(("internet", "k8s:Pod:a/b1", 0.1), ("k8s:Pod:a/b1", "k8s:Pod:a/b2", 0.1),
                     ("k8s:Pod:a/b2", "k8s:Pod:a/m", 0.1), ("internet", "k8s:Pod:a/x", 1.0),
                     ("k8s:Pod:a/x", "k8s:Pod:a/m", 1.0), ("k8s:Pod:a/m", "k8s:Pod:a/n", 0.1),
                     ("k8s:Pod:a/n", SECRET_DB, 0.1))
    assert [p.cost for p in attack_paths(graph, max_hops=5)] == [0.5]
    (path,) = attack_paths(graph, max_hops=4)
    assert path.vertices == ("internet", "k8s:Pod:a/x", "k8s:Pod:a/m", "k8s:Pod:a/n", SECRET_DB)
    assert path.cost == 2.2
    assert len(attack_paths(graph, max_hops=3)) == 0


def test_non_traversable_edges_are_never_walked() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0), ("k8s:Pod:shop/web", SECRET_DB, 5.0))
    add_step(graph, "k8s:Pod:shop/web", SECRET_DB, 0.1, key="schedule.on", traversable=False)
    add_step(graph, "internet", "k8s:Secret:shop/other", 0.1, key="schedule.on",
             traversable=False)
    graph.nodes["k8s:Secret:shop/other"].update(
        vertex_attrs("k8s:Secret:shop/other", crown_jewel="secret"))
    found = attack_paths(graph)
    assert routes(found) == [("internet", "k8s:Pod:shop/web", SECRET_DB)]
    assert found[0].steps[-1].technique == "step"
    assert found.targets == 2


def test_top_limits_and_truncated_reports_more_reachable() -> None:
    graph = graph_of(*(("internet", f"k8s:Secret:shop/s{i}", float(5 - i)) for i in range(5)))
    two = attack_paths(graph, top=2)
    assert [p.target for p in two] == ["k8s:Secret:shop/s4", "k8s:Secret:shop/s3"]
    assert two.truncated
    assert two.to_dict()["summary"] == {"paths": 2, "sources": 1, "targets": 5,
                                        "truncated": True}
    assert not attack_paths(graph, top=5).truncated
    assert len(attack_paths(graph, top=None)) == 5


def test_ranking_by_cost_then_hops_then_target_id() -> None:
    graph = graph_of(("internet", "k8s:Secret:shop/c", 1.0), ("internet", "k8s:Pod:shop/p", 0.5),
                     ("k8s:Pod:shop/p", "k8s:Secret:shop/a", 0.5),
                     ("internet", "k8s:Secret:shop/b", 1.0),
                     ("internet", "k8s:Secret:shop/z", 0.25))
    assert [p.target for p in attack_paths(graph, top=None)] == [
        "k8s:Secret:shop/z", "k8s:Secret:shop/b", "k8s:Secret:shop/c", "k8s:Secret:shop/a"]


def test_costs_equal_up_to_float_rounding_tie_on_hops() -> None:
    # 0.7 + 0.1 is 0.7999999999999999 in floating point; it must not outrank 0.8 in one hop.
    graph = graph_of(("internet", "k8s:Pod:shop/p", 0.7),
                     ("k8s:Pod:shop/p", "k8s:Secret:shop/a", 0.1),
                     ("internet", "k8s:Secret:shop/z", 0.8))
    assert [p.target for p in attack_paths(graph)] == ["k8s:Secret:shop/z", "k8s:Secret:shop/a"]


@pytest.mark.parametrize("insertion", [("k8s:Pod:shop/a", "k8s:Pod:shop/b"),
                                       ("k8s:Pod:shop/b", "k8s:Pod:shop/a")])
def test_equal_routes_tie_on_ids_whatever_the_insertion_order(insertion: tuple[str, str]) -> None:
    graph = graph_of(*(step for pod in insertion
                       for step in (("internet", pod, 1.0), (pod, SECRET_DB, 1.0))))
    assert routes(attack_paths(graph)) == [("internet", "k8s:Pod:shop/a", SECRET_DB)]


def test_overlapping_selectors_give_each_target_once() -> None:
    graph = graph_of(("internet", SECRET_DB, 1.0), ("internet", "k8s:Secret:shop/tls", 2.0))
    found = attack_paths(graph, ["internet", "internet"],
                         ["secret", SECRET_DB, "k8s:Secret:shop/*"])
    assert routes(found) == [("internet", SECRET_DB), ("internet", "k8s:Secret:shop/tls")]
    assert (found.sources, found.targets) == (1, 2)


def test_zero_hop_paths_are_not_reported() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0))
    assert len(attack_paths(graph, "pod:shop/web", "pod:shop/web")) == 0


def test_a_source_that_is_a_target_is_reached_from_another_source() -> None:
    # From a, the node is cheap, so a search keeping one label per vertex would only know
    # a's route through it, which ends where it started; b's route must still be found.
    graph = graph_of(("k8s:Pod:shop/a", "k8s:Node:n1", 0.1), ("k8s:Pod:shop/b", "k8s:Node:n1", 1.0),
                     ("k8s:Node:n1", "k8s:Pod:shop/a", 1.0))
    found = attack_paths(graph, "any-pod", "pod:shop/a")
    assert routes(found) == [("k8s:Pod:shop/b", "k8s:Node:n1", "k8s:Pod:shop/a")]
    assert found[0].cost == 2.0
    assert routes(attack_paths(graph, "any-pod", ["any-pod", "node"])) == [
        ("k8s:Pod:shop/a", "k8s:Node:n1"), ("k8s:Pod:shop/b", "k8s:Node:n1", "k8s:Pod:shop/a")]


@pytest.mark.parametrize("first_origin_costlier", [False, True])
def test_a_third_origin_fills_in_when_the_hop_bound_rules_out_the_second(
        first_origin_costlier: bool) -> None:
    # Pod a is the target and a source. Hub x is reached from a (1 hop), from b (3 cheap
    # hops, too long to finish within 4) and from c (2 dearer hops); only c's route fits.
    # Whether a or b reaches x first, c's label must survive there.
    a_cost = 0.5 if first_origin_costlier else 0.1
    graph = graph_of(("k8s:Pod:shop/a", "hub:h:x", a_cost),
                     ("k8s:Pod:shop/b", "hub:h:b1", 0.1), ("hub:h:b1", "hub:h:b2", 0.1),
                     ("hub:h:b2", "hub:h:x", 0.1),
                     ("k8s:Pod:shop/c", "hub:h:c1", 0.5), ("hub:h:c1", "hub:h:x", 0.5),
                     ("hub:h:x", "hub:h:y", 0.1), ("hub:h:y", "k8s:Pod:shop/a", 0.1))
    (path,) = attack_paths(graph, "any-pod", "pod:shop/a", max_hops=4)
    assert path.vertices == ("k8s:Pod:shop/c", "hub:h:c1", "hub:h:x", "hub:h:y",
                             "k8s:Pod:shop/a")


def test_unreachable_target_is_absent_but_counted() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0),
                     ("k8s:Secret:shop/island", "k8s:Pod:shop/web", 1.0))
    found = attack_paths(graph)
    assert len(found) == 0 and found.targets == 1 and not found.truncated


def test_path_vertices_carry_copies_of_their_attributes() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0), ("k8s:Pod:shop/web", SECRET_DB, 1.0),
                     ("internet", "k8s:Pod:shop/idle", 9.0),
                     flags={"k8s:Pod:shop/web": {"labels": {"app": "web"}}})
    found = attack_paths(graph)
    assert set(found.vertices) == {"internet", "k8s:Pod:shop/web", SECRET_DB}
    web = found.vertices["k8s:Pod:shop/web"]
    assert (web["kind"], web["namespace"], web["labels"]) == ("Pod", "shop", {"app": "web"})
    web["labels"]["app"] = "changed"
    assert graph.nodes["k8s:Pod:shop/web"]["labels"] == {"app": "web"}


def test_search_is_bounded_on_a_graph_with_exponentially_many_paths() -> None:
    # 12 fully connected layers of 12 pods: 12**12 simple paths, one cheapest per pod.
    layers = [[f"k8s:Pod:l{depth}/p{i:02}" for i in range(12)] for depth in range(12)]
    edges = [("internet", pod, 1.0) for pod in layers[0]]
    edges += [(a, b, 1.0 + (ia + ib) % 3)
              for upper, lower in pairwise(layers)
              for ia, a in enumerate(upper) for ib, b in enumerate(lower)]
    found = attack_paths(graph_of(*edges), targets="k8s:Pod:l11/*", max_hops=12, top=None)
    assert len(found) == 12
    assert all(len(path.steps) == 12 for path in found)
    assert found[0].cost == 12.0


def test_bounds_below_one_are_rejected() -> None:
    graph = graph_of(("internet", SECRET_DB, 1.0))
    with pytest.raises(ValueError, match="max_hops"):
        attack_paths(graph, max_hops=0)
    with pytest.raises(ValueError, match="top"):
        attack_paths(graph, top=0)


# --- selectors ----------------------------------------------------------------------------

def brute_force_best(graph: nx.MultiDiGraph, sources: set[str], targets: set[str],
                     max_hops: int) -> dict[str, tuple[float, int]]:
    """Per target, the least (cost, hops) over every simple path from another source."""
    walkable = nx.DiGraph()
    for a, b, attrs in graph.edges(data=True):
        if attrs.get("traversable", True):
            known = walkable.get_edge_data(a, b, {"cost": attrs["cost"]})["cost"]
            walkable.add_edge(a, b, cost=min(known, attrs["cost"]))
    best: dict[str, tuple[float, int]] = {}
    for target in targets & set(walkable):
        for source in sources - {target}:
            if source not in walkable:
                continue
            for path in nx.all_simple_paths(walkable, source, target, cutoff=max_hops):
                candidate = (sum(walkable[a][b]["cost"] for a, b in pairwise(path)),
                             len(path) - 1)
                best[target] = min(best.get(target, candidate), candidate)
    return best


@pytest.mark.parametrize(("hop_budget", "cost_budget"),
                         [(200_000, 200_000), (0, 0), (0, 200_000), (0, 4), (0, 7)],
                         ids=["pruned", "unpruned", "cost-bound", "short-cost-walk",
                              "longer-cost-walk"])
@pytest.mark.parametrize("seed", range(30))
def test_search_agrees_with_brute_force_on_small_random_graphs(
        seed: int, hop_budget: int, cost_budget: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A budget of 0 gives up a backward walk at once (the cost walk runs only then); a
    # short cost walk leaves most vertices with the walk's radius as their bound. Every
    # mix must agree with the exhaustive answer.
    monkeypatch.setattr(query_bounds, "_BACKWARD_BUDGET", hop_budget)
    monkeypatch.setattr(query_bounds, "_FEW_TARGETS_BUDGET", hop_budget)
    monkeypatch.setattr(query_bounds, "_COST_BUDGET", cost_budget)
    rng = random.Random(seed)
    pods = [f"k8s:Pod:r/p{i}" for i in range(6)]
    secrets = [f"k8s:Secret:r/s{i}" for i in range(3)]
    everything = ["internet", *pods, *secrets]
    graph = graph_of()
    graph.add_nodes_from(everything)
    for _ in range(rng.randint(8, 22)):
        a, b = rng.sample(everything, 2)
        add_step(graph, a, b, rng.choice([0.5, 1.0, 1.5, 3.0]), key=f"t{rng.randint(0, 2)}",
                 traversable=rng.random() > 0.15)
    for vertex in everything:
        graph.nodes[vertex].update(vertex_attrs(
            vertex, entry=vertex == "internet",
            crown_jewel="secret" if vertex in secrets else None))
    source_spec = rng.choice(["internet", "any-pod", ["internet", "k8s:Pod:r/p0"]])
    target_spec = rng.choice(["secret", "any-pod", ["secret", "k8s:Pod:r/p[01]"]])
    max_hops = rng.randint(1, 5)
    found = attack_paths(graph, source_spec, target_spec, max_hops=max_hops, top=None)
    expected = brute_force_best(graph, resolve_sources(graph, source_spec),
                                resolve_targets(graph, target_spec), max_hops)
    assert {p.target: (p.cost, len(p.steps)) for p in found} == expected
    assert [(p.cost, len(p.steps), p.target) for p in found] == sorted(
        (cost, hops, target) for target, (cost, hops) in expected.items())


@pytest.fixture(name="estate")
def estate_graph() -> nx.MultiDiGraph:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0),
                     ("k8s:Pod:shop/web", "k8s:ServiceAccount:shop/web", 1.0),
                     ("k8s:Pod:shop/pay", "k8s:Node:ip-1", 1.0),
                     ("k8s:Pod:ops/agent", "k8s:NodePool:general", 1.0),
                     ("k8s:ServiceAccount:shop/web", "k8s:ClusterAdmin", 1.0),
                     ("k8s:ClusterAdmin", SECRET_DB, 1.0),
                     flags={"k8s:Pod:shop/pay": {"crown_jewel": "sensitive-workload"},
                            "k8s:ClusterAdmin": {"crown_jewel": "cluster-admin"}})
    return graph


@pytest.mark.parametrize(("spec", "expected"), [
    ("internet", {"internet"}),
    ("any-pod", {"k8s:Pod:shop/web", "k8s:Pod:shop/pay", "k8s:Pod:ops/agent"}),
    ("pod:ops/agent", {"k8s:Pod:ops/agent"}),
    ("pod:shop/*", {"k8s:Pod:shop/web", "k8s:Pod:shop/pay"}),
    ("sa:shop/web", {"k8s:ServiceAccount:shop/web"}),
    ("k8s:Node:ip-1", {"k8s:Node:ip-1"}),
    ("k8s:*:shop/web", {"k8s:Pod:shop/web", "k8s:ServiceAccount:shop/web"}),
    (["internet", " pod:ops/agent "], {"internet", "k8s:Pod:ops/agent"}),
])
def test_source_selectors(estate: nx.MultiDiGraph, spec: Any, expected: set[str]) -> None:
    assert resolve_sources(estate, spec) == expected


@pytest.mark.parametrize(("spec", "expected"), [
    ("secret", {SECRET_DB}),
    ("cluster-admin", {"k8s:ClusterAdmin"}),
    ("node", {"k8s:Node:ip-1", "k8s:NodePool:general"}),
    ("sensitive", {"k8s:Pod:shop/pay"}),
    ("any-pod", {"k8s:Pod:shop/web", "k8s:Pod:shop/pay", "k8s:Pod:ops/agent"}),
    ("pod:shop/web", {"k8s:Pod:shop/web"}),
    ("sa:shop/*", {"k8s:ServiceAccount:shop/web"}),
    (SECRET_DB, {SECRET_DB}),
    ("k8s:Node*", {"k8s:Node:ip-1", "k8s:NodePool:general"}),
    (("secret", "cluster-admin"), {SECRET_DB, "k8s:ClusterAdmin"}),
])
def test_target_selectors(estate: nx.MultiDiGraph, spec: Any, expected: set[str]) -> None:
    assert resolve_targets(estate, spec) == expected


def test_sensitive_extras_join_the_sensitive_class_only(estate: nx.MultiDiGraph) -> None:
    extras = ["pod:ops/agent", "sa:shop/*"]
    assert resolve_targets(estate, "sensitive", extras) == {
        "k8s:Pod:shop/pay", "k8s:Pod:ops/agent", "k8s:ServiceAccount:shop/web"}
    assert resolve_targets(estate, "secret", extras) == {SECRET_DB}
    found = attack_paths(estate, targets="sensitive", sensitive=["sa:shop/web"])
    assert routes(found) == [("internet", "k8s:Pod:shop/web", "k8s:ServiceAccount:shop/web")]


def test_paths_through_cluster_admin_to_a_secret(estate: nx.MultiDiGraph) -> None:
    found = attack_paths(estate, targets=["cluster-admin", "secret"])
    assert [p.target for p in found] == ["k8s:ClusterAdmin", SECRET_DB]
    assert found[1].vertices[:-1] == found[0].vertices


def test_a_class_matching_nothing_is_an_empty_answer() -> None:
    graph = graph_of(("k8s:Pod:shop/web", SECRET_DB, 1.0))
    found = attack_paths(graph, "internet", "node")
    assert (len(found), found.sources, found.targets) == (0, 0, 0)


@pytest.mark.parametrize(("role", "spec", "message"), [
    ("source", "pod:web", "must be pod:<namespace>/<name>"),
    ("source", "pod:/web", "must be pod:<namespace>/<name>"),
    ("target", "sa:shop/", "must be sa:<namespace>/<name>"),
    ("source", "  ", "empty source selector"),
    ("source", [], "no selector given"),
    ("source", "secret", "'secret' is a target selector, not a source selector"),
    ("target", "internet", "'internet' is a source selector, not a target selector"),
    ("source", "internt", "unknown source selector 'internt'. Did you mean: internet?"),
    ("target", "nodes", "Did you mean: node?"),
    ("source", "pod:shop/wbe", "'pod:shop/wbe' names no Pod in the graph. "
                               "Did you mean: pod:shop/web"),
    ("source", "pod:shpo/web", "Did you mean: pod:shop/web"),
    ("target", "sa:shop/db", "'sa:shop/db' names no ServiceAccount in the graph"),
    ("target", "k8s:Secret:shop/dbb", f"no vertex has id 'k8s:Secret:shop/dbb'. "
                                      f"Did you mean: {SECRET_DB}?"),
    ("source", "k8s:Pod:nowhere/*", "glob 'k8s:Pod:nowhere/*' matches no vertex"),
])
def test_selector_errors_say_what_is_wrong(estate: nx.MultiDiGraph, role: str, spec: Any,
                                           message: str) -> None:
    resolve = resolve_sources if role == "source" else resolve_targets
    with pytest.raises(SelectorError) as error:
        resolve(estate, spec)
    assert message in str(error.value)
    assert "Valid forms: " in str(error.value) and "pod:<namespace>/<name>" in str(error.value)


def test_a_mistyped_sensitive_extra_is_an_error_even_when_unused(
        estate: nx.MultiDiGraph) -> None:
    with pytest.raises(SelectorError, match="pod:shop/paid"):
        attack_paths(estate, targets="secret", sensitive=["pod:shop/paid"])


# --- graphs built from manifests --------------------------------------------------------------

MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shipper, namespace: logging}
spec:
  template:
    spec:
      containers:
      - {name: fluentd, image: fluentd, securityContext: {privileged: true}}
---
kind: Pod
metadata:
  name: payments
  namespace: shop
  labels: {riskgraph.io/sensitive: "true"}
spec:
  containers: [{name: api, image: pay}]
---
kind: Secret
metadata: {name: db, namespace: shop}
"""


@pytest.fixture(name="built")
def built_graph() -> nx.MultiDiGraph:
    inv = inventory_from_text(MANIFESTS, "queries test")
    assert not inv.problems
    return build_graph(inv, [pod_contains.TECHNIQUE, escape_privileged.TECHNIQUE])


def test_privileged_workload_reaches_its_node_pool(built: nx.MultiDiGraph) -> None:
    found = attack_paths(built, "any-pod", "node")
    assert routes(found) == [("k8s:Pod:logging/shipper", "k8s:Container:logging/shipper/fluentd",
                              "k8s:NodePool:any")]
    contains, escape = found[0].steps
    assert (contains.technique, escape.technique) == ("pod.contains", "escape.privileged")
    assert escape.evidence == (
        "k8s:Deployment:logging/shipper: spec.template.spec.containers[0]"
        ".securityContext.privileged=true",)
    assert found.vertices["k8s:Pod:logging/shipper"]["template_of"] == "Deployment/shipper"
    assert found.sources == 2


def test_built_graph_selectors(built: nx.MultiDiGraph) -> None:
    assert resolve_targets(built, "sensitive") == {"k8s:Pod:shop/payments"}
    assert resolve_targets(built, "secret") == {SECRET_DB}
    assert resolve_sources(built, "internet") == {"internet"}
    assert len(attack_paths(built)) == 0
    found = attack_paths(built, "pod:shop/payments", "k8s:Container:shop/*")
    assert routes(found) == [("k8s:Pod:shop/payments", "k8s:Container:shop/payments/api")]


def test_avoided_vertices_are_never_entered_and_a_detour_is_found() -> None:
    graph = graph_of(("internet", "k8s:Pod:shop/web", 1.0),
                     ("k8s:Pod:shop/web", SECRET_DB, 1.0),
                     ("internet", "k8s:Pod:shop/api", 2.0),
                     ("k8s:Pod:shop/api", SECRET_DB, 2.0),
                     flags={"k8s:Pod:shop/api": {"platform_default": True}})
    assert routes(attack_paths(graph)) == [("internet", "k8s:Pod:shop/web", SECRET_DB)]
    assert routes(attack_paths(graph, avoid="pod:shop/web")) == [
        ("internet", "k8s:Pod:shop/api", SECRET_DB)]
    assert routes(attack_paths(graph, avoid="k8s:Pod:shop/*")) == []
    assert routes(attack_paths(graph, avoid="pod:shop/web", skip_platform_defaults=True)) == []
    with pytest.raises(SelectorError):
        attack_paths(graph, avoid="pod:shop/nope")


def test_cost_bound_keeps_the_search_off_cheap_dead_ends() -> None:
    # Thousands of cheap first steps that lead nowhere near the target: plain Dijkstra
    # settles every one of them before the costlier route; with the cost bound none is.
    from queries._search import search

    graph = graph_of(("internet", "k8s:Pod:r/a", 1.0), ("k8s:Pod:r/a", "k8s:Pod:r/b", 1.0),
                     ("k8s:Pod:r/b", SECRET_DB, 1.0))
    for i in range(2_000):
        add_step(graph, "internet", f"k8s:Pod:r/dead{i}", 0.1)
        add_step(graph, f"k8s:Pod:r/dead{i}", f"k8s:Pod:r/end{i}", 0.1)
    targets = {SECRET_DB}
    for bound, most_labels in ((query_bounds.cost_to_targets(graph._pred, targets), 10),
                               (query_bounds.NO_BOUND, None)):
        labels, _, reached = search(graph._succ, {"internet"}, targets, 8, 1, None, bound,
                                     frozenset())
        assert [labels[label] for label in reached] == [SECRET_DB]
        if most_labels is not None:
            assert len(labels) <= most_labels
        else:
            assert len(labels) > 4_000
    assert attack_paths(graph, "internet", "secret")[0].cost == 3.0


def test_cost_bound_and_search_round_alike_so_ties_still_go_to_smaller_ids(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Both routes into s0 cost a + b exactly and take two hops, so the smaller source id
    # (p2) wins. Costs with more than 9 decimals once made the bound, summed unrounded,
    # exceed the rounded cost of p2's route and let p3 settle first.
    a, b = 0.70000000049999, 0.1234567891234
    graph = graph_of(("k8s:Pod:r/p2", "internet", b), ("k8s:Pod:r/p3", "internet", b),
                     ("k8s:Pod:r/p3", "k8s:Pod:r/p9", 0.0123456789123),
                     ("k8s:Pod:r/p9", "k8s:Secret:r/s1", 0.25),
                     ("internet", "k8s:Secret:r/s0", a))
    monkeypatch.setattr(query_bounds, "_BACKWARD_BUDGET", 0)
    monkeypatch.setattr(query_bounds, "_FEW_TARGETS_BUDGET", 0)
    assert routes(attack_paths(graph, "any-pod", "secret", top=None)) == [
        ("k8s:Pod:r/p9", "k8s:Secret:r/s1"), ("k8s:Pod:r/p2", "internet", "k8s:Secret:r/s0")]
