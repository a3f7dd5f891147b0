"""The CVE table and version ranges, and the escape and node techniques that use them:
runtime CVEs, /var/log symlinks, the kubelet's identity and its pods directory."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from ingest import inventory_from_text
from riskgraph.models import Node
from riskgraph.techniques import Edge, Technique
from riskgraph.techniques.escape import kubelet_pods_read as pods_read
from riskgraph.techniques.escape import runtime_cve as runtime_cve
from riskgraph.techniques.escape import var_log_symlink as var_log
from riskgraph.techniques.escape._cves import (
    Cve,
    Version,
    findings,
    load_table,
    may_run_as_root,
    parse_table,
    parse_version,
    patch_level_hidden,
    reported_versions,
)
from riskgraph.techniques.node import kubelet_identity as kubelet_identity


def edges_of(technique: Technique, manifests: str) -> list[Edge]:
    inv = inventory_from_text(manifests, "test")
    assert not inv.problems, [str(p) for p in inv.problems]
    return list(technique.find(inv))


def pairs(edges: list[Edge]) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in edges}


def node(runtime: str | None = None, kernel: str | None = None) -> Node:
    info = {k: v for k, v in (("containerRuntimeVersion", runtime), ("kernelVersion", kernel))
            if v is not None}
    return Node.model_validate({"kind": "Node", "metadata": {"name": "n"},
                                "status": {"nodeInfo": info}})


def cve(cve_id: str) -> Cve:
    return next(c for c in load_table().cves if c.id == cve_id)


def v(text: str) -> Version:
    version = parse_version(text)
    assert version is not None, text
    return version


# Versions ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "numbers", "build"), [
    ("v1.7.13", (1, 7, 13), ""),
    ("1.6.20-1.amzn2", (1, 6, 20), "-1.amzn2"),
    ("1.6.28+bottlerocket", (1, 6, 28), "+bottlerocket"),
    ("5.10.210-201.852.amzn2.x86_64", (5, 10, 210), "-201.852.amzn2.x86_64"),
    ("5.15.0-1051-aws", (5, 15, 0), "-1051-aws"),
    ("18.09.2", (18, 9, 2), ""),
    ("5.1", (5, 1, 0), ""),
])
def test_versions_parse_with_prefixes_and_distribution_suffixes(
    text: str, numbers: tuple[int, int, int], build: str
) -> None:
    version = parse_version(text)
    assert version is not None and version.numbers == numbers and version.build == build


def test_pre_releases_sort_before_their_release_and_suffixes_do_not_count() -> None:
    assert v("1.0-rc6") < v("1.0.0-rc7") < v("1.0.0")
    assert v("1.0.0-rc93") > v("1.0.0-beta.2")
    assert parse_version("1.6.20-1.amzn2") == parse_version("v1.6.20")
    assert parse_version("garbage") is None and parse_version("") is None


def test_ubuntu_and_rhel_kernels_hide_their_upstream_patch_level() -> None:
    assert patch_level_hidden(v("5.15.0-1051-aws"))
    assert patch_level_hidden(v("4.18.0-372.9.1.el8.x86_64"))
    assert not patch_level_hidden(v("5.10.210-201.852.amzn2.x86_64"))
    assert not patch_level_hidden(v("6.1.0"))


@pytest.mark.parametrize(("version", "affected"), [
    ("1.4.5", False),   # before containerd bundled an affected runc
    ("1.5.18", True),   # branch never fixed: bounded by the next fixed branch
    ("1.6.27", True), ("1.6.28", False),
    ("1.7.12-1.amzn2", True), ("v1.7.13", False),
    ("2.0.0", False),   # above every fixed branch
])
def test_leaky_vessels_maps_containerd_releases_to_their_fixed_runc(
    version: str, affected: bool
) -> None:
    containerd = cve("CVE-2024-21626").range_for("containerd")
    assert containerd is not None
    assert containerd.contains(v(version)) is affected


@pytest.mark.parametrize(("version", "affected"), [
    ("5.0.21", False), ("5.4.172", True), ("5.4.173", False), ("5.10.92", True),
    ("5.10.93-100.amzn2", False), ("5.12.19", True), ("5.16.1", True), ("5.16.2", False),
    ("5.17.0", False), ("6.1.79-99.167.amzn2023.x86_64", False),
])
def test_kernel_ranges_follow_each_stable_branch(version: str, affected: bool) -> None:
    assert cve("CVE-2022-0185").affected.contains(v(version)) is affected


def test_cri_o_and_runc_ranges() -> None:
    crio = cve("CVE-2022-0811").affected
    assert [crio.contains(v(text)) for text in
            ("1.18.4", "1.19.5", "1.22.2", "1.22.3", "1.23.1", "1.24.0")] == [
        False, True, True, False, True, False]
    runc = cve("CVE-2019-5736")
    assert runc.affected.contains(v("1.0-rc6"))
    assert not runc.affected.contains(v("1.0.0-rc7"))
    docker = runc.range_for("docker")
    assert docker is not None and docker.contains(v("18.09.1"))
    assert not docker.contains(v("18.9.2"))


# The table --------------------------------------------------------------------------------

def test_table_loads_dated_with_a_source_for_every_entry() -> None:
    table = load_table()
    assert isinstance(table.written, date)
    assert {c.id for c in table.cves} >= {"CVE-2024-21626", "CVE-2019-5736", "CVE-2020-15257",
                                          "CVE-2022-0811", "CVE-2022-0185", "CVE-2022-0492"}
    for entry in table.cves:
        assert entry.source.startswith("https://") and entry.allows
        assert entry.component in {"runc", "containerd", "cri-o", "kernel"}
    assert cve("CVE-2020-15257").requires == {"root", "hostNetwork"}


def _table(**entry: object) -> dict[str, object]:
    base: dict[str, object] = {"id": "CVE-1", "component": "kernel", "introduced": "5.1",
                               "fixed": ["5.4.1"], "allows": "x", "source": "https://x"}
    return {"written": date(2026, 1, 1), "cves": [{**base, **entry}]}


@pytest.mark.parametrize(("entry", "message"), [
    ({"introduced": 5.1}, "quoted version string"),
    ({"requires": ["kernel-modules"]}, "unknown requirement"),
    ({"component": "podman"}, "component 'podman'"),
    ({"fixed": []}, "'fixed' must list"),
    ({"shipped_in": [{"runtime": "rkt", "introduced": "0", "fixed": ["1.0"]}]}, "runtime 'rkt'"),
])
def test_table_errors_name_the_entry_and_field(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_table(_table(**entry))
    assert "cves[0] (CVE-1)" in str(raised.value)


def test_table_without_a_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="written"):
        parse_table(yaml.safe_load("cves: []"))


# What nodes report ------------------------------------------------------------------------

def test_reported_versions_and_findings_of_a_node() -> None:
    reported = reported_versions(node("containerd://1.6.20", "5.4.172-90.336.amzn2.x86_64"))
    assert [(r.software, r.field) for r in reported] == [
        ("containerd", "containerRuntimeVersion"), ("kernel", "kernelVersion")]
    found = {f.cve.id for f in findings(node("containerd://1.6.20",
                                              "5.4.172-90.336.amzn2.x86_64"))}
    assert found == {"CVE-2024-21626", "CVE-2022-0185", "CVE-2022-0492"}
    assert reported_versions(node("remote://1.0", "not-a-version")) == []
    assert findings(Node.model_validate({"kind": "Node", "metadata": {"name": "bare"}})) == []


# escape.runtime-cve -----------------------------------------------------------------------

_POOL = """
kind: Node
metadata: {{name: {name}, labels: {{eks.amazonaws.com/nodegroup: old}}}}
status: {{nodeInfo: {{containerRuntimeVersion: "containerd://{version}", kernelVersion: "6.1.79"}}}}
"""
_DEPLOYMENT = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {template: {spec: {containers: [{name: app, image: x}]}}}
"""


def test_a_pool_whose_every_node_is_vulnerable_is_likely_for_its_template_pods() -> None:
    text = "---".join(_POOL.format(name=n, version=v) for n, v in (("a", "1.6.2"), ("b", "1.6.3")))
    text += _DEPLOYMENT
    (edge,) = edges_of(runtime_cve.TECHNIQUE, text)
    assert (edge.source, edge.target, edge.confidence) == (
        "k8s:Container:shop/api/app", "k8s:NodePool:old", "likely")
    assert "every node of pool old" in edge.reason and "CVE-2024-21626" in edge.reason


def test_templates_that_fit_several_vulnerable_pools_share_one_hub() -> None:
    nodes = "---".join(_POOL.format(name=f"n{i}", version="1.6.2").replace("old", f"g{i}")
                       for i in range(3))
    deployments = "".join(_DEPLOYMENT.replace("name: api", f"name: api{i}") for i in range(5))
    found = edges_of(runtime_cve.TECHNIQUE, nodes + deployments)
    hub = "hub:runtime-cve:pools/all/root+seccomp-unconfined"
    assert pairs(found) == ({(f"k8s:Container:shop/api{i}/app", hub) for i in range(5)}
                            | {(hub, f"k8s:NodePool:g{i}") for i in range(3)})
    assert len(found) == 5 + 3


def test_without_node_objects_versions_are_unknown_and_nothing_fires() -> None:
    assert edges_of(runtime_cve.TECHNIQUE, _DEPLOYMENT) == []


def test_pool_evidence_names_a_few_nodes_however_large_the_pool() -> None:
    text = "---".join(_POOL.format(name=f"n{i}", version="1.6.2") for i in range(10))
    (edge,) = edges_of(runtime_cve.TECHNIQUE, text + _DEPLOYMENT)
    assert len(edge.evidence) == runtime_cve.EVIDENCE_NODES


@pytest.mark.parametrize(("pod_context", "container_context", "root"), [
    ({}, {}, True),
    ({"runAsNonRoot": True}, {}, False),
    ({"runAsUser": 1000}, {"runAsUser": 0}, True),
    ({"runAsUser": 0}, {"runAsNonRoot": True}, False),
    ({"runAsNonRoot": True}, {"runAsNonRoot": False, "runAsUser": 1000}, False),
])
def test_root_follows_the_container_setting_over_the_pod(
    pod_context: dict[str, object], container_context: dict[str, object], root: bool
) -> None:
    inv = inventory_from_text(yaml.safe_dump({
        "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"securityContext": pod_context,
                 "containers": [{"name": "c", "image": "x",
                                 "securityContext": container_context}]}}), "test")
    pod = inv.pods[0]
    assert may_run_as_root(pod, pod.spec.containers[0]) is root


# escape.var-log-symlink -------------------------------------------------------------------

_LOG_AGENT = """
kind: Pod
metadata: {{name: agent, namespace: logging}}
spec:
  nodeName: n1
  serviceAccountName: agent
  volumes: [{{name: varlog, hostPath: {{path: /var/log}}}}]
  containers:
  - {{name: c, image: x, volumeMounts: [{{name: varlog, mountPath: /var/log, readOnly: {ro}}}]}}
---
kind: ClusterRoleBinding
metadata: {{name: agent-view}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects: [{{kind: {kind}, name: "{name}", namespace: logging}}]
"""


@pytest.mark.parametrize(("ro", "kind", "name", "fires"), [
    ("false", "ServiceAccount", "agent", True),
    ("true", "ServiceAccount", "agent", False),
    ("false", "User", "system:serviceaccount:logging:agent", True),
    ("false", "Group", "system:authenticated", True),
    ("false", "ServiceAccount", "someone-else", False),
])
def test_var_log_needs_a_writable_mount_and_a_log_grant_to_its_account(
    ro: str, kind: str, name: str, fires: bool
) -> None:
    found = edges_of(var_log.TECHNIQUE, _LOG_AGENT.format(ro=ro, kind=kind, name=name))
    assert pairs(found) == ({("k8s:Container:logging/agent/c", "k8s:Node:n1")} if fires else set())


# node.kubelet-identity --------------------------------------------------------------------

_TWO_NODES = """
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: n1
  containers: [{name: c, image: x, envFrom: [{secretRef: {name: web-env}}]}]
---
kind: Pod
metadata: {name: db, namespace: data}
spec:
  nodeName: n2
  volumes: [{name: s, secret: {secretName: db-password}}]
  containers: [{name: c, image: x}]
"""


def test_node_restriction_keeps_a_kubelet_to_the_secrets_of_its_own_pods() -> None:
    found = pairs(edges_of(kubelet_identity.TECHNIQUE, _TWO_NODES))
    n1, n2 = "k8s:User:system:node:n1", "k8s:User:system:node:n2"
    assert (n1, "k8s:Secret:shop/web-env") in found
    assert (n1, "k8s:Secret:data/db-password") not in found
    assert {t for s, t in found if s == n2} == {"k8s:Secret:data/db-password"}
    # No binding names system:nodes, so membership is not an edge.
    assert not any(t.startswith("k8s:Group:") for _, t in found)


# escape.kubelet-pods-read -----------------------------------------------------------------

def _estate(nodes: int, pods_per_node: int, agents: int) -> str:
    docs = [f"kind: Node\nmetadata: {{name: n{i}, labels: {{eks.amazonaws.com/nodegroup: g}}}}"
            for i in range(nodes)]
    docs += [f"kind: Pod\nmetadata: {{name: p{i}-{j}, namespace: ns{j}}}\n"
             f"spec: {{nodeName: n{i}, containers: [{{name: c, image: x}}]}}"
             for i in range(nodes) for j in range(pods_per_node)]
    docs += [f"""apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent{k}, namespace: mon}}
spec:
  template:
    spec:
      serviceAccountName: agent{k}
      volumes: [{{name: v, hostPath: {{path: /var/lib/kubelet/pods}}}}]
      containers: [{{name: c, image: x, volumeMounts: [{{name: v, mountPath: /p}}]}}]"""
             for k in range(agents)]
    return "\n---\n".join(docs)


def test_kubelet_pods_read_fans_out_through_hubs_linearly() -> None:
    found = edges_of(pods_read.TECHNIQUE, _estate(nodes=4, pods_per_node=5, agents=3))
    # containers -> pool hub, pool hub -> each node hub, node hubs -> the 5 accounts
    # (default in ns0..ns4), pool hub -> the agents' own accounts.
    assert len(found) == 3 + 4 + 4 * 5 + 3
    assert not any(e.source.startswith("k8s:Container:")
                   and e.target.startswith("k8s:ServiceAccount:") for e in found)
    assert ("hub:kubelet-pods-read:node/n2", "k8s:ServiceAccount:ns4/default") in pairs(found)
    assert all(e.target == "hub:kubelet-pods-read:pool/g"
               for e in found if e.source.startswith("k8s:Container:"))


def test_kubelet_pods_read_without_a_mount_emits_nothing() -> None:
    assert edges_of(pods_read.TECHNIQUE, _estate(nodes=2, pods_per_node=2, agents=0)) == []
