"""Drawings of the graph itself: the scope (focus and radius, namespace, collapse), the
refusal of whole-estate hairballs, and a real ``dot`` render of the demo's storefront."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

from riskgraph.cli import main
from riskgraph.graph import vertex_attrs
from riskgraph.report.diagram import dot_available
from riskgraph.report.graph_diagram import graph_to_dot
from riskgraph.report.scope import neighbourhood, scoped


def chain() -> nx.MultiDiGraph:
    """internet -> svc -> container -> hub -> other container -> secret, plus pods."""
    graph = nx.MultiDiGraph()
    for vertex in ("internet", "k8s:Service:web/shop", "k8s:Container:web/shop/app",
                   "k8s:Pod:web/shop", "hub:net-reach:cluster", "k8s:Container:db/pg/pg",
                   "k8s:Pod:db/pg", "k8s:Secret:db/pw"):
        extra = {"pod": vertex.split("/")[1]} if ":Container:" in vertex else {}
        graph.add_node(vertex, **vertex_attrs(vertex, entry=vertex == "internet", **extra))
    for source, target, technique in (
            ("internet", "k8s:Service:web/shop", "net.internet-exposed"),
            ("k8s:Service:web/shop", "k8s:Container:web/shop/app", "net.routes-to"),
            ("k8s:Pod:web/shop", "k8s:Container:web/shop/app", "pod.contains"),
            ("k8s:Container:web/shop/app", "hub:net-reach:cluster", "net.reach"),
            ("hub:net-reach:cluster", "k8s:Container:db/pg/pg", "net.reach"),
            ("k8s:Pod:db/pg", "k8s:Container:db/pg/pg", "pod.contains"),
            ("k8s:Container:db/pg/pg", "k8s:Secret:db/pw", "pod.mounts-secret")):
        graph.add_edge(source, target, technique, technique=technique, cost=1.0,
                       confidence="certain", reason=f"{technique} step")
    return graph


def test_radius_counts_steps_both_ways_and_stops_there() -> None:
    graph = chain()
    one = neighbourhood(graph, ["k8s:Container:web/shop/app"], radius=1)
    assert one == {"k8s:Container:web/shop/app", "k8s:Service:web/shop", "k8s:Pod:web/shop",
                   "hub:net-reach:cluster"}
    two = neighbourhood(graph, ["k8s:Container:web/shop/app"], radius=2)
    assert "internet" in two and "k8s:Container:db/pg/pg" in two
    assert "k8s:Secret:db/pw" not in two and "k8s:Pod:db/pg" not in two


def test_namespace_scope_is_the_namespace_and_what_touches_it() -> None:
    chosen = neighbourhood(chain(), namespaces=["db"])
    assert {"k8s:Pod:db/pg", "k8s:Container:db/pg/pg", "k8s:Secret:db/pw",
            "hub:net-reach:cluster"} == chosen


def test_scoped_keeps_only_edges_inside_the_scope() -> None:
    graph = chain()
    part = scoped(graph, neighbourhood(graph, ["k8s:Service:web/shop"], radius=1))
    assert sorted(part.edges(keys=True)) == [
        ("internet", "k8s:Service:web/shop", "net.internet-exposed"),
        ("k8s:Service:web/shop", "k8s:Container:web/shop/app", "net.routes-to")]
    assert part.nodes["internet"]["entry"] is True


def test_collapse_folds_containers_into_pods_and_hubs_into_direct_edges() -> None:
    graph = chain()
    part = scoped(graph, set(graph), collapse=True)
    assert not any(":Container:" in v or v.startswith("hub:") for v in part)
    assert part.has_edge("k8s:Service:web/shop", "k8s:Pod:web/shop", "net.routes-to")
    assert part.has_edge("k8s:Pod:web/shop", "k8s:Pod:db/pg", "net.reach")
    assert "through hub:net-reach:cluster" in part.edges[
        "k8s:Pod:web/shop", "k8s:Pod:db/pg", "net.reach"]["reason"]
    assert not any(source == target for source, target in part.edges())
    kept = scoped(graph, {"k8s:Container:web/shop/app", "hub:net-reach:cluster"},
                  collapse=True)
    assert "hub:net-reach:cluster" in kept  # nothing leaves it inside the scope: not folded


def test_dot_marks_the_focus_and_labels_techniques() -> None:
    dot = graph_to_dot(chain(), "t", focus=["k8s:Pod:web/shop"])
    assert dot.count("penwidth=3") == 1 and "net.internet-exposed" in dot
    assert "cluster_ns_0" in dot and 'tooltip="k8s:Pod:web/shop"' in dot
    assert not re.search(r"^\s*\"?k8s:", dot, re.MULTILINE)  # ids are tooltips, not names


@pytest.mark.skipif(not dot_available(), reason="Graphviz dot is not installed")
def test_storefront_radius_two_renders_and_fits_a_review_page(tmp_path: Path) -> None:
    out = tmp_path / "storefront.svg"
    assert main(["graph", "--demo", "--format", "svg", "--focus", "pod:web/storefront",
                 "--radius", "2", "-o", str(out), "--quiet"]) == 0
    svg = out.read_text()
    width, height = (float(v) for v in re.search(
        r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())  # type: ignore[union-attr]
    assert max(width, height) * 96 / 72 <= 1600
    assert "storefront" in svg and "pod.contains" in svg
    collapsed = tmp_path / "collapsed.svg"
    assert main(["graph", "--demo", "--format", "svg", "--focus", "pod:web/storefront",
                 "--collapse", "-o", str(collapsed), "--quiet"]) == 0
    assert "Container" not in collapsed.read_text().split("Legend")[-1]


def test_whole_estate_drawing_is_refused_with_the_way_out(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--demo", "--format", "dot", "--quiet"]) == 2
    message = capsys.readouterr().err
    assert "--focus" in message and "--namespace" in message and "121 vertices" in message
    assert main(["graph", "--demo", "--format", "dot", "--namespace", "payments",
                 "--quiet"]) == 0
    assert "payments-api" in capsys.readouterr().out


def test_unknown_focus_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--demo", "--format", "dot", "--focus", "pod:web/nope",
                 "--quiet"]) == 2
    assert "pod:web/nope" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--format", "json", "--focus", "pod:web/storefront"],
    ["--format", "json", "--collapse"],
    ["--format", "svg", "--focus", "pod:web/storefront", "--radius", "-1"],
])
def test_drawing_options_without_a_drawing_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["graph", "--demo", "--quiet", *argv])
    assert exit_.value.code == 2


def test_without_dot_the_drawing_falls_back_to_its_dot_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "shop.svg"
    assert main(["graph", "--demo", "--format", "svg", "--namespace", "payments",
                 "-o", str(out), "--quiet"]) == 4
    assert "Graphviz" in capsys.readouterr().err and not out.exists()
    assert "payments-api" in (tmp_path / "shop.dot").read_text()
