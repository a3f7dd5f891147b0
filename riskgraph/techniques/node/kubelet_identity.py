"""node.kubelet-identity: root on a node holds the kubelet's credential, user system:node:<name>.

The Node authorizer and the NodeRestriction admission plugin (both on in EKS) confine that
user to what its own node needs: it reads the secrets that pods bound to the node reference,
and nothing of pods elsewhere. A foothold on a node pool is on some node of it, so it may be
any node's kubelet. The user is also in group ``system:nodes``; that membership is an edge
only when some binding names the group, as for the service-account groups.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.edges import Reason
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Pod
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.common import (
    containers,
    evidence,
    namespace_of,
    node_evidence,
)

NODES_GROUP = "system:nodes"
#: Reading a secret through the API with the kubelet's credential, its name in the pod spec.
SECRET_READ_COST = 1.0
MEMBERSHIP_COST = 0.1


def node_user(node: str) -> str:
    """``k8s:User:system:node:<node>``, the user the kubelet of ``node`` authenticates as."""
    return ids.user_id(f"system:node:{node}")


def secret_references(pod: Pod) -> Iterator[tuple[str, str]]:
    """(secret name, JSON path in the spec) of every secret the pod's volumes, projected
    volumes, ``env`` and ``envFrom`` name; the kubelet fetches each to start the pod."""
    for index, volume in enumerate(pod.spec.volumes):
        if volume.secret is not None and volume.secret.secret_name:
            yield volume.secret.secret_name, f"volumes[{index}].secret.secretName"
        if volume.projected is not None:
            for s_index, source in enumerate(volume.projected.sources):
                if source.secret is not None and source.secret.name:
                    yield (source.secret.name,
                           f"volumes[{index}].projected.sources[{s_index}].secret.name")
    for container, path in containers(pod):
        for index, var in enumerate(container.env):
            ref = var.value_from.secret_key_ref if var.value_from else None
            if ref is not None and ref.name:
                yield ref.name, f"{path}.env[{index}].valueFrom.secretKeyRef.name"
        for index, env_from in enumerate(container.env_from):
            if env_from.secret_ref is not None and env_from.secret_ref.name:
                yield env_from.secret_ref.name, f"{path}.envFrom[{index}].secretRef.name"


def _secret_edges(live: list[Pod]) -> Iterator[Edge]:
    seen: set[tuple[str, str]] = set()
    users: dict[str, str] = {}
    for pod in live:
        ns = namespace_of(pod)
        # The same secrets and spec fields on each node the pod runs on.
        references = [(ids.k8s_id("Secret", secret, ns), secret, evidence(pod, path, secret))
                      for secret, path in secret_references(pod)]
        if not references:
            continue
        for node, replica in pod.placed_on.items():
            user = users.get(node)
            if user is None:
                user = users[node] = node_user(node)
            for target, secret, proof in references:
                if (user, target) in seen:
                    continue
                seen.add((user, target))
                yield Edge(user, target,
                           Reason("pod {}/{} is bound to node {} and references secret {}/{}, "
                                  "so the Node authorizer lets system:node:{} read it", ns,
                                  replica, node, ns, secret, node),
                           (node_evidence(pod, replica, node), proof), cost=SECRET_READ_COST)


def find(inv: Inventory) -> Iterator[Edge]:
    live = [pod for pod in inv.pods if pod.is_bound]
    # A pod's nodeName names a node even when the input holds no Node object for it.
    names = dict.fromkeys([node.name for node in inv.nodes]
                          + [node for pod in live for node in pod.placed_on])
    group_named = any(subject.kind == "Group" and subject.name == NODES_GROUP
                      for binding in inv.bindings for subject in binding.subjects)
    for name in names:
        user = node_user(name)
        yield Edge(ids.k8s_id("Node", name), user,
                   f"root on node {name} reads the kubelet's kubeconfig and client certificate "
                   f"and acts as user system:node:{name}", ())
        if group_named:
            yield Edge(user, ids.group_id(NODES_GROUP),
                       f"user system:node:{name} authenticates as a member of group "
                       f"{NODES_GROUP}", (), cost=MEMBERSHIP_COST)
    for pool, nodes in inv.pools.items():
        for node in nodes:
            yield Edge(ids.node_pool_id(pool), node_user(node.name),
                       f"a foothold on pool {pool} is on one of its nodes, which may be "
                       f"{node.name}, and acts as that node's kubelet", (), "possible")
    yield from _secret_edges(live)


TECHNIQUE = Technique(
    id="node.kubelet-identity",
    title="Root on a node acts as its kubelet",
    severity="medium",
    mitre="T1552.001",
    remediation="Keep the Node authorizer and the NodeRestriction admission plugin on (the EKS "
                "default) so a node's credential reaches only its own pods' secrets; run "
                "workloads whose secrets matter on their own node group, and bind no roles to "
                "group system:nodes or to system:node:* users.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "each node's kubelet reads only the secrets of the pods bound to it",
            """
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
  volumes:
  - {name: tls, secret: {secretName: web-tls}}
  - name: both
    projected: {sources: [{secret: {name: web-extra}}, {configMap: {name: cfg}}]}
  containers:
  - name: app
    image: web
    env: [{name: KEY, valueFrom: {secretKeyRef: {name: api-key, key: k}}}]
---
kind: Pod
metadata: {name: db, namespace: data}
spec:
  nodeName: n2
  initContainers:
  - {name: init, image: x, envFrom: [{secretRef: {name: db-admin}}]}
  containers: [{name: pg, image: postgres}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: pending, namespace: shop}
spec:
  template:
    spec:
      volumes: [{name: s, secret: {secretName: not-yet-fetched}}]
      containers: [{name: c, image: x}]
""",
            frozenset({("k8s:Node:n1", "k8s:User:system:node:n1"),
                       ("k8s:Node:n2", "k8s:User:system:node:n2"),
                       ("k8s:NodePool:general", "k8s:User:system:node:n1"),
                       ("k8s:NodePool:general", "k8s:User:system:node:n2"),
                       ("k8s:User:system:node:n1", "k8s:Secret:shop/web-tls"),
                       ("k8s:User:system:node:n1", "k8s:Secret:shop/web-extra"),
                       ("k8s:User:system:node:n1", "k8s:Secret:shop/api-key"),
                       ("k8s:User:system:node:n2", "k8s:Secret:data/db-admin")}),
            {("k8s:NodePool:general", "k8s:User:system:node:n1"): "possible",
             ("k8s:User:system:node:n1", "k8s:Secret:shop/web-tls"): "certain"},
        ),
        Example(
            "group system:nodes is an edge once a binding names it; a node only pods name",
            """
kind: ClusterRoleBinding
metadata: {name: nodes-extra}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:nodes", apiGroup: rbac.authorization.k8s.io}]
---
kind: Pod
metadata: {name: p, namespace: default}
spec:
  nodeName: ip-10-0-1-5.ec2.internal
  containers: [{name: c, image: x}]
""",
            frozenset({("k8s:Node:ip-10-0-1-5.ec2.internal",
                        "k8s:User:system:node:ip-10-0-1-5.ec2.internal"),
                       ("k8s:User:system:node:ip-10-0-1-5.ec2.internal",
                        "k8s:Group:system:nodes")}),
        ),
        Example(
            "manifests only: template pods are bound to no node and the any pool has none",
            """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      volumes: [{name: s, secret: {secretName: api-tls}}]
      containers: [{name: c, image: x, envFrom: [{secretRef: {name: api-env}}]}]
---
kind: ClusterRoleBinding
metadata: {name: others}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:nodes-but-not-quite"}]
""",
        ),
    ),
)
