"""The fast paths of the decision and reverse queries give the straightforward answers:
each is compared, on generated graphs, with the plain search it stands in for."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from ingest import load_k8s
from queries import _part, attack_paths, blast_radius, fixes
from queries._candidates import FixReader
from queries._part import on_route, pruned, walk_part
from queries._prune import Walker
from queries.fixes import FixLab
from queries.fixpoints import fix_of
from queries.paths import Question, answer, ask
from riskgraph import build_graph
from riskgraph.demo import demo_dir
from riskgraph.graph import vertex_attrs

Edge = tuple[str, str, str]


@pytest.fixture(autouse=True, params=["walks over the graph", "rows read walking forward"])
def way_to_the_part(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs with each way of finding the part of a graph that matters
    (chosen by the number of targets: few here, every secret on a large estate)."""
    if request.param == "rows read walking forward":
        monkeypatch.setattr(_part, "FEW_TARGETS", 0)


def generated(seed: int, techniques: tuple[str, ...] = ("t0", "t1", "t2")
              ) -> tuple[nx.MultiDiGraph, Question, list[Edge]]:
    """A random graph of pods and secrets behind the internet, with parallel edges of a
    few techniques (some not traversable), a question about it and its walkable edges."""
    rng = random.Random(seed)
    everything = ["internet", *(f"k8s:Pod:r/p{i}" for i in range(rng.randint(3, 14))),
                  *(f"k8s:Secret:r/s{i}" for i in range(rng.randint(1, 4)))]
    graph = nx.MultiDiGraph()
    for vertex in everything:
        graph.add_node(vertex, **vertex_attrs(vertex, entry=vertex == "internet",
                                              crown_jewel="secret" if "Secret" in vertex
                                              else None))
    for _ in range(rng.randint(5, 45)):
        a, b = rng.sample(everything, 2)
        technique = techniques[rng.randint(0, 2)]
        graph.add_edge(a, b, key=technique, technique=technique,
                       cost=rng.choice([0.5, 1.0, 3.0]), traversable=rng.random() > 0.1)
    # Sometimes a target is also a source: reached only from another source.
    targets = ["secret", *(["k8s:Pod:r/p0"] if rng.random() < 0.3 else [])]
    question = ask(graph, rng.choice(["internet", "any-pod"]), targets,
                   max_hops=rng.randint(1, 6))
    edges = [(a, b, str(key)) for a, b, key in pruned(graph, question).edges(keys=True)]
    return graph, question, edges


def searched(graph: nx.MultiDiGraph, question: Question, blocked: frozenset[Edge]
             ) -> set[str]:
    """The targets the path search reaches with ``blocked`` taken away."""
    return {path.target for path in answer(graph, question.without(blocked))}


@pytest.mark.parametrize("seed", range(60))
def test_a_fix_measured_incrementally_loses_what_searching_again_loses(seed: int) -> None:
    graph, question, edges = generated(seed)
    if not edges:
        return
    rng = random.Random(seed)
    walker = Walker(question, walk_part(graph, question))
    blocked = frozenset(rng.sample(edges, rng.randint(0, min(3, len(edges)))))
    for _ in range(6):
        fix = frozenset(rng.sample(edges, rng.randint(1, min(4, len(edges)))))
        lost = walker.lost(question.targets, fix, blocked)
        assert lost == question.targets - searched(graph, question, blocked | fix)


@pytest.mark.parametrize("seed", range(30))
def test_each_route_is_a_fewest_hop_route_of_walkable_edges(seed: int) -> None:
    graph, question, edges = generated(seed)
    rng = random.Random(seed)
    blocked = frozenset(rng.sample(edges, min(2, len(edges))))
    walker = Walker(question, walk_part(graph, question))
    routes = walker.routes(question.targets, blocked)
    assert set(routes) == searched(graph, question, blocked) - question.sources
    for target, pairs in routes.items():
        plain = nx.MultiDiGraph((a, b, t) for a, b, t in edges if (a, b, t) not in blocked)
        fewest = min(nx.shortest_path_length(plain, source, target)
                     for source in question.sources if source in plain
                     and nx.has_path(plain, source, target))
        assert len(pairs) == fewest
        assert all(plain.has_edge(a, b) for a, b in pairs)


@pytest.mark.parametrize("seed", range(30))
def test_blast_radius_is_what_a_path_search_to_each_vertex_finds(seed: int) -> None:
    graph, question, _ = generated(seed)
    # The internet is no target selector; nothing leads into it in a built graph either.
    graph.remove_edges_from(list(graph.in_edges("internet", keys=True)))
    graph.add_node("hub:net-reach:cluster", kind="Hub")
    graph.add_edge("k8s:Pod:r/p1", "hub:net-reach:cluster", key="t0", technique="t0", cost=0.5)
    graph.add_edge("hub:net-reach:cluster", "k8s:Pod:r/p2", key="t1", technique="t1",
                   cost=1.0, confidence="possible")
    source = "k8s:Pod:r/p1"
    blast = blast_radius(graph, source, max_hops=question.max_hops)
    expected = {}
    for vertex in graph:
        if vertex in (source, "internet") or vertex.startswith("hub:"):
            continue
        found = attack_paths(graph, source, vertex, max_hops=question.max_hops)
        if found.paths:
            path = found.paths[0]
            expected[vertex] = (round(path.cost, 3), len(path.steps), path.confidence)
    assert {r.id: (r.cost, r.hops, r.confidence) for r in blast.reachable} == expected
    assert {p.target for p in blast.routes} == {r.id for r in blast.reachable if r.crown_jewel}


@pytest.mark.parametrize("seed", range(40))
def test_a_walk_updated_for_applied_fixes_is_the_walk_searched_afresh(seed: int) -> None:
    graph, question, edges = generated(seed)
    rng = random.Random(seed)
    part = walk_part(graph, question)
    walker = Walker(question, part)
    blocked: frozenset[Edge] = frozenset()
    for _ in range(min(4, len(edges))):
        blocked = walker.advance(blocked, rng.sample(edges, min(len(edges), rng.randint(1, 2))))
        updated, fresh = walker.walk(blocked), Walker(question, part).walk(blocked)
        assert (updated.hops, updated.parent, updated.support, updated.dead) == \
            (fresh.hops, fresh.parent, fresh.support, fresh.dead)
        assert walker.reached(question.targets, blocked) == searched(graph, question, blocked)


@pytest.mark.parametrize("seed", range(25))
def test_fix_counts_told_by_the_walk_are_the_path_searches_counts(seed: int) -> None:
    # Two techniques fixed at the edge's source (a pair may hold both) and a
    # structural one.
    graph, question, _ = generated(seed, ("rbac.nodes-proxy", "rbac.pods-attach", "pod.contains"))
    plan = fixes(graph, question.sources, question.targets, max_hops=question.max_hops)
    assert plan.paths_before == len(plan.before)
    assert plan.paths_after == len(plan.after)
    blocked: frozenset[Edge] = frozenset()
    for ranked in plan.fixes:
        blocked |= frozenset(ranked.edges)
        assert ranked.remaining == len(searched(graph, question, blocked))
    assert plan.to_dict()["summary"]["paths_after"] == len(searched(graph, question, blocked))


def by_name(part: _part.Part) -> tuple[object, ...]:
    """A part with its vertex numbers replaced by the vertices (the two ways number
    differently: the part's vertices, or every vertex of the graph)."""
    names, at = part.names, [part.index_of[v] for v in part.vertices]
    return (part.vertices, part.edges,
            [{names[to]: techniques for to, techniques in part.succ[a].items()} for a in at],
            [[names[other] for other in part.pred[a]] for a in at],
            [[(names[to], technique, attrs) for to, technique, attrs in part.marked.get(a, [])]
             for a in at])


@pytest.mark.parametrize("seed", range(40))
def test_both_ways_to_the_part_find_it_alike_in_the_graphs_order(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    graph, question, _ = generated(seed, ("rbac.nodes-proxy", "escape.privileged",
                                          "pod.contains"))
    marks = FixReader.marks()
    monkeypatch.setattr(_part, "FEW_TARGETS", 1 << 30)
    by_walks = walk_part(graph, question, marks)
    monkeypatch.setattr(_part, "FEW_TARGETS", 0)
    assert by_name(walk_part(graph, question, marks)) == by_name(by_walks)


@pytest.mark.parametrize("seed", range(40))
def test_the_pruned_part_is_every_vertex_on_a_short_enough_route(seed: int) -> None:
    graph, question, _ = generated(seed)
    walkable = nx.MultiDiGraph()
    walkable.add_edges_from((a, b) for a, b, attrs in graph.edges(data=True)
                            if attrs.get("traversable", True))
    sources = [v for v in question.sources if v in walkable]
    targets = [v for v in question.targets if v in walkable]
    if not sources or not targets:
        assert set(on_route(graph, question)) == question.sources & question.targets
        return
    ahead = nx.multi_source_dijkstra_path_length(walkable, sources)
    behind = nx.multi_source_dijkstra_path_length(walkable.reverse(), targets)
    expected = {v for v in ahead if v in behind and ahead[v] + behind[v] <= question.max_hops}
    assert set(on_route(graph, question)) == expected


@pytest.mark.parametrize("seed", range(40))
def test_fixes_on_routes_kept_across_rounds_are_those_of_each_route_afresh(seed: int) -> None:
    graph, question, _ = generated(seed, ("rbac.nodes-proxy", "rbac.pods-attach", "pod.contains"))
    lab = FixLab(graph, question)
    walker, rng = lab.walker, random.Random(seed)
    blocked: frozenset[Edge] = frozenset()
    # Rounds of applied fixes (kept and updated), then nothing blocked again (worked out anew).
    for applied in range(5):
        if applied == 4:
            blocked = frozenset()
        reach = walker.reached(lab.question.targets, blocked)
        kept = {key: set(targets) for key, targets in lab.on_routes(reach, blocked).items()}
        expected: dict[object, set[str]] = {}
        for target, pairs in walker.routes(reach, blocked).items():
            for a, b in pairs:
                owners = {lab.owner.get((a, b, t))
                          for t in walker.succ[walker.index[a]][walker.index[b]]
                          if (a, b, t) not in blocked}
                if len(owners) == 1 and (key := owners.pop()) is not None:
                    expected.setdefault(key, set()).add(target)
        assert kept == expected
        if kept and applied < 3:
            key = rng.choice(sorted(kept, key=str))
            blocked = walker.advance(blocked, lab.candidates[key][1])


@pytest.mark.parametrize("seed", range(30))
def test_every_walkable_edge_has_the_fix_fix_of_gives_it(seed: int) -> None:
    graph, question, edges = generated(seed, ("rbac.nodes-proxy", "escape.privileged",
                                              "pod.contains"))
    for a, b, technique in edges:
        # Evidence naming an object moves the fix there; evidence naming none leaves it at
        # the source. Tuples are shared by edges, as the builder shares them.
        graph.edges[a, b, technique]["evidence"] = (f"k8s:Deployment:r/{technique[0]}: "
                                                    "spec.x=1",) if len(a) % 2 else ("no",)
    lab = FixLab(graph, question)
    kinds = {v: str(graph.nodes[v]["kind"]) for v in graph}
    expected = {}
    for a, b, technique in edges:
        fix = fix_of(a, b, graph.edges[a, b, technique], kinds)
        if fix is not None:
            expected[(a, b, technique)] = fix.key
    assert lab.owner == expected
    assert {key: edges for key, (_, edges) in lab.candidates.items()} == \
        {key: {edge for edge, owner in expected.items() if owner == key}
         for key in set(expected.values())}


def test_a_dearer_label_with_fewer_hops_still_reaches_what_the_cheaper_one_cannot() -> None:
    # The cheap route reaches the hub in three hops, after which the bound stops it; the
    # dear one, queued after it, reaches the hub in two and the secret in three.
    graph = nx.MultiDiGraph()
    for vertex in ("k8s:Pod:r/s", "k8s:Pod:r/a", "k8s:Pod:r/b", "k8s:Pod:r/x",
                   "k8s:Pod:r/h", "k8s:Secret:r/t"):
        graph.add_node(vertex, **vertex_attrs(vertex, crown_jewel="secret"
                                              if "Secret" in vertex else None))
    for a, b, cost in (("s", "a", 0.1), ("a", "b", 0.1), ("b", "h", 0.1), ("s", "x", 0.25),
                       ("x", "h", 5.0), ("h", "t", 1.0)):
        source, target = f"k8s:Pod:r/{a}", f"k8s:{'Secret' if b == 't' else 'Pod'}:r/{b}"
        graph.add_edge(source, target, key="t0", technique="t0", cost=cost)
    reached = {r.id: (r.cost, r.hops) for r in blast_radius(graph, "k8s:Pod:r/s",
                                                            max_hops=3).reachable}
    assert reached["k8s:Secret:r/t"] == (6.25, 3)
    assert reached["k8s:Pod:r/h"] == (0.3, 3)
    path = attack_paths(graph, "k8s:Pod:r/s", "k8s:Secret:r/t", max_hops=3).paths[0]
    assert (round(path.cost, 3), len(path.steps)) == (6.25, 3)


@pytest.mark.parametrize("avoid_techniques", [(), ("escape.privileged", "pod.contains")])
def test_a_built_graphs_fixes_read_while_its_walker_is_built_are_those_fix_of_gives(
        avoid_techniques: tuple[str, ...]) -> None:
    # A built graph keeps a pair's lone edge in shared parts, read on their own fast path;
    # a technique taken away sends every pair down the general one.
    graph = build_graph(load_k8s([demo_dir()]))
    question = ask(graph, "internet", "secret", avoid_techniques=avoid_techniques)
    lab = FixLab(graph, question)
    kinds = {v: str(graph.nodes[v]["kind"]) for v in graph}
    expected = {}
    for a, b, attrs in pruned(graph, lab.question).edges(data=True):
        fix = fix_of(a, b, attrs, kinds)
        if fix is not None:
            expected[(a, b, attrs["technique"])] = fix.key
    assert expected and lab.owner == expected and len(lab.owner) == len(expected)
    # Edges never read have no owner: structural ones, those out of hubs, avoided ones.
    unread = [(a, b, t) for a, b, t in graph.edges(keys=True) if (a, b, t) not in expected]
    assert any(t == "pod.contains" for _, _, t in unread)
    assert any(a.startswith("hub:") for a, _, _ in unread)
    assert avoid_techniques == () or any(t == "escape.privileged" for _, _, t in unread)
    for edge in unread:
        assert edge not in lab.owner and lab.owner.get(edge) is None
    with pytest.raises(KeyError):
        lab.owner[unread[0]]
    assert {key: edges for key, (_, edges) in lab.candidates.items()} == \
        {key: {edge for edge, owner in expected.items() if owner == key}
         for key in set(expected.values())}
    assert all(fix.key == key for key, (fix, _) in lab.candidates.items())
