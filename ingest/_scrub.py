"""What never leaves a live read: values that can hold credentials, dropped from each object
or document as it arrives, so no snapshot, graph, output or message can hold them.

Kubernetes: a Secret's ``data`` and ``stringData``; a ConfigMap's data (but what
:data:`~riskgraph.models.k8s.KEPT_CONFIG_DATA` keeps); the literal ``value`` of every
container's environment variables, in pods and in the pod templates of workloads (names and
``valueFrom`` references stay: they are what the analysis reads); the
``last-applied-configuration`` annotation, which copies all of these; and ``managedFields``
(bookkeeping only). AWS: a launch template's ``UserData``, the node bootstrap script that
often holds credentials, which becomes ``UserDataBytes``, its decoded size (riskgraph reads
no bootstrap flag from it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from riskgraph.models.base import DROPPED_ANNOTATIONS
from riskgraph.models.k8s import strip_config_data

__all__ = ["strip_k8s", "strip_launch_templates"]

_TEMPLATE_SPEC = ("spec", "template", "spec")
#: Where each kind keeps the pod spec whose containers may carry environment values.
_POD_SPECS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",), "CronJob": ("spec", "jobTemplate", *_TEMPLATE_SPEC),
    **dict.fromkeys(("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet",
                     "ReplicationController", "Job"), _TEMPLATE_SPEC)}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def strip_k8s(kind: str, item: dict[str, Any]) -> None:
    """Drop, in place, what in a raw API object of ``kind`` can hold a secret value."""
    meta = _dict(item.get("metadata"))
    meta.pop("managedFields", None)
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        for annotation in DROPPED_ANNOTATIONS:
            annotations.pop(annotation, None)
    if kind == "Secret":
        item.pop("data", None)
        item.pop("stringData", None)
    elif kind == "ConfigMap":
        strip_config_data(item)
    elif kind in _POD_SPECS:
        spec: Any = item
        for key in _POD_SPECS[kind]:
            spec = _dict(spec).get(key)
        for name in _CONTAINER_LISTS:
            for container in _list(_dict(spec).get(name)):
                for variable in _list(_dict(container).get("env")):
                    _dict(variable).pop("value", None)


def strip_launch_templates(page: dict[str, Any]) -> None:
    """Replace, in place, each ``UserData`` of a ``describe-launch-template-versions`` page
    by ``UserDataBytes``, the size of the script it held."""
    for version in _list(page.get("LaunchTemplateVersions")):
        data = _dict(_dict(version).get("LaunchTemplateData"))
        if "UserData" in data:
            data["UserDataBytes"] = _decoded_size(data.pop("UserData"))


def _decoded_size(user_data: Any) -> int:
    text = user_data if isinstance(user_data, str) else ""
    try:
        return len(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):  # not base64 after all: its own length
        return len(text.encode())
