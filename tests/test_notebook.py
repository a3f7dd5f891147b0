"""The notebooks run top to bottom and show their diagrams and tables inline."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from riskgraph.report.diagram import dot_available

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01-threat-model-demo.ipynb"


def test_demo_notebook_executes_and_displays_paths(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    rich = [o for o in outputs if o.output_type in ("display_data", "execute_result")]
    svgs = [o for o in rich if "image/svg+xml" in o.get("data", {})]
    assert svgs, "no path diagram was displayed inline"
    assert "payments" in "".join(o["data"]["image/svg+xml"] for o in svgs)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "k8s:Secret:payments/payments-db" in printed
    into_aws = str(notebook.cells[-3].outputs[0]["data"]["text/plain"])
    assert "pod.imds" in into_aws and "aws:Admin:111122223333" in into_aws
    principals = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "user/ops-breakglass -> aws.eks-aws-auth -> k8s.masters" in principals
    assert "role/platform-admins -> aws.eks-access-entry" in principals


SESSION = NOTEBOOK.with_name("02-threat-modelling-session.ipynb")


def _outputs(notebook: nbformat.NotebookNode, code: str) -> tuple[str, str]:
    """(printed text, rich HTML) of the one code cell whose source holds ``code``."""
    cell = next(c for c in notebook.cells if c.cell_type == "code" and code in c.source)
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    html = "".join(str(o["data"].get("text/html", "")) for o in cell.outputs
                   if o.output_type in ("display_data", "execute_result"))
    return printed, html


def test_session_notebook_tells_the_review_story(tmp_path: Path) -> None:
    notebook = nbformat.read(SESSION, as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed, _ = _outputs(notebook, "blast_radius(graph")
    assert re.fullmatch(r"\d+ vertices reachable from k8s:Pod:web/storefront\n", printed)
    _, tree = _outputs(notebook, "storefront.routes")
    assert "text-align:left" in tree and "k8s:Secret:payments/payments-db" in tree
    printed, table = _outputs(notebook, "route_groups(to_secrets)")
    assert re.search(r"^G1: \d+ path\(s\), \d+ target\(s\): net.internet-exposed", printed,
                     flags=re.MULTILINE)
    assert "fix first: change" in printed and "<table" in table  # the DataFrame
    printed, _ = _outputs(notebook, "plan = fixes(")
    ranked = re.findall(r"removes (\d+) path\(s\); (\d+) of (\d+) remain", printed)
    assert ranked and int(ranked[-1][1]) < int(ranked[0][2])
    _, cut = _outputs(notebook, "marked = {")
    printed, _ = _outputs(notebook, "after_top = attack_paths(")
    before, after = map(int, re.search(r"(\d+) paths before, (\d+) after", printed).groups())
    assert after < before
    _, cluster_admin = _outputs(notebook, '"any-pod", "cluster-admin"')
    assert "Any pod \u2192 cluster-admin" in cluster_admin
    assert "margin-left:0" in cluster_admin
    _, into_aws = _outputs(notebook, "to_aws_admin[0]")
    assert "aws:Admin:111122223333" in into_aws and "pod.imds" in into_aws
    if dot_available():
        assert "overflow-x:auto" in cut and "fix 1" in cut and "max-width:none" in cut
        assert "rankdir" not in cluster_admin and "<svg" in cluster_admin
