"""hostPath rules: normalising, covering, and which mounts a container really has."""

from __future__ import annotations

import pytest

from ingest import inventory_from_text
from riskgraph.models import Pod
from riskgraph.techniques import Technique, all_techniques
from riskgraph.techniques.escape._hostpath import (
    canonical,
    covered,
    covers,
    exposures,
    host_mounts,
    normalise,
)
from riskgraph.techniques.escape._identity import Need, root_file_access
from riskgraph.techniques.escape.hostpath_read import CREDENTIAL_PATHS
from riskgraph.techniques.escape.hostpath_write import SENSITIVE_PATHS
from riskgraph.techniques.escape.runtime_socket import RUNTIME_SOCKETS


def pod_from(manifest: str) -> Pod:
    inv = inventory_from_text(manifest, "test_hostpath")
    assert not inv.problems, [str(p) for p in inv.problems]
    (pod,) = inv.pods
    return pod


@pytest.mark.parametrize(("raw", "expected"), [
    ("/", "/"),
    ("//", "/"),
    ("///etc", "/etc"),
    ("//etc", "/etc"),
    ("/etc/", "/etc"),
    ("/etc//kubernetes///", "/etc/kubernetes"),
    ("/etc/./kubernetes/.", "/etc/kubernetes"),
    ("/var/lib/kubelet/../kubelet/pki", "/var/lib/kubelet/pki"),
    ("/etc/../..", "/"),
    ("etc/shadow", "/etc/shadow"),
    ("/var/run", "/var/run"),
])
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_paths_resolve_the_node_os_symlinks() -> None:
    assert canonical("/var/run/docker.sock") == ("run", "docker.sock")
    assert canonical("/run") == ("run",)
    assert canonical("//var/lock/subsys") == ("run", "lock", "subsys")
    assert canonical("/var/runner") == ("var", "runner")
    assert canonical("/var") == ("var",)
    assert canonical("/") == ()


@pytest.mark.parametrize(("mounted", "listed"), [
    ("/", "/etc/shadow"),
    ("/", "/"),
    ("//", "/var/run/docker.sock"),
    ("/etc", "/etc"),
    ("/etc/", "/etc/kubernetes"),
    ("/var/run", "/var/run/docker.sock"),
    ("/var/run", "/run/containerd/containerd.sock"),
    ("/run", "/var/run/docker.sock"),
    ("/run/", "/run/crio/crio.sock"),
    ("/var/run/containerd", "/run/containerd/containerd.sock"),
    ("/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock"),
    ("/var", "/var/lib/kubelet/pki"),
    ("/var", "/var/lib/kubelet/pods"),
    ("/home", "/home/*/.ssh"),
    ("/home/bob", "/home/*/.ssh"),
    ("/home/bob/.ssh", "/home/*/.ssh"),
    ("/home/bob/../alice/.ssh/", "/home/*/.ssh"),
    ("/proc", "/proc/sys/kernel/core_pattern"),
    ("/proc/sys/kernel/core_pattern", "/proc/sys/kernel/core_pattern"),
])
def test_covers(mounted: str, listed: str) -> None:
    assert covers(mounted, listed)


@pytest.mark.parametrize(("mounted", "listed"), [
    ("/etc/foo", "/etc"),
    ("/etc/kubernetes/manifests", "/etc/kubernetes"),
    ("/etcetera", "/etc"),
    ("/et", "/etc"),
    ("/var/log", "/var/run/docker.sock"),
    # /var/run is a symlink: through a mount of /var it resolves in the container.
    ("/var", "/var/run/docker.sock"),
    ("/var", "/run/containerd/containerd.sock"),
    ("/var/", "/var/run/containerd/containerd.sock"),
    ("/var/run/secrets", "/var/run/docker.sock"),
    ("/run/containerd/io.containerd.runtime.v2.task", "/run/containerd/containerd.sock"),
    ("/var/runner", "/var/run/docker.sock"),
    ("/var/lib/kubelet/pods", "/var/lib/kubelet"),
    ("/home/bob/projects", "/home/*/.ssh"),
    ("/home/bob/.sshkeys", "/home/*/.ssh"),
    ("/root/.SSH", "/root/.ssh"),
    ("/proc/sys/kernel/panic", "/proc/sys/kernel/core_pattern"),
    ("/proc/sys/net", "/proc/sys/kernel/core_pattern"),
])
def test_does_not_cover(mounted: str, listed: str) -> None:
    assert not covers(mounted, listed)


def test_covered_lists_each_path_once_in_catalog_order() -> None:
    assert covered("/var/run", RUNTIME_SOCKETS) == (
        "/var/run/docker.sock", "/run/containerd/containerd.sock", "/run/crio/crio.sock",
        "/var/run/cri-dockerd.sock", "/var/run/dockershim.sock")
    assert covered("/", SENSITIVE_PATHS) == SENSITIVE_PATHS
    assert covered("/etc", SENSITIVE_PATHS) == (
        "/etc", "/etc/kubernetes", "/etc/cron.d", "/etc/systemd")
    assert covered("/var/lib", CREDENTIAL_PATHS) == (
        "/var/lib/kubelet/pki", "/var/lib/kubelet/kubeconfig")
    assert covered("/var/log", RUNTIME_SOCKETS + SENSITIVE_PATHS + CREDENTIAL_PATHS) == ()


MOUNTS = """
kind: Pod
metadata: {name: agent, namespace: ops}
spec:
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: run, hostPath: {path: /var/run/}}
  - {name: etc, hostPath: {path: /etc, type: Directory}}
  - {name: unused, hostPath: {path: /}}
  containers:
  - name: app
    image: app
    volumeMounts:
    - {name: scratch, mountPath: /tmp}
    - {name: etc, mountPath: /host/cron, subPath: ./cron.d/, readOnly: true}
    - {name: run, mountPath: /host/run}
  initContainers:
  - {name: init, image: busybox}
"""


def test_a_container_reaches_only_the_hostpath_volumes_it_mounts() -> None:
    pod = pod_from(MOUNTS)
    app, init = pod.spec.containers[0], pod.spec.init_containers[0]
    mounts = host_mounts(pod, app)
    assert [(m.volume_index, m.mount_index, m.host_path, m.writable) for m in mounts] == [
        (2, 1, "/etc/cron.d", False),
        (1, 2, "/var/run", True),
    ]
    assert host_mounts(pod, init) == []


def test_exposures_match_the_mount_not_the_volume() -> None:
    pod = pod_from(MOUNTS)
    found = list(exposures([pod], SENSITIVE_PATHS, Need.READ))
    assert [(e.container.name, e.container_path) for e in found] == [("app", "containers[0]")]
    ((mount, paths),) = found[0].matches
    assert mount.host_path == "/etc/cron.d" and paths == ("/etc/cron.d",)
    # The mount is read-only and /var/run holds nothing sensitive: nothing writable is left.
    assert list(exposures([pod], SENSITIVE_PATHS, Need.WRITE, writable_only=True)) == []
    # The unmounted "/" volume would cover every credential path; nobody mounts it.
    assert list(exposures([pod], CREDENTIAL_PATHS, Need.READ)) == []


def test_exposure_evidence_names_the_volume_and_the_mount() -> None:
    pod = pod_from(MOUNTS)
    (found,) = exposures([pod], RUNTIME_SOCKETS, Need.WRITE)
    assert found.evidence() == (
        'k8s:Pod:ops/agent: spec.volumes[1].hostPath.path="/var/run/"',
        'k8s:Pod:ops/agent: spec.containers[0].volumeMounts[2]='
        '{"name":"run","mountPath":"/host/run","readOnly":false}',
    )
    assert found.describe().startswith(
        "the host's /var/run (which holds /var/run/docker.sock, "
        "/run/containerd/containerd.sock, /run/crio/crio.sock and 2 more)")


def test_template_evidence_names_the_workload() -> None:
    inv = inventory_from_text("""
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, namespace: logging}
spec:
  template:
    spec:
      volumes: [{name: sock, hostPath: {path: /run/containerd/containerd.sock}}]
      containers:
      - name: shipper
        image: shipper
        volumeMounts: [{name: sock, mountPath: /sock, subPath: ""}]
""", "test_hostpath")
    (found,) = exposures(inv.pods, RUNTIME_SOCKETS, Need.WRITE)
    assert found.evidence()[0] == ('k8s:DaemonSet:logging/logs: spec.template.spec.volumes[0]'
                                   '.hostPath.path="/run/containerd/containerd.sock"')
    assert found.describe() == "the host's /run/containerd/containerd.sock"


PLAIN = """
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  containers: [{name: nginx, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: app, image: app, securityContext: {runAsNonRoot: true}}]
"""


@pytest.mark.parametrize("technique", [t for t in all_techniques() if t.id.startswith("escape.")],
                         ids=lambda t: t.id)
def test_plain_pods_do_not_escape(technique: Technique) -> None:
    inv = inventory_from_text(PLAIN, "test_hostpath")
    assert list(technique.find(inv)) == []


def _access(context: str, pod_context: str = "{}", need: Need = Need.READ) -> str | None:
    pod = pod_from(f"""
kind: Pod
metadata: {{name: p, namespace: ops}}
spec:
  securityContext: {pod_context}
  containers: [{{name: c, image: x, securityContext: {context}}}]
""")
    found = root_file_access(pod, pod.spec.containers[0], "containers[0]", need)
    return None if found is None else found.confidence


@pytest.mark.parametrize(("context", "pod_context", "need", "expected"), [
    ("{}", "{}", Need.READ, "likely"),                                  # the image decides
    ("{runAsUser: 0}", "{runAsNonRoot: true}", Need.WRITE, "certain"),  # container wins
    ("{privileged: true, runAsUser: 1000}", "{}", Need.WRITE, "certain"),
    ("{}", "{runAsUser: 1000}", Need.READ, None),
    ("{runAsNonRoot: true}", "{}", Need.READ, None),
    ("{capabilities: {add: [DAC_READ_SEARCH]}}", "{runAsUser: 1000}", Need.READ, "likely"),
    # DAC_READ_SEARCH bypasses read checks only: no writing, no connecting to a socket.
    ("{capabilities: {add: [DAC_READ_SEARCH]}}", "{runAsUser: 1000}", Need.WRITE, None),
    ("{capabilities: {add: [ALL], drop: [DAC_OVERRIDE]}}", "{runAsUser: 1}", Need.WRITE, None),
    ("{capabilities: {add: [ALL]}}", "{runAsUser: 1}", Need.WRITE, "likely"),
])
def test_root_only_files_weigh_the_user_and_its_capabilities(
        context: str, pod_context: str, need: Need, expected: str | None) -> None:
    assert _access(context, pod_context, need) == expected


def test_a_non_root_reason_names_the_user_and_the_capability() -> None:
    pod = pod_from("""
kind: Pod
metadata: {name: p, namespace: ops}
spec:
  containers:
  - {name: c, image: x, securityContext: {runAsUser: 7, capabilities: {add: [DAC_OVERRIDE]}}}
""")
    found = root_file_access(pod, pod.spec.containers[0], "containers[0]", Need.WRITE)
    assert found is not None and "user 7" in found.why and "CAP_DAC_OVERRIDE" in found.why
    assert found.proof == (
        'k8s:Pod:ops/p: spec.containers[0].securityContext.runAsUser=7',
        'k8s:Pod:ops/p: spec.containers[0].securityContext.capabilities.add=["DAC_OVERRIDE"]')
