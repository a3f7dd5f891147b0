"""Offline Kubernetes ingest: every input shape, the API defaults, bad input, secret hygiene."""

from __future__ import annotations

import gc
import io
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from ingest import _objects, k8s_files, load_k8s, parse_text, read_k8s
from riskgraph._gc import gc_paused
from riskgraph.builder import build_graph
from riskgraph.errors import InputError
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod
from riskgraph.techniques import get

POD_YAML = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: nginx
    image: nginx:1.25
"""

DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: api:1
"""


def pod(name: str, ns: str = "shop", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": "main", "image": "busybox"}], **spec}}


def kubectl_list(*items: dict[str, Any]) -> str:
    """What ``kubectl get -o json`` prints: indented, ``items`` before ``kind``."""
    return json.dumps({"apiVersion": "v1", "items": list(items), "kind": "List",
                       "metadata": {"resourceVersion": ""}}, indent=4)


def names(inv: Inventory) -> set[str]:
    return {f"{p.metadata.namespace}/{p.name}" for p in inv.pods}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


# Input shapes ---------------------------------------------------------------------------


def test_single_yaml_file(tmp_path: Path) -> None:
    inv = load_k8s([write(tmp_path / "pod.yaml", POD_YAML)])
    assert names(inv) == {"shop/web"}
    assert inv.pods[0].spec.containers[0].image == "nginx:1.25"
    assert inv.sources == [str(tmp_path / "pod.yaml")] and not inv.problems


def test_multi_document_yaml_with_markers_and_comments() -> None:
    text = f"---\n{POD_YAML}--- # second\n{DEPLOYMENT_YAML}...\n---\n# only a comment\n"
    inv = parse_text(text).inventory()
    assert names(inv) == {"shop/web", "shop/api"} and not inv.problems


def test_helm_template_output() -> None:
    text = (f"---\n# Source: shop/templates/pod.yaml\n{POD_YAML}"
            f"---\n# Source: shop/templates/empty.yaml\n"
            f"---\n# Source: shop/templates/api.yaml\n{DEPLOYMENT_YAML}")
    inv = parse_text(text, "helm").inventory()
    assert names(inv) == {"shop/web", "shop/api"} and not inv.problems


def test_json_object_and_concatenated_objects() -> None:
    assert names(parse_text(json.dumps(pod("a"))).inventory()) == {"shop/a"}
    two = json.dumps(pod("a"), indent=2) + "\n" + json.dumps(pod("b"))
    assert names(parse_text(two).inventory()) == {"shop/a", "shop/b"}


def test_json_garbage_after_an_object_and_scalars() -> None:
    text = json.dumps(pod("a"), indent=2) + '\n"just a string"\n}\n'
    parsed = parse_text(text, "odd.json")
    assert [o.name for o in parsed.objects] == ["a"]
    scalar, garbage = parsed.problems
    line = line_of(text, '"just a string"')
    assert (scalar.line, scalar.message) == (line, "expected a Kubernetes object, found str")
    assert garbage.line == line + 1 and "not valid JSON (Expecting value)" in garbage.message


def test_top_level_json_array() -> None:
    assert names(parse_text(json.dumps([pod("a"), pod("b")])).inventory()) == {"shop/a",
                                                                                "shop/b"}


def test_kubectl_list_of_mixed_kinds() -> None:
    rbac = "rbac.authorization.k8s.io/v1"
    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"}
    text = kubectl_list(
        pod("web-1"),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": "web", "namespace": "shop"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
         "type": "Opaque"},
        {"apiVersion": rbac, "kind": "Role", "metadata": {"name": "r", "namespace": "shop"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        {"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "shop"},
         "roleRef": {**ref, "kind": "Role", "name": "r"}, "subjects": None},
        {"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": "reader"}, "rules": []},
        {"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": "all"},
         "roleRef": ref, "subjects": [{"kind": "Group", "name": "system:authenticated"}]},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "web", "namespace": "shop"}})
    inv = parse_text(text, "dump.json").inventory()
    assert not inv.problems
    assert inv.counts == {"Pod": 1, "Service": 1, "ServiceAccount": 1, "Secret": 1, "Role": 1,
                          "RoleBinding": 1, "ClusterRole": 1, "ClusterRoleBinding": 1}
    assert inv.unknown_kinds == {"HorizontalPodAutoscaler": 1}
    assert {(b.kind, b.metadata.namespace) for b in inv.bindings} == {
        ("RoleBinding", "shop"), ("ClusterRoleBinding", None)}


def test_kubectl_yaml_list() -> None:
    text = ("apiVersion: v1\nitems:\n"
            + "".join("- " + POD_YAML.replace("\n", "\n  ").replace("web", n).rstrip() + "\n"
                      for n in ("a", "b"))
            + "kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    assert names(parse_text(text).inventory()) == {"shop/a", "shop/b"}


def test_api_list_items_take_their_kind_from_the_list() -> None:
    items = [{k: v for k, v in pod(n).items() if k != "kind"} for n in ("a", "b")]
    # The API server writes kind first; items lacking it must wait for it either way.
    first = json.dumps({"kind": "PodList", "apiVersion": "v1", "items": items})
    last = json.dumps({"apiVersion": "v1", "items": items, "kind": "PodList"})
    for text in (first, last):
        assert names(parse_text(text).inventory()) == {"shop/a", "shop/b"}


def test_object_with_items_that_is_not_a_list_is_one_object() -> None:
    text = json.dumps({"kind": "Widget", "items": [pod("a")]})
    parsed = parse_text(text)
    assert parsed.unknown_kinds == {"Widget": 1} and not parsed.objects


def test_json_read_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = pod("broken")
    broken["spec"]["hostPID"] = "sometimes"
    text = kubectl_list(*(pod(f"p{i}", hostPID=True) for i in range(10)), broken,
                        *(pod(f"q{i}", hostPID=True) for i in range(10)))
    whole = parse_text(text)
    monkeypatch.setattr(k8s_files, "_CHUNK", 7)
    chunked = parse_text(text)
    assert [o.model_dump() for o in chunked.objects] == [o.model_dump() for o in whole.objects]
    assert chunked.problems == whole.problems
    assert whole.problems[0].line == line_of(text, '"hostPID": "sometimes"')
    assert len(whole.objects) == 20
    assert all(isinstance(o, Pod) and o.spec.host_pid for o in whole.objects)
    assert parse_text(json.dumps([1234567, 89])).problems[0].line == 1


def test_directory_is_searched_recursively_skipping_hidden_entries(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", POD_YAML.replace("web", "a"))
    write(tmp_path / "sub" / "deeper" / "b.YML", POD_YAML.replace("web", "b"))
    write(tmp_path / "sub" / "c.json", json.dumps(pod("c")))
    write(tmp_path / ".git" / "d.yaml", POD_YAML.replace("web", "d"))
    write(tmp_path / "sub" / ".hidden.yaml", POD_YAML.replace("web", "e"))
    write(tmp_path / "notes.txt", POD_YAML.replace("web", "f"))
    inv = load_k8s([tmp_path])
    assert names(inv) == {"shop/a", "shop/b", "shop/c"}
    assert len(inv.sources) == 3


def test_named_file_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    assert names(load_k8s([write(tmp_path / "dump.txt", POD_YAML)])) == {"shop/web"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_as_from_process_substitution(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_text, args=(kubectl_list(pod("piped")),))
    writer.start()
    inv = load_k8s([fifo])
    writer.join()
    assert names(inv) == {"shop/piped"}


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(POD_YAML.encode())))
    monkeypatch.setattr(sys, "stdin", stdin)
    inv = load_k8s(["-"])
    assert names(inv) == {"shop/web"} and inv.sources == ["<stdin>"]
    assert not stdin.buffer.closed


def test_encodings_and_line_endings(tmp_path: Path) -> None:
    crlf = (POD_YAML + "---\n" + DEPLOYMENT_YAML).replace("\n", "\r\n")
    files = [write(tmp_path / "utf16.yaml", POD_YAML.replace("web", "wide").encode("utf-16")),
             write(tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps(pod("bom")).encode()),
             write(tmp_path / "crlf.yaml", crlf.encode())]
    inv = load_k8s(files)
    assert names(inv) == {"shop/wide", "shop/bom", "shop/web", "shop/api"} and not inv.problems


# Controllers and API defaults --------------------------------------------------------------


def workload(kind: str, name: str, owner: str | None = None) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "app"}]}}
    spec: dict[str, Any] = ({"jobTemplate": {"spec": {"template": template}}}
                            if kind == "CronJob" else {"template": template})
    meta: dict[str, Any] = {"name": name, "namespace": "shop"}
    if owner:
        owner_kind, owner_name = owner.split("/")
        meta["ownerReferences"] = [{"kind": owner_kind, "name": owner_name, "controller": True}]
    return {"kind": kind, "metadata": meta, "spec": spec}


def test_every_controller_becomes_one_template_pod() -> None:
    kinds = ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController",
             "Job", "CronJob"]
    inv = parse_text(kubectl_list(*(workload(k, k.lower()) for k in kinds))).inventory()
    assert sorted(p.template_of or "" for p in inv.pods) == sorted(f"{k}/{k.lower()}"
                                                                   for k in kinds)
    cron = next(p for p in inv.pods if p.template_kind == "CronJob")
    assert cron.spec.containers[0].name == "main" and cron.metadata.labels == {"app": "cronjob"}


def test_owned_replica_set_and_job_are_not_doubled() -> None:
    inv = parse_text(kubectl_list(
        workload("Deployment", "web"), workload("ReplicaSet", "web-5d8f", "Deployment/web"),
        workload("ReplicaSet", "orphan-77c", "Deployment/gone"),
        workload("CronJob", "nightly"), workload("Job", "nightly-2891", "CronJob/nightly"),
        {**pod("web-5d8f-x2k"), "metadata": {"name": "web-5d8f-x2k", "namespace": "shop",
                                            "ownerReferences": [{"kind": "ReplicaSet",
                                                                 "name": "web-5d8f"}]}},
    )).inventory()
    assert {p.template_of for p in inv.pods} == {
        "Deployment/web", "ReplicaSet/orphan-77c", "CronJob/nightly", None}
    assert names(inv) == {"shop/web", "shop/orphan-77c", "shop/nightly", "shop/web-5d8f-x2k"}


def test_api_server_defaults() -> None:
    text = """\
kind: Pod
metadata: {name: bare}
spec:
  containers: [{name: c, ports: [{containerPort: 80}]}]
---
kind: Service
metadata: {name: svc}
spec: {ports: [{port: 80}]}
---
kind: Namespace
metadata: {name: shop}
---
kind: ClusterRole
metadata: {name: reader}
"""
    inv = parse_text(text).inventory()
    bare = inv.pods[0]
    assert bare.metadata.namespace == "default" and inv.services[0].namespace == "default"
    assert inv.namespaces[0].namespace is None
    assert next(r for r in inv.roles if r.name == "reader").namespace is None
    assert bare.spec.effective_service_account == "default"
    assert bare.spec.containers[0].ports[0].protocol == "TCP"
    assert inv.services[0].spec.ports[0].protocol == "TCP"
    assert inv.services[0].spec.type == "ClusterIP"
    # automountServiceAccountToken is left unset; its default (true) is applied where it
    # matters: the container holds the default service account's token.
    assert bare.spec.automount_service_account_token is None
    assert {(e.source, e.target) for e in get("pod.runs-as").find(inv)} == {
        ("k8s:Container:default/bare/c", "k8s:ServiceAccount:default/default")}


# Bad input ------------------------------------------------------------------------------------


def test_truncated_json_keeps_complete_objects(tmp_path: Path) -> None:
    full = kubectl_list(pod("a"), pod("b"), pod("c"))
    cut = full[:full.index('"name": "c"') + 10]
    path = write(tmp_path / "dump.json", cut)
    inv = load_k8s([path])
    assert names(inv) == {"shop/a", "shop/b"}
    [problem] = inv.problems
    assert problem.source == str(path) and problem.line == cut.count("\n") + 1
    assert "not valid JSON" in problem.message


def test_yaml_syntax_error_spoils_only_its_document(tmp_path: Path) -> None:
    bad = "kind: ConfigMap\nmetadata:\n  name: bad: value\n"
    text = (f"# Source: a.yaml\n{POD_YAML}---\n# Source: b.yaml\n{bad}"
            f"--- # Source: c.yaml\n{DEPLOYMENT_YAML}")
    path = write(tmp_path / "many.yaml", text)
    inv = load_k8s([path])
    assert names(inv) == {"shop/web", "shop/api"}
    [problem] = inv.problems
    assert (problem.source, problem.line) == (str(path), line_of(text, "  name: bad"))
    assert "not valid YAML" in problem.message


def test_invalid_object_names_file_line_object_and_field(tmp_path: Path) -> None:
    bad_port = DEPLOYMENT_YAML.replace(
        "image: api:1", "image: api:1\n        ports:\n        - containerPort: http")
    text = POD_YAML + "---\n" + bad_port
    path = write(tmp_path / "app.yaml", text)
    inv = load_k8s([path])
    assert names(inv) == {"shop/web"}
    [problem] = inv.problems
    assert problem.source == str(path) and problem.obj == "Deployment shop/api"
    assert problem.line == line_of(text, "- containerPort: http")
    assert "spec.template.spec.containers[0].ports[0].containerPort" in problem.message


def test_invalid_item_of_a_json_dump_is_located() -> None:
    broken = pod("b")
    broken["spec"]["containers"][0]["ports"] = [{"containerPort": "http"}]
    text = kubectl_list(pod("a"), broken, pod("c"))
    parsed = parse_text(text, "dump.json")
    assert [o.name for o in parsed.objects] == ["a", "c"]
    [problem] = parsed.problems
    assert (problem.source, problem.obj) == ("dump.json", "Pod shop/b")
    assert problem.line == line_of(text, '"containerPort": "http"')
    assert "spec.containers[0].ports[0].containerPort" in problem.message


def test_objects_without_source_text_have_problems_without_lines() -> None:
    out = _objects.ParsedObjects()
    broken = {"kind": "List", "items": [pod("a"), {"kind": "Pod", "metadata": {"name": "b"},
                                                   "spec": {"containers": [{}]}}]}
    _objects.parse_object(broken, "api:pods", None, out)
    assert [o.name for o in out.objects] == ["a"]
    [problem] = out.problems
    assert (problem.line, problem.obj) == (None, "Pod b")
    assert "spec.containers[0].name: Field required" in problem.message


def test_missing_field_and_missing_kind_in_a_yaml_list() -> None:
    text = """\
apiVersion: v1
items:
- kind: RoleBinding
  metadata: {name: nobody, namespace: shop}
- metadata: {name: kindless}
kind: List
"""
    parsed = parse_text(text, "list.yaml")
    binding, kindless = parsed.problems
    assert (binding.obj, binding.line) == ("RoleBinding shop/nobody", 3)
    assert "roleRef: Field required" in binding.message
    assert (kindless.line, kindless.obj) == (5, "object kindless")


def test_unknown_kinds_are_counted_not_fatal(tmp_path: Path) -> None:
    text = POD_YAML + "---\nkind: VirtualService\nmetadata: {name: x}\n---\nkind: VirtualService\n"
    inv = load_k8s([write(tmp_path / "mesh.yaml", text)])
    assert inv.unknown_kinds == {"VirtualService": 2} and not inv.problems
    only_unknown = load_k8s([write(tmp_path / "crd.yaml", "kind: VirtualService\n")])
    assert not only_unknown.pods and only_unknown.unknown_kinds == {"VirtualService": 1}


def test_missing_path_is_a_problem_and_alone_an_error(tmp_path: Path) -> None:
    good = write(tmp_path / "pod.yaml", POD_YAML)
    inv = load_k8s([good, tmp_path / "nope.yaml"])
    assert names(inv) == {"shop/web"}
    assert [(p.source, p.message) for p in inv.problems] == [
        (str(tmp_path / "nope.yaml"), "no such file or directory")]
    with pytest.raises(InputError, match=r"nope\.yaml: no such file"):
        load_k8s([tmp_path / "nope.yaml"])


def test_directory_without_manifests_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "empty" / "README.md", "# docs\n")
    with pytest.raises(InputError, match=r"holds no \.yaml, \.yml or \.json"):
        load_k8s([tmp_path / "empty"])


def test_binary_file(tmp_path: Path) -> None:
    binary = write(tmp_path / "image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x80")
    with pytest.raises(InputError, match=r"image\.yaml: not UTF-8 text"):
        load_k8s([binary])
    inv = load_k8s([binary, write(tmp_path / "pod.yaml", POD_YAML)])
    assert names(inv) == {"shop/web"} and inv.problems[0].source == str(binary)


def test_nothing_readable_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing could be read"):
        read_k8s([write(tmp_path / "cut.json", '{"apiVersion": "v1", "items": [{"kin')])
    assert not load_k8s([write(tmp_path / "empty.json", '{"kind": "List", "items": []}')]).pods


# Secret values are never kept ----------------------------------------------------------------


def test_secret_values_never_reach_inventory_or_graph(tmp_path: Path) -> None:
    values = ["s3cr3t-from-data", "s3cr3t-from-stringData", "s3cr3t-literal-env"]
    data_secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                   "metadata": {"name": "db", "namespace": "shop"},
                   "data": {"password": values[0]}, "stringData": {"user": values[1]}}
    applied = {**data_secret, "metadata": {
        "name": "applied", "namespace": "shop", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps(data_secret),
            "team": "payments"}}}
    env_pod = pod("app", hostPID=True)
    env_pod["spec"]["containers"][0]["env"] = [
        {"name": "TOKEN", "value": values[2]},
        {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    inv = load_k8s([write(tmp_path / "dump.json", kubectl_list(data_secret, applied, env_pod))])
    assert {s.name for s in inv.secrets} == {"db", "applied"}
    assert inv.secrets[1].metadata.annotations == {"team": "payments"}
    assert [e.name for e in inv.pods[0].spec.containers[0].env] == ["TOKEN", "DB"]
    graph = build_graph(inv)
    exported = json.dumps(nx.node_link_data(graph, edges="edges"), default=str)
    assert "k8s:Secret:shop/db" in exported
    for value in values:
        assert value not in exported and value not in repr(inv)


def test_a_pause_without_freezing_leaves_what_it_made_to_the_collector() -> None:
    frozen = gc.get_freeze_count()
    with gc_paused(freeze=False):
        assert not gc.isenabled()
        made = [[] for _ in range(100)]
    assert gc.isenabled() and gc.get_freeze_count() == frozen and len(made) == 100


def test_collector_is_restored_and_what_was_loaded_frozen(tmp_path: Path) -> None:
    path = write(tmp_path / "pod.yaml", POD_YAML)
    frozen = gc.get_freeze_count()
    load_k8s([path])
    assert gc.isenabled() and gc.get_freeze_count() > frozen
    gc.disable()
    try:
        with gc_paused():
            load_k8s([path])
        assert not gc.isenabled()
    finally:
        gc.enable()
