"""Inventory rules: API defaults, template pods, built-in roles and reported problems."""

from __future__ import annotations

from ingest import inventory_from_text
from riskgraph.builder import build_graph
from riskgraph.estate.scheduling import placements


def test_binding_to_a_missing_role_is_reported_not_fatal() -> None:
    inv = inventory_from_text("""
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: ghost, namespace: shop}
subjects: [{kind: User, name: alice}]
roleRef: {kind: Role, name: does-not-exist}
""", "rbac/ghost.yaml")
    assert [str(p) for p in inv.problems] == [
        "rbac/ghost.yaml (RoleBinding shop/ghost): binding refers to Role 'does-not-exist', "
        "which is not in the input: it grants nothing here"]
    graph = build_graph(inv)
    assert not list(graph.out_edges("k8s:RoleBinding:shop/ghost"))


def test_serviceaccount_subject_without_namespace_in_cluster_binding_is_reported() -> None:
    inv = inventory_from_text("""
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: b}
subjects: [{kind: ServiceAccount, name: x}]
roleRef: {kind: ClusterRole, name: view}
""")
    assert [p.obj for p in inv.problems] == ["ClusterRoleBinding b"]


def test_builtin_roles_fill_in_but_the_input_wins() -> None:
    inv = inventory_from_text("""
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: view}
rules: []
""")
    by_name = {r.name: r for r in inv.roles}
    assert {"cluster-admin", "admin", "edit", "view"} <= set(by_name)
    assert by_name["view"].rules == []


_DEFAULT_ROLE_BINDINGS = """
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: metrics-server:system:auth-delegator}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
roleRef: {kind: ClusterRole, name: "system:auth-delegator"}
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: metrics-server-auth-reader, namespace: kube-system}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
roleRef: {kind: Role, name: extension-apiserver-authentication-reader}
"""


def test_bindings_to_default_system_roles_resolve_with_their_real_rules() -> None:
    inv = inventory_from_text(_DEFAULT_ROLE_BINDINGS)
    assert inv.problems == []
    delegator, reader = (inv.role_for(b) for b in inv.bindings)
    assert delegator is not None and reader is not None
    assert [(r.resources, r.verbs) for r in delegator.rules] == [
        (["tokenreviews"], ["create"]), (["subjectaccessreviews"], ["create"])]
    assert reader.kind == "Role" and reader.metadata.namespace == "kube-system"
    assert [(r.resources, r.resource_names) for r in reader.rules] == [
        (["configmaps"], ["extension-apiserver-authentication"])]


def test_default_namespaced_roles_exist_only_in_their_namespace_and_the_input_wins() -> None:
    inv = inventory_from_text(_DEFAULT_ROLE_BINDINGS.replace("namespace: kube-system}\nsub",
                                                             "namespace: shop}\nsub") + """---
kind: Role
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: "system:controller:token-cleaner", namespace: kube-system}
rules: []
""")
    assert [p.obj for p in inv.problems] == ["RoleBinding shop/metrics-server-auth-reader"]
    cleaners = [r for r in inv.roles if r.name == "system:controller:token-cleaner"]
    assert [r.rules for r in cleaners] == [[]]


def test_pool_placement_is_certain_for_one_pool_and_possible_for_several() -> None:
    text = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: c}]}}}
"""
    inv = inventory_from_text(text)
    assert [(p.target, p.confidence) for p in inv.placements(inv.pods[0])] == [
        ("k8s:NodePool:any", "certain")]
    two = placements(inv.pods[0], ["a", "b"])
    assert {p.confidence for p in two} == {"possible"}


def test_duplicate_objects_are_reported_once_and_first_copy_kept() -> None:
    inv = inventory_from_text("""
kind: ServiceAccount
metadata: {name: app, namespace: shop}
automountServiceAccountToken: false
---
kind: ServiceAccount
metadata: {name: app, namespace: shop}
""", "sa.yaml")
    assert len(inv.service_accounts) == 1
    assert inv.service_accounts[0].automount_service_account_token is False
    assert [p.obj for p in inv.problems] == ["ServiceAccount shop/app"]
    assert "the copy in sa.yaml is kept" in inv.problems[0].message
