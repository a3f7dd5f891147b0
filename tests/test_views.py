"""Design-review and notebook views: layout, route groups past ten paths, the compact
legend, HTML that Jupyter front ends cannot shrink, and PathSet's rich and flat forms."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import graphviz
import pandas
import pytest

from queries.pathset import AttackPath, PathSet, PathStep
from riskgraph.cli import main
from riskgraph.errors import RenderError
from riskgraph.graph import vertex_attrs
from riskgraph.report.diagram import dot_available, render, to_dot
from riskgraph.report.notebook import to_html

needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz dot is not installed")

LB = "k8s:Service:shop/web"


def replica_path(index: int) -> AttackPath:
    """internet -> the web service -> replica ``index``'s container -> its own secret."""
    container = f"k8s:Container:shop/web-{index}/app"
    return AttackPath((
        PathStep("internet", LB, "net.internet-exposed", "the load balancer is public",
                 "likely", 1.0),
        PathStep(LB, container, "net.routes-to", "the service sends port 80 to app",
                 "likely", 0.5),
        PathStep(container, f"k8s:Secret:shop/token-{index}", "pod.mounts-secret",
                 f"app mounts token-{index} at /var/run/token", "certain", 0.5 + index / 100)))


def odd_path() -> AttackPath:
    return AttackPath((PathStep("internet", LB, "net.internet-exposed", "public", "likely", 1.0),
                       PathStep(LB, "k8s:Node:ip-10-0-0-1", "escape.privileged",
                                "the container is privileged", "possible", 3.0)))


def path_set(paths: tuple[AttackPath, ...]) -> PathSet:
    vertices = {v: vertex_attrs(v, entry=v == "internet") for p in paths for v in p.vertices}
    return PathSet(paths, sources=1, targets=len(paths), vertices=vertices)


def replicas(count: int) -> PathSet:
    return path_set((*(replica_path(i) for i in range(count)), odd_path()))


def test_layout_is_left_to_right_or_top_to_bottom_and_nothing_else() -> None:
    paths = replicas(2)
    assert "rankdir=LR" in to_dot(paths)
    assert "rankdir=TB" in to_dot(paths, layout="TB")
    with pytest.raises(RenderError, match="unknown diagram layout 'XY'"):
        render(paths, "dot", layout="XY")


def test_past_ten_paths_one_route_is_drawn_per_group_with_a_count_badge() -> None:
    paths = replicas(12)  # 12 replicas of one route pattern, and one other route
    groups = [list(range(12)), [12]]
    dot = to_dot(paths, groups=groups)
    assert "13 attack paths · cheapest cost 2 · 2 route groups, one example route" in dot
    assert "G1: 12 paths, 12 targets" in dot and "G2: 1 path, 1 target" in dot
    assert "token-0" in dot and "token-1<" not in dot and "token-11" not in dot
    assert "G1 G2<" in next(line for line in dot.splitlines() if "<net.internet-exposed" in line)
    assert "#1" not in dot
    every = to_dot(paths)  # no groups given: every path is drawn
    assert "token-11" in every and "G1" not in every and "#13" in every


def test_ten_paths_or_fewer_are_drawn_in_full_even_with_groups() -> None:
    paths = replicas(9)
    dot = to_dot(paths, groups=[list(range(9)), [9]])
    assert "token-8" in dot and "#10" in dot and "route group" not in dot


def test_pathset_views_group_by_its_route_groups() -> None:
    paths = replicas(12)
    assert paths.groups() == (tuple(range(12)), (12,))
    html = paths._repr_html_()
    assert "<th" in html and ">group</th>" in html
    assert "13 attack paths · cheapest cost 2 · 2 route groups" in html.split("<p>")[1]
    assert html.count(">G1</td>") == 12 and html.count(">G2</td>") == 1
    if dot_available():
        assert "G1: 12 paths, 12 targets" in html
        svg = paths._repr_svg_()
        assert svg is not None and "G1: 12 paths, 12 targets" in svg


@needs_dot
@pytest.mark.parametrize("count", [0, 2, 12])
def test_the_legend_never_outweighs_the_paths(count: int) -> None:
    paths = path_set((replica_path(0),)) if count == 0 else replicas(count)
    laid_out = json.loads(graphviz.Source(to_dot(paths, groups=paths.groups())).pipe("json"))
    assert not any(str(o.get("name", "")).startswith("legend") for o in laid_out["objects"])
    _, _, width, height = map(float, laid_out["bb"].split(","))
    heading = float(laid_out["lwidth"]) * 72 * float(laid_out["lheight"]) * 72
    assert heading < (width * height - heading), (heading, width, height)


class _Html(HTMLParser):
    """Tags with their inline style and parent, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.tags: list[tuple[str, str, str]] = []  # (tag, style, parent's style)
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = dict(attrs).get("style") or ""
        parent = self.stack[-1][1] if self.stack else ""
        self.tags.append((tag, style, parent))
        if tag not in ("br", "path", "polygon", "ellipse", "polyline"):
            self.stack.append((tag, style))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not any(tag in ("svg", "title") for tag, _ in self.stack):
            self.text.append(data)


def parsed(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    return parser


def test_html_keeps_tables_left_and_reasons_visible() -> None:
    paths = replicas(2)
    view = parsed(to_html(paths))
    tables = [style for tag, style, _ in view.tags if tag == "table"]
    assert tables and all("margin-left:0" in s and "margin-right:auto" in s
                          and "table-layout:auto" in s for s in tables)
    cells = [style for tag, style, _ in view.tags if tag in ("td", "th")]
    assert len(cells) == 4 * (len(paths) + 1)  # rank, cost, confidence, steps
    assert all("text-align:left" in style for style in cells)
    seen = " ".join(view.text)
    for path in paths:
        for step in path.steps:
            assert step.reason in seen, step.reason


@needs_dot
def test_html_diagram_keeps_its_natural_size_and_scrolls_sideways() -> None:
    html = to_html(replicas(2), "Review")
    view = parsed(html)
    svgs = [(style, parent) for tag, style, parent in view.tags if tag == "svg"]
    assert len(svgs) == 1
    style, container = svgs[0]
    assert "max-width:none" in style and "height:auto" in style
    assert "overflow-x:auto" in container
    assert re.search(r'<svg style="[^"]*" width="\d+pt" height="\d+pt"', html)
    assert "<?xml" not in html and "<!DOCTYPE" not in html
    assert to_html(replicas(2), layout="TB") != to_html(replicas(2), layout="LR")


def test_an_attack_path_shows_itself_with_its_reasons() -> None:
    paths = replicas(3)
    html = paths[1]._repr_html_()
    seen = " ".join(parsed(html).text)
    assert "app mounts token-1 at /var/run/token" in seen
    assert "internet \u2192 k8s:Secret:shop/token-1" in seen
    assert "token-2" not in html and "token-0" not in html


def test_reprs_are_one_short_line() -> None:
    paths = replicas(12)
    assert repr(paths) == "<PathSet 13 paths from 1 sources to 13 targets, cheapest 2>"
    assert repr(paths[1]) == ("<AttackPath internet -> k8s:Secret:shop/token-1: cost 2.01, "
                              "likely, 3 steps>")
    assert repr(paths[0].steps[2]) == ("<PathStep k8s:Container:shop/web-0/app "
                                       "-[pod.mounts-secret, certain]-> "
                                       "k8s:Secret:shop/token-0>")
    assert repr(PathSet((), 0, 0, truncated=True)) == ("<PathSet 0 paths from 0 sources to "
                                                       "0 targets, truncated>")


def test_records_and_dataframe_have_one_row_per_path_in_rank_order() -> None:
    paths = replicas(2)
    records = paths.to_records()
    assert records[0] == {"rank": 1, "source": "internet", "target": "k8s:Secret:shop/token-0",
                          "target_kind": "Secret", "cost": 2.0, "confidence": "likely",
                          "hops": 3,
                          "pattern": "net.internet-exposed > net.routes-to > pod.mounts-secret"}
    assert [r["target"] for r in records][-1] == "k8s:Node:ip-10-0-0-1"
    frame = paths.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.index) == [1, 2, 3] and frame.index.name == "rank"
    assert frame.loc[3, "confidence"] == "possible" and frame.loc[3, "hops"] == 2
    assert frame["cost"].tolist() == [r["cost"] for r in records]
    bare = PathSet(paths.paths, 1, 3).to_records()  # no vertex attributes: kinds from ids
    assert [r["target_kind"] for r in bare] == ["Secret", "Secret", "Node"]
    empty = PathSet((), 0, 0).to_dataframe()
    assert empty.empty and "pattern" in empty.columns


def dot_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*args, "--demo", "--format", "dot", "--quiet"]) == 0
    return capsys.readouterr().out


def test_cli_diagrams_default_to_the_question_and_the_input(
        capsys: pytest.CaptureFixture[str]) -> None:
    paths = dot_of(["paths", "--to", "secret"], capsys)
    assert "Attack paths: internet \u2192 secret · demo estate" in paths
    assert "rankdir=LR" in paths
    fixes = dot_of(["fixes", "--from", "any-pod", "--to", "cluster-admin"], capsys)
    assert "Fixes: any-pod \u2192 cluster-admin · demo estate" in fixes
    blast = dot_of(["blast", "--from", "pod:web/storefront"], capsys)
    assert "Blast radius of pod:web/storefront · demo estate" in blast


def test_cli_title_and_layout_reach_every_diagram(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["paths"], ["fixes"], ["blast", "--from", "pod:web/storefront"]):
        dot = dot_of([*command, "--title", "Design review <3>", "--layout", "TB"], capsys)
        assert "Design review &lt;3&gt;" in dot and "rankdir=TB" in dot
        assert "demo estate" not in dot
    with pytest.raises(SystemExit):
        main(["paths", "--demo", "--layout", "diagonal"])
    assert "invalid choice: 'diagonal'" in capsys.readouterr().err


def test_cli_groups_routes_past_ten_paths(capsys: pytest.CaptureFixture[str]) -> None:
    dot = dot_of(["paths", "--to", "k8s:*", "--top", "40"], capsys)
    found = int(re.search(r"(\d+) attack paths", dot).group(1))  # type: ignore[union-attr]
    assert found > 10 and "route groups, one example route drawn per group" in dot
    assert re.search(r"G\d+: \d+ paths, \d+ targets", dot)
