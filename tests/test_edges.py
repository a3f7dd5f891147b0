"""Compact edge attributes behave as the dicts they replace, inside networkx and out."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from ingest import inventory_from_text, load_k8s
from riskgraph import build_graph
from riskgraph.demo import demo_dir
from riskgraph.edges import AttackGraph, EdgeAttrs, EdgeKeys, Reason, Shared
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Technique, get

#: Each reason the templated techniques give on their own examples, as the f-strings they
#: replaced wrote it ("technique|example|source|target": sentence).
REASONS = json.loads((Path(__file__).parent / "fixtures" / "edges" / "reasons.json").read_text())

METADATA = Shared({"technique": "pod.contains", "cost": 0.5, "confidence": "certain",
                   "mitre": "T1609"})
EVIDENCE = ("k8s:Pod:shop/web: containers[0].name=\"nginx\"",)
AS_DICT = {"technique": "pod.contains", "reason": "pod web runs container nginx",
           "evidence": EVIDENCE, "cost": 0.5, "confidence": "certain", "mitre": "T1609"}


RUNS = Reason("pod {} runs container {}", "web", "nginx")


def attrs_of(reason: str | Reason = RUNS) -> EdgeAttrs:
    return EdgeAttrs.of(METADATA, reason, EVIDENCE)


@pytest.fixture(scope="module")
def demo() -> nx.MultiDiGraph:
    return build_graph(load_k8s([demo_dir()]))


def plain_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with a plain dict per edge, as the builder made it before."""
    plain = nx.MultiDiGraph()
    plain.graph.update(graph.graph)
    plain.add_nodes_from(graph.nodes(data=True))
    plain.add_edges_from((u, v, k, dict(a)) for u, v, k, a in graph.edges(keys=True, data=True))
    return plain


def test_reads_as_the_dict_it_replaces_in_the_same_key_order() -> None:
    attrs = attrs_of()
    assert list(attrs) == list(AS_DICT) and len(attrs) == len(AS_DICT)
    assert attrs == AS_DICT and attrs == AS_DICT and dict(attrs) == AS_DICT
    assert list(attrs.items()) == list(AS_DICT.items())
    assert attrs["reason"] == "pod web runs container nginx"
    assert attrs.get("traversable", True) is True and attrs.get("cost") == 0.5
    assert "mitre" in attrs and "traversable" not in attrs
    assert json.dumps(dict(attrs)) == json.dumps(AS_DICT)
    with pytest.raises(KeyError):
        attrs["traversable"]
    assert attrs != {**AS_DICT, "cost": 1.0} and attrs != {**AS_DICT, "extra": 1}


def test_a_plain_sentence_is_never_formatted() -> None:
    assert attrs_of("braces {0} stay {")["reason"] == "braces {0} stay {"


def test_writes_and_deletes_touch_one_edge_only() -> None:
    first, second = attrs_of(), attrs_of()
    first.update(technique="changed", cost=3.0, marked=True)
    first["reason"] = Reason("now {0}", "this")
    del first["mitre"]
    del first["evidence"]
    assert dict(first) == {"technique": "changed", "reason": "now this", "cost": 3.0,
                           "confidence": "certain", "marked": True}
    assert second == AS_DICT and dict(METADATA) == {"technique": "pod.contains", "cost": 0.5,
                                                    "confidence": "certain", "mitre": "T1609"}
    assert first.pop("marked") is True and first.setdefault("evidence", ()) == ()
    with pytest.raises(KeyError):
        del first["mitre"]
    with pytest.raises(KeyError):
        del second["traversable"]


def test_survives_pickle_and_deepcopy_unchanged_and_unshared() -> None:
    attrs = attrs_of()
    for back in (pickle.loads(pickle.dumps(attrs)), copy.deepcopy(attrs), copy.copy(attrs)):
        assert isinstance(back, EdgeAttrs) and back == AS_DICT
        back["technique"] = "other"
        assert attrs["technique"] == "pod.contains"
    assert "reason" not in pickle.loads(pickle.dumps(EdgeAttrs()))


def test_the_built_graph_holds_them_and_shares_metadata_and_evidence(
        demo: nx.MultiDiGraph) -> None:
    assert isinstance(demo, nx.MultiDiGraph) and isinstance(demo, AttackGraph)
    edges = list(demo.edges(keys=True, data=True))
    assert all(type(attrs) is EdgeAttrs for _, _, _, attrs in edges)
    by_evidence: dict[tuple[str, ...], Any] = {}
    for _, _, _, attrs in edges:
        assert isinstance(attrs["reason"], str) and isinstance(attrs["evidence"], tuple)
        assert by_evidence.setdefault(attrs["evidence"], attrs["evidence"]) is attrs["evidence"]
    assert len(by_evidence) < len(edges)


def test_node_link_export_is_what_plain_dicts_give(demo: nx.MultiDiGraph) -> None:
    ours = json.dumps(nx.node_link_data(demo, edges="edges"))
    assert ours == json.dumps(nx.node_link_data(plain_copy(demo), edges="edges"))


def test_networkx_algorithms_copies_and_views_read_them(demo: nx.MultiDiGraph) -> None:
    plain = plain_copy(demo)
    target = "k8s:Secret:payments/payments-db"
    assert nx.shortest_path_length(demo, "internet", target, weight="cost") == \
        nx.shortest_path_length(plain, "internet", target, weight="cost") > 0
    assert nx.shortest_path(demo, "internet", target, weight="cost") == \
        nx.shortest_path(plain, "internet", target, weight="cost")
    reverse, copied = nx.reverse(demo), demo.copy()
    sub = demo.subgraph(list(demo)[:200])
    for graph in (reverse, copied, sub, pickle.loads(pickle.dumps(demo))):
        assert graph.number_of_edges() > 0
        for u, v, k, attrs in graph.edges(keys=True, data=True):
            original = demo.edges[(v, u, k) if graph is reverse else (u, v, k)]
            assert attrs == original and type(attrs) is EdgeAttrs
    copied.edges["internet", next(iter(copied["internet"])), "net.internet-exposed"]["cost"] = 9.0
    assert all(a["cost"] != 9.0 for _, _, a in demo.edges(data=True))


def test_edges_added_the_networkx_way_hold_them_too() -> None:
    graph = AttackGraph()
    graph.add_edge("a", "b", "t", cost=2.0, reason="a reaches b")
    graph.add_edges_from([("b", "c", "t", {"cost": 1.0, "evidence": ["x"]})])
    assert type(graph.edges["a", "b", "t"]) is EdgeAttrs
    assert graph.edges["b", "c", "t"] == {"cost": 1.0, "evidence": ["x"]}
    assert nx.shortest_path(graph, "a", "c", weight="cost") == ["a", "b", "c"]


def test_one_parallel_edge_sits_in_slots_and_a_second_spills_into_a_dict() -> None:
    keys = EdgeKeys()
    assert (len(keys), list(keys), keys.items(), keys.get("a", 0)) == (0, [], (), 0)
    keys["a"] = 1
    assert dict(keys) == {"a": 1} and list(keys.items()) == [("a", 1)] and "b" not in keys
    keys["a"] = 2
    keys["b"] = 3
    assert dict(keys) == {"a": 2, "b": 3} and list(keys.values()) == [2, 3] and len(keys) == 2
    del keys["a"]
    assert dict(keys) == {"b": 3} and keys.get("a") is None
    single = EdgeKeys()
    single["x"] = 1
    for back in (pickle.loads(pickle.dumps(single)), single.copy(), copy.deepcopy(single)):
        assert dict(back) == {"x": 1}
    del single["x"]
    assert len(single) == 0 and list(single.values()) == []
    with pytest.raises(KeyError):
        del single["x"]
    with pytest.raises(KeyError):
        single["x"]


def test_networkx_adds_removes_and_filters_parallel_edges() -> None:
    graph = AttackGraph()
    graph.add_edge("a", "b", "t1", cost=1.0)
    graph.add_edge("a", "b", "t2", cost=0.5)
    assert graph.add_edge("a", "b", cost=3.0) == 2  # networkx's next free integer key
    assert graph.number_of_edges("a", "b") == 3 and type(graph["a"]["b"]) is not dict
    assert nx.shortest_path_length(graph, "a", "b", weight="cost") == 0.5
    graph.remove_edge("a", "b", "t2")
    assert sorted(map(str, graph["a"]["b"])) == ["2", "t1"]
    only = graph.edge_subgraph([("a", "b", "t1")])
    assert list(only.edges(keys=True, data="cost")) == [("a", "b", "t1", 1.0)]
    graph.remove_edges_from([("a", "b", "t1"), ("a", "b", 2)])
    assert not graph.has_edge("a", "b") and "b" not in graph["a"]


def test_templated_reasons_render_the_sentences_the_f_strings_wrote() -> None:
    rendered = {}
    for technique in sorted({key.split("|")[0] for key in REASONS}):
        entry = get(technique)
        for example in entry.examples:
            for edge in entry.find(inventory_from_text(example.manifests, example.name)):
                key = f"{technique}|{example.name}|{edge.source}|{edge.target}"
                rendered[key] = str(edge.reason)
    assert rendered == REASONS


def _twice(inv: Inventory) -> Iterator[Edge]:
    yield Edge("a", "b", Reason("first {}", "way"), ("x", "y"), "possible", 3.0)
    yield Edge("a", "b", Reason("second {}", "way"), ("y", "z", "z"), "likely", 1.0)
    yield Edge("a", "c", "elsewhere", ("y", "x"), "certain")
    yield Edge("c", "d", "same evidence, built apart", tuple(["y", "x"]))


def test_a_pair_found_twice_is_one_edge_with_the_cheaper_reason_and_both_evidence() -> None:
    technique = Technique("test.twice", "found twice", "low", None, "-", 2.0, _twice, ())
    graph = build_graph(inventory_from_text("", "empty"), [technique])
    merged, other = graph.edges["a", "b", "test.twice"], graph.edges["a", "c", "test.twice"]
    assert dict(merged) == {"technique": "test.twice", "reason": "second way",
                            "evidence": ("x", "y", "z"), "cost": 1.0, "confidence": "likely",
                            "mitre": None}
    assert (other["cost"], other["confidence"], other["evidence"]) == (2.0, "certain", ("y", "x"))
    assert graph.edges["c", "d", "test.twice"]["evidence"] is other["evidence"]
    assert graph.graph["edges_by_technique"] == {"test.twice": 3}
