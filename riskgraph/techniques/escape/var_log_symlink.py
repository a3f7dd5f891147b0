"""escape.var-log-symlink: a writable /var/log plus log-reading rights reads any host file.

The kubelet serves container logs (``pods/log``) from ``/var/log/pods`` and the node's log
directory (``nodes/log``) from ``/var/log``, following symlinks as root. A container that can
write there swaps a log file for a symlink to, say, ``/etc/shadow`` or the kubelet's
credentials and asks for the log with its own service account. Both halves are read from
the spec: a writable hostPath covering the log directory, and an RBAC grant of ``get`` on
``pods/log`` (in the pod's namespace) or ``nodes/log`` to the account whose token it holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod, RoleBinding, Subject
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    api_token_volumes,
    automount_decision,
    escape_edges,
    evidence,
    json_value,
    namespace_of,
)
from riskgraph.techniques._shared.rbac_rules import Grant, binding_vertex, grants, home_namespace
from riskgraph.techniques.escape._hostpath import exposures
from riskgraph.techniques.escape._identity import Need

LOG_PATHS = ("/var/log", "/var/log/pods")
LOG_RESOURCES = ("pods/log", "nodes/log")
_EVERY_ACCOUNT = frozenset({"system:serviceaccounts", "system:authenticated"})
_NAMESPACE_GROUP = "system:serviceaccounts:"
_ACCOUNT_USER = "system:serviceaccount:"

IdentityKey = tuple[str, ...]


def _subject_key(binding: RoleBinding, subject: Subject) -> IdentityKey | None:
    """Which service accounts a subject stands for: one, a namespace's, or all of them."""
    if subject.kind == "ServiceAccount":
        namespace = subject.namespace or home_namespace(binding)
        return ("account", namespace, subject.name) if namespace else None
    if subject.kind == "User" and subject.name.startswith(_ACCOUNT_USER):
        namespace, _, name = subject.name.removeprefix(_ACCOUNT_USER).partition(":")
        return ("account", namespace, name) if namespace and name else None
    if subject.kind == "Group" and subject.name in _EVERY_ACCOUNT:
        return ("every",)
    if subject.kind == "Group" and subject.name.startswith(_NAMESPACE_GROUP):
        return ("namespace", subject.name.removeprefix(_NAMESPACE_GROUP))
    return None


def log_grants(inv: Inventory) -> dict[IdentityKey, list[tuple[Grant, int]]]:
    """Grants of ``get`` on pods/log or nodes/log, with the subject index, by identity key."""
    found: dict[IdentityKey, list[tuple[Grant, int]]] = defaultdict(list)
    for grant in grants(inv, ("get",), LOG_RESOURCES):
        # nodes are cluster-scoped: only a ClusterRoleBinding grants nodes/log.
        if grant.resource == "nodes/log" and home_namespace(grant.binding) is not None:
            continue
        for index, subject in enumerate(grant.binding.subjects):
            key = _subject_key(grant.binding, subject)
            if key is not None:
                found[key].append((grant, index))
    return found


def _reaches(grant: Grant, pod: Pod) -> bool:
    """Whether the grant covers this pod's log or its node's log."""
    pod_log = grant.resource == "pods/log"
    if pod_log and home_namespace(grant.binding) not in (None, namespace_of(pod)):
        return False
    if grant.names is None:
        return True
    # A template pod's name and node are chosen at run time, so a named grant cannot be shown.
    names = (pod.replicas or ([] if pod.is_template else [pod.name])) if pod_log \
        else pod.placed_on
    return any(name in grant.names for name in names)


def token_held(inv: Inventory, pod: Pod, container: Container) -> str | None:
    """Evidence that the container holds its service account's API token, else None."""
    automounted, decided = automount_decision(inv, pod)
    if automounted:
        return decided
    for name, index in api_token_volumes(pod).items():
        if any(mount.name == name for mount in container.volume_mounts):
            return evidence(pod, f"volumes[{index}].projected", "serviceAccountToken")
    return None


def _subject_evidence(binding: RoleBinding, index: int) -> str:
    subject = binding.subjects[index]
    fields = {"kind": subject.kind, "name": subject.name}
    if subject.namespace is not None:
        fields["namespace"] = subject.namespace
    return f"{binding_vertex(binding)}: subjects[{index}]={json_value(fields)}"


def find(inv: Inventory) -> Iterator[Edge]:
    by_identity: dict[IdentityKey, list[tuple[Grant, int]]] | None = None
    for found in exposures(inv.pods, LOG_PATHS, Need.WRITE, writable_only=True):
        pod, container = found.pod, found.container
        token = token_held(inv, pod, container)
        if token is None:
            continue
        if by_identity is None:
            by_identity = log_grants(inv)
        ns, account = namespace_of(pod), pod.spec.effective_service_account
        candidates = [*by_identity.get(("account", ns, account), ()),
                      *by_identity.get(("namespace", ns), ()), *by_identity.get(("every",), ())]
        usable = next(((g, i) for g, i in candidates if _reaches(g, pod)), None)
        if usable is None:
            continue
        grant, index = usable
        yield from escape_edges(
            inv, pod, container,
            f"container {pod.name}/{container.name} mounts {found.describe()} writable and holds "
            f"the token of service account {ns}/{account}, and {grant.phrase}: it can swap a "
            f"log file for a symlink the kubelet follows when serving {grant.resource}, and "
            f"read any file of the node{found.access.why}",
            (*found.evidence(), token, _subject_evidence(grant.binding, index),
             *grant.evidence), found.access.confidence)


TECHNIQUE = Technique(
    id="escape.var-log-symlink",
    title="Writable /var/log and log-reading rights read host files through the kubelet",
    severity="high",
    mitre="T1611",
    remediation="Mount /var/log (or /var/log/pods) read-only in log agents (readOnly: true on "
                "the volumeMount), and do not grant get on pods/log or nodes/log to the "
                "service accounts of pods that mount it; restrict hostPath with the 'baseline' "
                "Pod Security level.",
    # Host files (credentials among them) are read, not yet used: as escape.hostpath-read.
    cost=2.0,
    find=find,
    examples=(
        Example(
            "log shipper with nodes/log; a live pod whose namespace's accounts may view logs "
            "(its non-root twin cannot write the root-owned log directories)",
            """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluentd, namespace: logging}
spec:
  template:
    spec:
      serviceAccountName: fluentd
      volumes: [{name: varlog, hostPath: {path: /var/log}}]
      containers:
      - name: fluentd
        image: fluentd
        securityContext: {runAsUser: 0}
        volumeMounts: [{name: varlog, mountPath: /var/log}]
---
kind: ClusterRole
metadata: {name: node-logs}
rules: [{apiGroups: [""], resources: [nodes/log], verbs: [get]}]
---
kind: ClusterRoleBinding
metadata: {name: fluentd-node-logs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-logs}
subjects: [{kind: ServiceAccount, name: fluentd, namespace: logging}]
---
kind: Pod
metadata: {name: debug, namespace: dev}
spec:
  nodeName: n1
  volumes: [{name: pods, hostPath: {path: /var/log/pods}}]
  containers:
  - name: sh
    image: busybox
    volumeMounts: [{name: pods, mountPath: /logs}]
---
kind: Pod
metadata: {name: nonroot, namespace: dev}
spec:
  nodeName: n1
  securityContext: {runAsNonRoot: true}
  volumes: [{name: pods, hostPath: {path: /var/log/pods}}]
  containers:
  - name: sh
    image: busybox
    volumeMounts: [{name: pods, mountPath: /logs}]
---
kind: RoleBinding
metadata: {name: dev-viewers, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:serviceaccounts:dev"}]
""",
            frozenset({("k8s:Container:logging/fluentd/fluentd", "k8s:NodePool:any"),
                       ("k8s:Container:dev/debug/sh", "k8s:Node:n1")}),
            {("k8s:Container:logging/fluentd/fluentd", "k8s:NodePool:any"): "certain",
             ("k8s:Container:dev/debug/sh", "k8s:Node:n1"): "likely"},
        ),
        Example(
            "near misses: read-only mount, no token, rights elsewhere or on another pod only",
            """
kind: Pod
metadata: {name: ro, namespace: logging}
spec:
  serviceAccountName: reader
  volumes: [{name: varlog, hostPath: {path: /var/log}}]
  containers:
  - {name: c, image: x, volumeMounts: [{name: varlog, mountPath: /var/log, readOnly: true}]}
---
kind: Pod
metadata: {name: notoken, namespace: logging}
spec:
  serviceAccountName: reader
  automountServiceAccountToken: false
  volumes: [{name: varlog, hostPath: {path: /var/log}}]
  containers: [{name: c, image: x, volumeMounts: [{name: varlog, mountPath: /var/log}]}]
---
kind: Pod
metadata: {name: other, namespace: apps}
spec:
  serviceAccountName: reader
  volumes: [{name: varlog, hostPath: {path: /var/log}}]
  containers: [{name: c, image: x, volumeMounts: [{name: varlog, mountPath: /var/log}]}]
---
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: reader, namespace: logging}]
---
kind: ClusterRole
metadata: {name: logs}
rules:
- {apiGroups: [""], resources: [nodes/log], verbs: [get]}
- {apiGroups: [""], resources: [pods/log], verbs: [get], resourceNames: [someone-else]}
---
kind: RoleBinding
metadata: {name: apps-logs, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: logs}
subjects: [{kind: ServiceAccount, name: reader}]
---
kind: RoleBinding
metadata: {name: shop-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: reader, namespace: apps}]
""",
        ),
    ),
)
