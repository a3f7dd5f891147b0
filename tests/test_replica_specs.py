"""Live pods whose spec repeats one read before are copied from it: exactly what the ordinary
path reads, sub-objects shared, each pod with its own name, node and token volume names."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ingest import parse_text, read_k8s
from ingest._objects import ParsedObjects
from riskgraph.estate.replicas import MAX_CLASSES


def live(name: str, node: str, token: str, *, labels: dict[str, str] | None = None,
         image: str = "api:1") -> dict[str, Any]:
    """A bound replica as ``kubectl get pods -o json`` prints it."""
    mount = {"name": f"kube-api-access-{token}", "readOnly": True,
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}",
                     "generateName": "api-5d8-", "resourceVersion": "7",
                     "labels": labels or {"app": "api", "pod-template-hash": "5d8"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "api-5d8", "controller": True, "uid": "u"}]},
        "spec": {
            "containers": [
                {"name": "app", "image": image, "ports": [{"containerPort": 8080}],
                 "env": [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db",
                                                                       "key": "pw"}}}],
                 "securityContext": {"runAsUser": 1000},
                 "volumeMounts": [{"name": "creds", "mountPath": "/etc/creds"}, mount]},
                {"name": "envoy", "image": "envoy:1", "volumeMounts": [mount]}],
            "serviceAccountName": "api",
            "volumes": [{"name": "creds", "secret": {"secretName": "db"}},
                        {"name": f"kube-api-access-{token}", "projected": {"sources": [
                            {"serviceAccountToken": {"path": "token"}}]}}],
            "nodeName": node},
        "status": {"phase": "Running", "podIP": f"10.0.0.{len(name)}"}}


def kubectl(items: list[Any]) -> str:
    return json.dumps({"apiVersion": "v1", "items": items, "kind": "List",
                       "metadata": {"resourceVersion": ""}}, indent=4)


def fast_and_ordinary(text: str, tmp_path: Path) -> tuple[ParsedObjects, ParsedObjects]:
    path = tmp_path / "pods.json"
    path.write_text(text)
    return read_k8s([path]), parse_text(text, str(path))


def assert_same(fast: ParsedObjects, slow: ParsedObjects) -> None:
    assert fast.objects == slow.objects
    assert [o.model_fields_set for o in fast.objects] == [o.model_fields_set
                                                         for o in slow.objects]
    assert list(fast.lines) == list(slow.lines)
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]


REPLICAS = [live("api-5d8-a", "n1", "aaaaa"), live("api-5d8-b", "n2", "bbbbb"),
            live("api-5d8-c", "n2", "ccccc")]


def test_replicas_are_copies_of_the_first_with_their_own_name_node_and_token(
        tmp_path: Path) -> None:
    fast, slow = fast_and_ordinary(kubectl(REPLICAS), tmp_path)
    assert_same(fast, slow)
    first, second, third = fast.objects
    assert (second.name, second.spec.node_name) == ("api-5d8-b", "n2")
    assert [v.name for v in second.spec.volumes] == ["creds", "kube-api-access-bbbbb"]
    assert [m.name for c in third.spec.containers for m in c.volume_mounts] == [
        "creds", "kube-api-access-ccccc", "kube-api-access-ccccc"]
    # copies share what does not differ
    assert second.spec.containers[0].ports is first.spec.containers[0].ports
    assert second.spec.volumes[0] is first.spec.volumes[0]
    assert second.metadata.labels is first.metadata.labels
    assert fast.alike == {id(p): id(first) for p in fast.objects}
    assert not slow.alike


def changed(pod: dict[str, Any], change: Any) -> dict[str, Any]:
    pod = copy.deepcopy(pod)
    change(pod)
    return pod


def _token_as_secret_name(pod: dict[str, Any]) -> None:
    pod["spec"]["volumes"][0]["secret"]["secretName"] = pod["spec"]["volumes"][1]["name"]


def _nested_node_name(pod: dict[str, Any]) -> None:
    pod["spec"]["overhead"] = {"nodeName": "elsewhere"}


def _node_name_only_nested(pod: dict[str, Any]) -> None:
    pod["spec"]["overhead"] = {"nodeName": pod["spec"].pop("nodeName")}


def _nested_node_name_first(pod: dict[str, Any]) -> None:
    pod["spec"] = {"overhead": {"nodeName": pod["spec"]["nodeName"]}, **pod["spec"],
                   "nodeName": "n2"}


def _null_node(pod: dict[str, Any]) -> None:
    pod["spec"]["nodeName"] = None


def _snake_node_name(pod: dict[str, Any]) -> None:
    pod["spec"]["node_name"] = pod["spec"].pop("nodeName")


def _read_top_level_field(pod: dict[str, Any]) -> None:
    pod["templateOf"] = "Deployment/api"


def _bad_port(pod: dict[str, Any]) -> None:
    pod["spec"]["containers"][0]["ports"][0]["containerPort"] = "no"


def _no_name(pod: dict[str, Any]) -> None:
    del pod["metadata"]["name"]


def _other_api_version(pod: dict[str, Any]) -> None:
    pod["apiVersion"] = "v2"


def _other_image(pod: dict[str, Any]) -> None:
    pod["spec"]["containers"][1]["image"] = "envoy:2"


def _no_kind(pod: dict[str, Any]) -> None:
    del pod["kind"]


def _second_token(pod: dict[str, Any]) -> None:
    token = pod["spec"]["volumes"][1]["name"]
    pod["spec"]["volumes"].append({"name": token + "x", "projected": {"sources": []}})
    pod["spec"]["containers"][1]["volumeMounts"].append({"name": token + "x", "mountPath": "/x"})


#: What may set a later replica apart, applied to every replica but the first.
CHANGES = {
    "a token name in another field": _token_as_secret_name,
    "a second nodeName, nested": _nested_node_name,
    "nodeName only in a nested object": _node_name_only_nested,
    "a nested nodeName before the spec's own": _nested_node_name_first,
    "a null nodeName": _null_node,
    "nodeName in snake case": _snake_node_name,
    "a top-level field the model reads": _read_top_level_field,
    "a bad field": _bad_port,
    "no name": _no_name,
    "another apiVersion": _other_api_version,
    "another image": _other_image,
    "no kind": _no_kind,
    "two token volumes": _second_token,
}


@pytest.mark.parametrize("name", CHANGES)
def test_what_sets_replicas_apart_is_read_as_the_ordinary_path_reads_it(
        name: str, tmp_path: Path) -> None:
    pods = [REPLICAS[0], *(changed(p, CHANGES[name]) for p in REPLICAS[1:]),
            changed(REPLICAS[0], CHANGES[name]) | {"metadata": {
                **REPLICAS[0]["metadata"], "name": "api-5d8-d"}}]
    fast, slow = fast_and_ordinary(kubectl(pods), tmp_path)
    assert_same(fast, slow)


def test_escaped_token_names_are_read_as_written(tmp_path: Path) -> None:
    pods = []
    for pod in REPLICAS:
        pod = copy.deepcopy(pod)
        # a field no model reads spells the token plainly; a mount names the first pod's
        # token with an escape, so every pod's text is alike but for its own token
        pod["spec"]["hostname"] = pod["spec"]["volumes"][1]["name"]
        mounts = pod["spec"]["containers"][0]["volumeMounts"]
        mounts[1] = {**mounts[1], "name": "ESCAPED"}
        pods.append(pod)
    text = kubectl(pods).replace("ESCAPED", "kube\\u002dapi-access-aaaaa")
    fast, slow = fast_and_ordinary(text, tmp_path)
    assert_same(fast, slow)
    assert fast.objects[2].spec.containers[0].volume_mounts[1].name == "kube-api-access-aaaaa"


def daemon_pod(name: str, node: str, token: str) -> dict[str, Any]:
    """A DaemonSet's pod: its controller pins it to its node by affinity."""
    pod = live(name, node, token)
    pod["metadata"]["ownerReferences"][0].update(kind="DaemonSet", name="agent")
    pod["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                "values": [node]}]}]}}}
    return pod


def test_a_daemonset_s_pods_are_copies_with_their_own_node_in_the_affinity(
        tmp_path: Path) -> None:
    pods = [daemon_pod(f"agent-{n}", f"ip-10-0-0-{n}.ec2.internal", f"t{n:04d}")
            for n in range(4)]
    # a node named in the affinity beside its own: a text of its own
    pods[3]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"][0]["matchFields"][0]["values"].append("ip-10-0-0-0.ec2.internal")
    # pods that also name their node in a node selector: each read the ordinary way
    for n in (4, 5):
        pods.append(daemon_pod(f"agent-{n}", f"ip-10-0-0-{n}.ec2.internal", f"t{n:04d}"))
        pods[-1]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": pods[-1]["spec"]["nodeName"]}
    fast, slow = fast_and_ordinary(kubectl(pods), tmp_path)
    assert_same(fast, slow)
    assert fast.objects[2].spec.containers[0].ports is fast.objects[0].spec.containers[0].ports
    assert fast.alike[id(fast.objects[2])] == id(fast.objects[0])
    assert fast.alike[id(fast.objects[3])] == id(fast.objects[3])
    assert fast.inventory().pods == slow.inventory().pods


def test_a_pod_list_without_kinds_is_read_alike(tmp_path: Path) -> None:
    items = [changed(p, _no_kind) for p in REPLICAS]
    text = json.dumps({"kind": "PodList", "apiVersion": "v1", "items": items})
    fast, slow = fast_and_ordinary(text, tmp_path)
    assert_same(fast, slow)
    assert len(set(fast.alike.values())) == 1


def test_known_alike_pods_fold_into_the_classes_a_comparison_makes(tmp_path: Path) -> None:
    blue = {"app": "api", "pod-template-hash": "5d8", "tier": "blue"}
    pods = [live(f"api-5d8-{n}", f"n{n % 3}", f"t{n:04d}", labels=blue if n % 2 else None)
            for n in range(8)]
    # one alike pod the ordinary path reads (a field set apart by no technique)
    pods.append(live("api-5d8-x", "n1", "xxxxx") | {"extra": True})
    fast, slow = fast_and_ordinary(kubectl(pods), tmp_path)
    fast_pods, slow_pods = fast.inventory().pods, slow.inventory().pods
    assert fast_pods == slow_pods
    assert sorted(len(p.replicas) for p in fast_pods) == [4, 5]


def test_more_variants_than_compared_fold_as_a_comparison_folds(tmp_path: Path) -> None:
    pods = [live(f"api-5d8-{n}", "n1", f"t{n:04d}", image=f"api:{n % (MAX_CLASSES + 4)}")
            for n in range(2 * (MAX_CLASSES + 4))]
    fast, slow = fast_and_ordinary(kubectl(pods), tmp_path)
    assert fast.inventory().pods == slow.inventory().pods
