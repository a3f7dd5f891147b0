"""Diagrams and notebook views of attack paths, drawn by the real Graphviz ``dot``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from queries.pathset import AttackPath, PathSet, PathStep
from riskgraph.confidence import Confidence
from riskgraph.errors import RenderError
from riskgraph.graph import vertex_attrs
from riskgraph.report.diagram import dot_available, render, to_dot
from riskgraph.report.diagram_style import vertex_look
from riskgraph.report.notebook import to_html

SVG_NS = "{http://www.w3.org/2000/svg}"

WEB_SVC = "k8s:Service:shop/web"
NGINX = "k8s:Container:shop/web/nginx"
WEB_SA = "k8s:ServiceAccount:shop/web"
WEB_ROLE = "arn:aws:iam::111122223333:role/web-role"
NODE_ROLE = "arn:aws:iam::111122223333:role/eks-node-role"
BUCKET = "arn:aws:s3:::customer-data"
POOL = "k8s:NodePool:general"
ALICE = "k8s:User:alice"
DEVS = "k8s:RoleBinding:shop/devs"
EXEC_HUB = "hub:pods-exec:ns/shop"
WEB_POD = "k8s:Pod:shop/web"
DB_SECRET = "k8s:Secret:billing/db-creds"


def step(source: str, target: str, technique: str,
         confidence: Confidence = "certain", reason: str = "") -> PathStep:
    return PathStep(source, target, technique, reason or f"{technique} applies", confidence, 1.0)


def path_set(*paths: tuple[PathStep, ...], extra: dict[str, dict[str, object]] | None = None,
             ) -> PathSet:
    built = tuple(AttackPath(steps) for steps in paths)
    vertex_ids = {v for p in built for v in p.vertices}
    vertices = {v: vertex_attrs(v, entry=v in ("internet", ALICE)) for v in vertex_ids}
    for vertex_id, attrs in (extra or {}).items():
        vertices[vertex_id].update(attrs)
    return PathSet(built, sources=2, targets=2, vertices=vertices)


def three_paths() -> PathSet:
    exposed = (step("internet", WEB_SVC, "net.internet-exposed"),
               step(WEB_SVC, NGINX, "net.routes-to"))
    return path_set(
        (*exposed, step(NGINX, WEB_SA, "pod.runs-as"), step(WEB_SA, WEB_ROLE, "pod.irsa"),
         step(WEB_ROLE, BUCKET, "aws.data-read")),
        (*exposed, step(NGINX, POOL, "escape.sys-admin", "likely"),
         step(POOL, NODE_ROLE, "node.instance-role", "possible"),
         step(NODE_ROLE, BUCKET, "aws.data-read")),
        (step(ALICE, DEVS, "rbac.pods-exec"), step(DEVS, EXEC_HUB, "rbac.pods-exec"),
         step(EXEC_HUB, WEB_POD, "rbac.pods-exec"), step(WEB_POD, NGINX, "pod.contains"),
         step(NGINX, DB_SECRET, "pod.mounts-secret")),
        extra={WEB_POD: {"template_of": "Deployment/web"}},
    )


def clusters(dot: str) -> list[str]:
    return re.findall(r"subgraph (cluster_\w+)", dot)


def svg_text(svg: bytes) -> str:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return " ".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))


needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz dot is not installed")


def node_line(dot: str, vertex_id: str) -> str:
    return next(line for line in dot.splitlines() if f'tooltip="{vertex_id}' in line)


def test_dot_has_one_cluster_per_namespace_and_cluster_scoped_vertices_outside() -> None:
    dot = to_dot(three_paths())
    assert sorted(clusters(dot)) == ["cluster_ns_0", "cluster_ns_1"]
    assert dot.count("namespace <B>shop</B>") == 1
    assert dot.count("namespace <B>billing</B>") == 1
    shop = dot[dot.index("namespace <B>shop</B>"):]
    shop = shop[:shop.index("\n\t}")]
    for inside in (NGINX, DEVS, EXEC_HUB, WEB_POD, WEB_SVC, WEB_SA):
        assert f'tooltip="{inside}' in shop, inside
        assert node_line(dot, inside).startswith("\t\tv"), inside
    assert "any pod in ns shop" in shop
    for outside in (ALICE, POOL, WEB_ROLE, BUCKET):
        assert f'tooltip="{outside}' not in shop
        assert node_line(dot, outside).startswith("\tv"), outside  # top level, no cluster


def test_dot_marks_entries_and_targets_and_labels_every_technique() -> None:
    paths = three_paths()
    dot = to_dot(paths)
    assert dot.count(">ENTRY<") == 2  # internet and alice
    assert dot.count(">TARGET<") == 2  # bucket and secret
    for technique in {s.technique for p in paths for s in p.steps}:
        assert f"<{technique}<BR/>" in dot, technique
    assert re.search(r"\[label=<escape.sys-admin.*style=dashed", dot)
    assert re.search(r"\[label=<node.instance-role.*style=dotted", dot)
    assert re.search(r"\[label=<pod.irsa.*style=solid", dot)


def test_shared_steps_are_one_edge_carrying_every_path_number() -> None:
    dot = to_dot(three_paths())
    assert dot.count("<net.internet-exposed<BR/>") == 1
    exposed = next(line for line in dot.splitlines() if "net.internet-exposed" in line)
    assert "#1 #2<" in exposed and "#3" not in exposed
    routes = next(line for line in dot.splitlines() if "<net.routes-to" in line)
    assert "#1 #2<" in routes
    assert "paths #1 #2" in routes  # the tooltip names them too


def legend_of(dot: str) -> str:
    """The legend table in the diagram's heading."""
    start = dot.index('<FONT POINT-SIZE="7"><TABLE')
    return dot[start:dot.index("</TABLE></FONT>", start)]


def test_legend_explains_only_what_the_diagram_uses() -> None:
    legend = legend_of(to_dot(three_paths()))
    for text in ("ENTRY: attacker starts", "TARGET", "certain step", "likely", "possible",
                 "ServiceAccount, User", "AWS data", "aggregation hub"):
        assert text in legend, text
    legend = legend_of(to_dot(path_set((step("internet", WEB_SVC, "net.internet-exposed"),))))
    assert "certain step" in legend
    assert "likely" not in legend and "possible" not in legend
    assert "ServiceAccount" not in legend and "aggregation hub" not in legend


def test_ids_stay_out_of_node_names_and_output_is_deterministic() -> None:
    paths = three_paths()
    dot = to_dot(paths, title="Shop review")
    names = re.findall(r"^\s*(\S+) \[", dot, flags=re.MULTILINE)
    assert all(re.fullmatch(r"v\d+|legend_\w+|graph|node|edge", n) for n in names), names
    assert f'tooltip="{WEB_ROLE}"' in dot and "Shop review" in dot
    reordered = PathSet(tuple(paths), paths.sources, paths.targets,
                        vertices=dict(reversed(list(paths.vertices.items()))))
    assert to_dot(reordered, title="Shop review") == dot


def test_special_characters_cannot_break_the_dot_or_html() -> None:
    nasty = 'web"><script>alert(1)</script>\\'
    weird = f"k8s:Pod:shop/{nasty}"
    paths = path_set((step("internet", weird, "net.internet-exposed",
                           reason='exposes "<b>" & more'),))
    dot = to_dot(paths, title='review "<q>"')
    html_labels = re.findall(r"label=<(.*?)>(?: [a-z]|\]$)", dot, flags=re.MULTILINE)
    assert html_labels and not any("<script>" in label for label in html_labels)
    assert any("web&quot;&gt;&lt;script&gt;" in label for label in html_labels)
    assert "&quot;&lt;q&gt;&quot;" in dot
    assert 'tooltip="k8s:Pod:shop/web\\"><script>alert(1)</script>\\\\"' in dot
    html = to_html(paths)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&quot;&lt;b&gt;&quot; &amp; more" in html
    if dot_available():
        assert "alert(1)" in svg_text(render(paths, "svg", title='review "<q>"'))


@needs_dot
def test_svg_is_real_svg_with_the_technique_text() -> None:
    text = svg_text(render(three_paths(), "svg"))
    for expected in ("net.internet-exposed", "rbac.pods-exec", "ENTRY", "TARGET",
                     "TARGET: attacker goal"):
        assert expected in text, expected


@needs_dot
def test_png_and_pdf_are_real_images(tmp_path: Path) -> None:
    png = render(three_paths(), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert render(three_paths(), "pdf").startswith(b"%PDF")
    assert render(three_paths(), "dot").decode() == to_dot(three_paths())


def test_missing_dot_is_a_render_error_that_says_how_to_fix_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not dot_available()
    with pytest.raises(RenderError) as raised:
        render(three_paths(), "svg")
    message = str(raised.value)
    assert "not installed" in message and "apt-get install -y graphviz" in message
    assert "brew install graphviz" in message and "--format dot" in message
    assert render(three_paths(), "dot").startswith(b"digraph")
    assert three_paths()._repr_svg_() is None
    html = three_paths()._repr_html_()
    assert "<svg" not in html and "rbac.pods-exec" in html


def test_unknown_format_is_refused() -> None:
    with pytest.raises(RenderError, match="jpeg"):
        render(three_paths(), "jpeg")


def test_empty_pathset_renders_a_note() -> None:
    empty = PathSet((), sources=3, targets=1)
    dot = to_dot(empty)
    assert "no attack paths found" in dot and "searched 3 entry points and 1 target" in dot
    assert "cluster_legend" not in dot
    assert "no attack paths found" in empty._repr_html_()
    if dot_available():
        assert "no attack paths found" in svg_text(render(empty, "svg"))


def test_html_repr_lists_every_step_with_the_diagram_above() -> None:
    paths = three_paths()
    html = paths._repr_html_()
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>([\d.]+)</td><td[^>]*>(\w+)</td>", html)
    assert rows == [("1", "5", "certain"), ("2", "5", "possible"), ("3", "5", "certain")]
    for path in paths:
        for s in path.steps:
            assert (f"<code>{s.source}</code> &rarr; <code>{s.target}</code> "
                    f"({s.technique}, {s.confidence})") in html
    if dot_available():
        assert html.index("<svg") < html.index("<table")
        assert "<?xml" not in html
        svg = paths._repr_svg_()
        assert svg is not None and "net.internet-exposed" in svg_text(svg.encode())


def test_unknown_kinds_and_odd_ids_still_draw() -> None:
    odd = "something-else"
    paths = path_set((step(odd, "k8s:Widget:shop/w", "x.custom"),
                      step("k8s:Widget:shop/w", "aws:Admin:111122223333", "aws.admin")))
    dot = to_dot(paths)
    assert "Widget" in dot and "AWS account admin" in dot and "Unknown" in dot
    assert clusters(dot).count("cluster_ns_0") == 1


def test_aws_arns_read_as_service_type_and_name() -> None:
    secret = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"
    role = "arn:aws:iam::111122223333:role/team/ci/deployer"
    dot = to_dot(path_set((step(WEB_SA, role, "pod.irsa"), step(role, secret, "aws.data-read"))))
    assert "Secrets Manager secret</FONT><BR/><B>prod/db-AbCdEf</B>" in node_line(dot, secret)
    assert "shape=cylinder" in node_line(dot, secret)
    assert "IAM role</FONT><BR/><B>deployer</B>" in node_line(dot, role)
    assert "shape=box" in node_line(dot, role)


@pytest.mark.parametrize(("arn", "heading"), [
    ("arn:aws:elasticache:us-east-1:111122223333:cluster:sessions", "ElastiCache cluster"),
    ("arn:aws:es:us-east-1:111122223333:domain/search", "OpenSearch domain"),
    ("arn:aws:redshift:us-east-1:111122223333:cluster:dwh", "Redshift cluster"),
])
def test_vpc_data_services_are_drawn_as_data_stores(arn: str, heading: str) -> None:
    look = vertex_look(arn, {}, frozenset())
    assert look.style.group == "aws-data"
    assert heading in look.heading
