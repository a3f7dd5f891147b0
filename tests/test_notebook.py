"""The threat-modelling notebook runs top to bottom and shows its diagram inline."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

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
