"""What a live read drops before anything is kept or written (``ingest._scrub``)."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from ingest._scrub import strip_k8s, strip_launch_templates

ENV = [{"name": "PASSWORD", "value": "hunter2"},
       {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
KEPT = [{"name": "PASSWORD"}, ENV[1]]


def _spec() -> dict[str, Any]:
    return {"containers": [{"name": "a", "env": copy.deepcopy(ENV)}],
            "initContainers": [{"name": "i", "env": copy.deepcopy(ENV)}],
            "ephemeralContainers": [{"name": "e", "env": copy.deepcopy(ENV)}]}


@pytest.mark.parametrize(("kind", "wrap"), [
    ("Pod", lambda s: {"spec": s}),
    ("Deployment", lambda s: {"spec": {"template": {"spec": s}}}),
    ("StatefulSet", lambda s: {"spec": {"template": {"spec": s}}}),
    ("DaemonSet", lambda s: {"spec": {"template": {"spec": s}}}),
    ("ReplicaSet", lambda s: {"spec": {"template": {"spec": s}}}),
    ("ReplicationController", lambda s: {"spec": {"template": {"spec": s}}}),
    ("Job", lambda s: {"spec": {"template": {"spec": s}}}),
    ("CronJob", lambda s: {"spec": {"jobTemplate": {"spec": {"template": {"spec": s}}}}}),
])
def test_literal_env_values_go_and_names_and_references_stay(kind: str, wrap: Any) -> None:
    spec = _spec()
    strip_k8s(kind, wrap(spec))
    assert [c["env"] for c in (*spec["containers"], *spec["initContainers"],
                               *spec["ephemeralContainers"])] == [KEPT] * 3


def test_other_kinds_and_odd_shapes_are_left_alone() -> None:
    service = {"spec": {"containers": [{"env": copy.deepcopy(ENV)}]}}
    strip_k8s("Service", service)  # no pod spec there: nothing to strip, nothing else touched
    assert service["spec"]["containers"][0]["env"] == ENV
    for odd in ({"spec": None}, {"spec": {"containers": "x"}}, {"spec": {"template": 3}},
                {"spec": {"containers": [None, {"env": ["x", None]}]}}):
        before = copy.deepcopy(odd)
        strip_k8s("Deployment", odd)
        strip_k8s("Pod", odd)
        assert odd == before  # malformed input is the parser's to report, not a crash here


def test_user_data_becomes_its_size() -> None:
    script = b"#!/bin/bash\necho token=abc\n"
    page = {"LaunchTemplateVersions": [
        {"LaunchTemplateData": {"UserData": base64.b64encode(script).decode(),
                                "MetadataOptions": {"HttpTokens": "required"}}},
        {"LaunchTemplateData": {"UserData": "not base64!"}},
        {"LaunchTemplateData": {"MetadataOptions": {}}}, None]}
    strip_launch_templates(page)
    assert page["LaunchTemplateVersions"] == [
        {"LaunchTemplateData": {"UserDataBytes": len(script),
                                "MetadataOptions": {"HttpTokens": "required"}}},
        {"LaunchTemplateData": {"UserDataBytes": 11}},
        {"LaunchTemplateData": {"MetadataOptions": {}}}, None]
