"""The bundled demo estate: a small EKS cluster and its AWS account, written for riskgraph.

The Kubernetes side is manifests (``*.yaml``); the AWS side is ``aws ... --output json``
documents under ``aws/``.

>>> sorted(p.name for p in demo_files())[:2]
['00-namespaces.yaml', '10-web.yaml']
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def demo_dir() -> Path:
    """The folder holding the demo manifests (pass it to ``ingest.load_k8s``)."""
    return Path(str(resources.files(__name__)))


def demo_files() -> list[Path]:
    """The demo manifests, in reading order."""
    return sorted(demo_dir().glob("*.yaml"))


def demo_aws_files() -> list[Path]:
    """The demo AWS account's CLI output documents."""
    return sorted((demo_dir() / "aws").glob("*.json"))
