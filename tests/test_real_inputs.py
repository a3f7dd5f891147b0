"""Whole routes from the reproducers of issue 11 ("right answers on real inputs"): each
builds the graph from manifests and asks the path question the user asked."""

from __future__ import annotations

from ingest import inventory_from_text
from queries import attack_paths
from riskgraph.builder import build_graph

READER = """
kind: ServiceAccount
metadata: {name: reader, namespace: default}
---
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
kind: ClusterRoleBinding
metadata: {name: reader-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
---
kind: ServiceAccount
metadata: {name: ops-admin, namespace: kube-system}
---
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ops-admin, namespace: kube-system}]
---
kind: Secret
type: %s
metadata:
  name: ops-admin-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: ops-admin}
"""


def _route(text: str, source: str, target: str) -> list[list[str]]:
    inv = inventory_from_text(text)
    assert not inv.problems, [str(p) for p in inv.problems]
    return [[step.target for step in path.steps]
            for path in attack_paths(build_graph(inv), source, target)]


def test_reading_a_token_secret_gives_its_service_account() -> None:
    (route,) = _route(READER % "kubernetes.io/service-account-token", "sa:default/reader",
                      "cluster-admin")
    assert route[-4:] == ["k8s:Secret:kube-system/ops-admin-token",
                          "k8s:ServiceAccount:kube-system/ops-admin",
                          "k8s:ClusterRoleBinding:ops-admin", "k8s:ClusterAdmin"]


def test_reading_an_opaque_secret_gives_no_service_account() -> None:
    assert _route(READER % "Opaque", "sa:default/reader", "cluster-admin") == []
