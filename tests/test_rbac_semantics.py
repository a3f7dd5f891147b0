"""RBAC semantics of the rbac.* and k8s.* techniques, one test per rule."""

from __future__ import annotations

import time

import pytest

from ingest import inventory_from_text
from riskgraph.builder import build_graph
from riskgraph.inventory import Inventory
from riskgraph.models import PolicyRule
from riskgraph.techniques import Edge, get
from riskgraph.techniques._rbac import api_group, rule_allows

BIND = "rbac.authorization.k8s.io"


def edges(technique_id: str, inv: Inventory) -> list[Edge]:
    return list(get(technique_id).find(inv))


def pairs(technique_id: str, yaml_text: str) -> set[tuple[str, str]]:
    inv = inventory_from_text(yaml_text)
    assert not inv.problems, [str(p) for p in inv.problems]
    return {(e.source, e.target) for e in edges(technique_id, inv)}


def role(rules: str, name: str = "r", namespace: str = "shop") -> str:
    return f"""
kind: Role
metadata: {{name: {name}, namespace: {namespace}}}
rules: [{rules}]
---
kind: RoleBinding
metadata: {{name: {name}-b, namespace: {namespace}}}
roleRef: {{apiGroup: {BIND}, kind: Role, name: {name}}}
subjects: [{{kind: Group, name: g}}]
"""


def cluster_role(rules: str, name: str = "cr") -> str:
    return f"""
kind: ClusterRole
metadata: {{name: {name}}}
rules: [{rules}]
---
kind: ClusterRoleBinding
metadata: {{name: {name}-b}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: {name}}}
subjects: [{{kind: Group, name: g}}]
"""


def rolebinding(to_kind: str, to_name: str, name: str = "rb", namespace: str = "shop") -> str:
    return f"""
kind: RoleBinding
metadata: {{name: {name}, namespace: {namespace}}}
roleRef: {{apiGroup: {BIND}, kind: {to_kind}, name: {to_name}}}
subjects: [{{kind: Group, name: g}}]
"""


def secret(name: str, namespace: str) -> str:
    return f"\n---\nkind: Secret\nmetadata: {{name: {name}, namespace: {namespace}}}\n"


def pod(name: str, namespace: str) -> str:
    return (f"\n---\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            "spec: {containers: [{name: c, image: busybox}]}\n")


SECRETS = secret("db", "shop") + secret("token", "other")
PODS = pod("web", "shop") + pod("api", "other")


# Rule matching ---------------------------------------------------------------------------

def test_verb_group_and_resource_wildcards_match() -> None:
    everything = PolicyRule(apiGroups=["*"], resources=["*"], verbs=["*"])
    for verb, resource in (("create", "pods"), ("list", "secrets"), ("create", "pods/exec"),
                           ("create", "deployments"), ("bind", "clusterroles")):
        assert rule_allows(everything, verb, resource)
    listing = PolicyRule(apiGroups=[""], resources=["secrets"], verbs=["list"])
    assert rule_allows(listing, "list", "secrets")
    assert not rule_allows(listing, "get", "secrets")
    assert not rule_allows(listing, "list", "configmaps")


def test_api_group_must_match_real_group() -> None:
    assert api_group("deployments") == "apps" and api_group("cronjobs") == "batch"
    assert api_group("pods/exec") == "" and api_group("roles") == BIND
    core_deployments = PolicyRule(apiGroups=[""], resources=["deployments"], verbs=["create"])
    assert not rule_allows(core_deployments, "create", "deployments")
    core_controllers = role('{apiGroups: [""], resources: [deployments, jobs], verbs: [create]}')
    assert pairs("rbac.create-pod", core_controllers) == set()
    apps_secrets = role("{apiGroups: [apps], resources: [secrets], verbs: [list]}")
    assert pairs("rbac.secrets-read", apps_secrets + SECRETS) == set()
    assert pairs("rbac.create-pod",
                 role("{apiGroups: [apps], resources: [deployments], verbs: [create]}"))


def test_unknown_resource_group_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="widgets"):
        api_group("widgets")


def test_star_resource_matches_subresources() -> None:
    rule = PolicyRule(apiGroups=[""], resources=["*"], verbs=["create"])
    assert rule_allows(rule, "create", "pods/exec")
    assert pairs("rbac.pods-exec", role('{apiGroups: [""], resources: ["*"], verbs: [create]}')
                 + PODS) == {("k8s:RoleBinding:shop/r-b", "hub:pods-exec:ns/shop"),
                             ("hub:pods-exec:ns/shop", "k8s:Pod:shop/web")}


def test_subresource_wildcard_matches_exec() -> None:
    rule = PolicyRule(apiGroups=[""], resources=["*/exec"], verbs=["create"])
    assert rule_allows(rule, "create", "pods/exec")
    assert not rule_allows(rule, "create", "pods")
    assert not rule_allows(rule, "create", "pods/attach")
    assert ("k8s:RoleBinding:shop/r-b", "hub:pods-exec:ns/shop") in pairs(
        "rbac.pods-exec", role('{apiGroups: [""], resources: ["*/exec"], verbs: [create]}') + PODS)


def test_pods_slash_star_is_literal_not_a_wildcard() -> None:
    # The API server's RBAC authorizer knows "*" and "*/<sub>" only; "pods/*" is a name.
    rule = PolicyRule(apiGroups=[""], resources=["pods/*"], verbs=["create"])
    assert not rule_allows(rule, "create", "pods/exec")
    assert pairs("rbac.pods-exec",
                 role('{apiGroups: [""], resources: ["pods/*"], verbs: [create]}') + PODS) == set()


def test_resource_names_narrow_targets() -> None:
    text = role('{apiGroups: [""], resources: [secrets], verbs: [list], resourceNames: [db]}')
    text += secret("db", "shop") + secret("api-key", "shop")
    assert pairs("rbac.secrets-read", text) == {("k8s:RoleBinding:shop/r-b", "k8s:Secret:shop/db")}


def test_resource_names_excluding_every_object_reach_nothing() -> None:
    text = role('{apiGroups: [""], resources: [secrets], verbs: [list], resourceNames: [tls]}')
    assert pairs("rbac.secrets-read", text + SECRETS) == set()


def test_cluster_binding_resource_names_match_in_every_namespace() -> None:
    text = cluster_role('{apiGroups: [""], resources: [secrets], verbs: [get], '
                        'resourceNames: [db]}') + secret("db", "shop") + secret("db", "other")
    text += secret("api-key", "shop")
    assert pairs("rbac.secrets-read", text) == {
        ("k8s:ClusterRoleBinding:cr-b", "k8s:Secret:shop/db"),
        ("k8s:ClusterRoleBinding:cr-b", "k8s:Secret:other/db")}


def test_create_with_resource_names_grants_nothing() -> None:
    rule = PolicyRule(apiGroups=[""], resources=["pods"], verbs=["create"], resourceNames=["web"])
    assert not rule_allows(rule, "create", "pods")
    assert pairs("rbac.create-pod", role(
        '{apiGroups: ["", apps], resources: [pods, deployments], verbs: [create], '
        'resourceNames: [web]}')) == set()


def test_exec_with_resource_names_reaches_named_live_pod() -> None:
    # pods/exec is a subresource: the request names the pod, so resourceNames applies.
    text = role('{apiGroups: [""], resources: [pods/exec], verbs: [create], '
                'resourceNames: [web]}') + PODS + pod("other-web", "shop")
    assert pairs("rbac.pods-exec", text) == {("k8s:RoleBinding:shop/r-b", "k8s:Pod:shop/web")}


# Scope -------------------------------------------------------------------------------------

def test_rolebinding_to_clusterrole_is_namespaced() -> None:
    text = cluster_role('{apiGroups: [""], resources: [secrets], verbs: [list]}', "reader")
    text = text.split("---")[0] + "---" + rolebinding("ClusterRole", "reader") + SECRETS
    assert pairs("rbac.secrets-read", text) == {
        ("k8s:RoleBinding:shop/rb", "hub:secrets-read:ns/shop"),
        ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db")}


def test_rolebinding_in_another_namespace_reaches_nothing_here() -> None:
    text = rolebinding("ClusterRole", "edit", namespace="empty") + SECRETS + PODS
    for technique in ("rbac.secrets-read", "rbac.pods-exec"):
        assert pairs(technique, text) == set()


def test_cluster_binding_fans_out_through_namespace_hubs() -> None:
    text = cluster_role('{apiGroups: [""], resources: [secrets], verbs: [list]}') + SECRETS
    assert pairs("rbac.secrets-read", text) == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:secrets-read:cluster"),
        ("hub:secrets-read:cluster", "hub:secrets-read:ns/shop"),
        ("hub:secrets-read:cluster", "hub:secrets-read:ns/other"),
        ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db"),
        ("hub:secrets-read:ns/other", "k8s:Secret:other/token")}


def test_hubs_fan_out_only_when_entered() -> None:
    text = role('{apiGroups: [""], resources: [secrets], verbs: [list]}') + SECRETS
    found = pairs("rbac.secrets-read", text)
    assert not any(src == "hub:secrets-read:ns/other" or dst == "hub:secrets-read:ns/other"
                   for src, dst in found)
    assert ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db") in found


def test_hub_edges_carry_the_technique_id() -> None:
    text = cluster_role('{apiGroups: [""], resources: [secrets, pods/exec], verbs: [list, create]}')
    graph = build_graph(inventory_from_text(text + SECRETS + PODS))
    for capability, technique in (("secrets-read", "rbac.secrets-read"),
                                  ("pods-exec", "rbac.pods-exec")):
        hub_keys = {key for src, _, key in graph.edges(keys=True)
                    if src.startswith(f"hub:{capability}:")}
        assert hub_keys == {technique}


def test_missing_role_grants_nothing() -> None:
    inv = inventory_from_text(rolebinding("Role", "ghost") + SECRETS)
    assert inv.problems  # the Inventory says so; the techniques stay silent
    for technique in ("rbac.bound", "rbac.secrets-read", "rbac.wildcard"):
        assert edges(technique, inv) == []


def test_scale_cluster_grant_edges_are_a_sum_not_a_product() -> None:
    namespaces, per_namespace = 200, 20
    text = cluster_role('{apiGroups: [""], resources: [secrets], verbs: [list]}')
    text += "".join(secret(f"s{i}", f"ns{n}") for n in range(namespaces)
                    for i in range(per_namespace))
    text += "".join("\n---\n" + rolebinding("ClusterRole", "cr", f"rb{n}", f"ns{n}")
                    for n in range(namespaces))
    inv = inventory_from_text(text)
    started = time.perf_counter()
    found = edges("rbac.secrets-read", inv)
    assert time.perf_counter() - started < 2
    # one cluster entry + one entry per RoleBinding + cluster->ns hubs + hub->secret
    assert len(found) == 1 + namespaces + namespaces + namespaces * per_namespace


# Subjects ----------------------------------------------------------------------------------

def test_serviceaccount_subject_namespace_defaults_to_binding() -> None:
    text = f"""
kind: RoleBinding
metadata: {{name: rb, namespace: shop}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: view}}
subjects:
- {{kind: ServiceAccount, name: app}}
- {{kind: ServiceAccount, name: bot, namespace: ci}}
"""
    assert pairs("rbac.bound", text) == {
        ("k8s:ServiceAccount:shop/app", "k8s:RoleBinding:shop/rb"),
        ("k8s:ServiceAccount:ci/bot", "k8s:RoleBinding:shop/rb")}


def test_serviceaccount_username_subject_is_the_service_account() -> None:
    text = f"""
kind: ClusterRoleBinding
metadata: {{name: crb}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: view}}
subjects: [{{kind: User, name: "system:serviceaccount:shop:app"}}, {{kind: User, name: bob}}]
"""
    assert pairs("rbac.bound", text) == {
        ("k8s:ServiceAccount:shop/app", "k8s:ClusterRoleBinding:crb"),
        ("k8s:User:bob", "k8s:ClusterRoleBinding:crb")}


def test_serviceaccount_groups_are_subjects() -> None:
    text = f"""
kind: ServiceAccount
metadata: {{name: app, namespace: shop}}
---
kind: ClusterRoleBinding
metadata: {{name: everyone}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: view}}
subjects:
- {{kind: Group, name: "system:serviceaccounts"}}
- {{kind: Group, name: "system:authenticated"}}
"""
    found = pairs("rbac.bound", text)
    for account in ("k8s:ServiceAccount:shop/app", "k8s:ServiceAccount:shop/default"):
        assert (account, "k8s:Group:system:serviceaccounts") in found
        assert (account, "k8s:Group:system:authenticated") in found
    assert ("k8s:Group:system:authenticated", "k8s:ClusterRoleBinding:everyone") in found


def test_serviceaccount_groups_only_when_named() -> None:
    text = "kind: ServiceAccount\nmetadata: {name: app, namespace: shop}\n---\n"
    text += rolebinding("ClusterRole", "view")
    found = pairs("rbac.bound", text)
    assert found == {("k8s:Group:g", "k8s:RoleBinding:shop/rb")}


# Capabilities ------------------------------------------------------------------------------

def confidence_into_hub(technique_id: str, text: str) -> str:
    inv = inventory_from_text(text)
    return next(e.confidence for e in edges(technique_id, inv) if e.target.startswith("hub:"))


def test_secrets_list_is_certain_get_is_likely() -> None:
    for verbs, expected in (("[list]", "certain"), ("[watch]", "certain"), ("[get]", "likely"),
                            ("[get, list]", "certain")):
        text = role(f'{{apiGroups: [""], resources: [secrets], verbs: {verbs}}}') + SECRETS
        assert confidence_into_hub("rbac.secrets-read", text) == expected, verbs


def test_secrets_get_with_resource_names_is_certain() -> None:
    text = role('{apiGroups: [""], resources: [secrets], verbs: [get]}, '
                '{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db]}')
    found = {(e.target): e.confidence for e in
             edges("rbac.secrets-read", inventory_from_text(text + SECRETS))}
    assert found["k8s:Secret:shop/db"] == "certain"
    assert found["hub:secrets-read:ns/shop"] == "likely"


def test_exec_create_is_certain_get_only_is_likely() -> None:
    for verbs, expected in (("[create]", "certain"), ("[get]", "likely")):
        text = role(f'{{apiGroups: [""], resources: [pods/exec], verbs: {verbs}}}') + PODS
        assert confidence_into_hub("rbac.pods-exec", text) == expected


@pytest.mark.parametrize(("group", "resource"), [
    ("", "pods"), ("apps", "deployments"), ("apps", "daemonsets"), ("apps", "statefulsets"),
    ("apps", "replicasets"), ("batch", "jobs"), ("batch", "cronjobs"),
    ("", "replicationcontrollers")])
def test_pod_controllers_count_as_create_pod(group: str, resource: str) -> None:
    text = role(f'{{apiGroups: ["{group}"], resources: [{resource}], verbs: [create]}}')
    assert pairs("rbac.create-pod", text) == {
        ("k8s:RoleBinding:shop/r-b", "hub:create-pod:ns/shop"),
        ("hub:create-pod:ns/shop", "k8s:ServiceAccount:shop/default"),
        ("hub:create-pod:ns/shop", "k8s:NodePool:any")}


def test_create_pod_reasons_say_run_as_or_privileged_pool() -> None:
    text = role('{apiGroups: [""], resources: [pods], verbs: [create]}')
    reasons = {e.target: e.reason for e in edges("rbac.create-pod", inventory_from_text(text))}
    assert "service account shop/default" in reasons["k8s:ServiceAccount:shop/default"]
    assert "privileged pod on node pool any" in reasons["k8s:NodePool:any"]


@pytest.mark.parametrize(("level", "pools_reached"), [
    ("restricted", False), ("baseline", False), ("privileged", True), (None, True)])
def test_psa_restricted_blocks_pool_reach(level: str | None, pools_reached: bool) -> None:
    labels = f"{{pod-security.kubernetes.io/enforce: {level}}}" if level else "{}"
    nodes = """
---
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
---
kind: Node
metadata: {name: n2, labels: {eks.amazonaws.com/nodegroup: gpu}}
"""
    text = (f"kind: Namespace\nmetadata: {{name: shop, labels: {labels}}}\n---\n"
            + role('{apiGroups: [""], resources: [pods], verbs: [create]}') + nodes)
    pools = {"k8s:NodePool:general", "k8s:NodePool:gpu"}
    found = pairs("rbac.create-pod", text)
    assert ({("hub:create-pod:ns/shop", p) for p in pools} <= found) is pools_reached
    assert any("NodePool" in dst for _, dst in found) is pools_reached
    assert ("hub:create-pod:ns/shop", "k8s:ServiceAccount:shop/default") in found
    wildcard = pairs("rbac.wildcard", text.replace(
        '{apiGroups: [""], resources: [pods], verbs: [create]}',
        '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}'))
    assert ({("hub:wildcard:ns/shop", p) for p in pools} <= wildcard) is pools_reached


def test_wildcard_needs_every_verb_resource_and_group() -> None:
    for rule in ('{apiGroups: [""], resources: ["*"], verbs: ["*"]}',
                 '{apiGroups: ["*"], resources: [secrets], verbs: ["*"]}',
                 '{apiGroups: ["*"], resources: ["*"], verbs: [get, list]}',
                 '{apiGroups: ["*"], resources: ["*"], verbs: ["*"], resourceNames: [x]}'):
        assert pairs("rbac.wildcard", cluster_role(rule)) == set(), rule
    assert pairs("rbac.wildcard", cluster_role('{apiGroups: ["*"], resources: ["*"], '
                                               'verbs: ["*"]}')) == {
        ("k8s:ClusterRoleBinding:cr-b", "k8s:ClusterAdmin")}


def test_wildcard_in_a_namespace_reaches_its_objects_only() -> None:
    text = role('{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}') + SECRETS + PODS
    assert pairs("rbac.wildcard", text) == {
        ("k8s:RoleBinding:shop/r-b", "hub:wildcard:ns/shop"),
        ("hub:wildcard:ns/shop", "k8s:Secret:shop/db"),
        ("hub:wildcard:ns/shop", "k8s:ServiceAccount:shop/default"),
        ("hub:wildcard:ns/shop", "k8s:Pod:shop/web"),
        ("hub:wildcard:ns/shop", "k8s:NodePool:any")}


# Built-in roles ----------------------------------------------------------------------------

def test_rolebinding_to_cluster_admin_is_namespace_wide_wildcard() -> None:
    found = pairs("rbac.wildcard", rolebinding("ClusterRole", "cluster-admin") + SECRETS)
    assert ("k8s:RoleBinding:shop/rb", "hub:wildcard:ns/shop") in found
    assert all(dst != "k8s:ClusterAdmin" and "other" not in dst for _, dst in found)


def test_view_reaches_no_secrets_exec_or_pods() -> None:
    text = rolebinding("ClusterRole", "view") + SECRETS + PODS
    for technique in ("rbac.secrets-read", "rbac.pods-exec", "rbac.create-pod", "rbac.wildcard"):
        assert pairs(technique, text) == set(), technique


def test_edit_reads_secrets_and_execs_into_pods() -> None:
    text = rolebinding("ClusterRole", "edit") + SECRETS + PODS
    assert ("hub:secrets-read:ns/shop", "k8s:Secret:shop/db") in pairs("rbac.secrets-read", text)
    assert ("hub:pods-exec:ns/shop", "k8s:Pod:shop/web") in pairs("rbac.pods-exec", text)
    assert ("k8s:RoleBinding:shop/rb", "hub:create-pod:ns/shop") in pairs("rbac.create-pod", text)
    assert pairs("rbac.wildcard", text) == set()


# Cluster admin -----------------------------------------------------------------------------

def test_system_masters_is_cluster_admin() -> None:
    assert pairs("k8s.masters", "kind: Namespace\nmetadata: {name: shop}\n") == {
        ("k8s:Group:system:masters", "k8s:ClusterAdmin")}


def test_admin_reaches_every_secret_account_pool_and_node() -> None:
    text = SECRETS + pod("web", "shop") + """
---
kind: Node
metadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}
"""
    assert pairs("k8s.admin-reach", text) == {
        ("k8s:ClusterAdmin", "k8s:Secret:shop/db"),
        ("k8s:ClusterAdmin", "k8s:Secret:other/token"),
        ("k8s:ClusterAdmin", "k8s:ServiceAccount:shop/default"),
        ("k8s:ClusterAdmin", "k8s:ServiceAccount:other/default"),
        ("k8s:ClusterAdmin", "k8s:NodePool:general"),
        ("k8s:ClusterAdmin", "k8s:Node:n1")}


# Wording -----------------------------------------------------------------------------------

def test_reasons_name_binding_role_scope_and_verb() -> None:
    text = rolebinding("ClusterRole", "edit", "ci-deployer") + PODS
    entry = next(e for e in edges("rbac.pods-exec", inventory_from_text(text))
                 if e.target == "hub:pods-exec:ns/shop")
    assert entry.reason == ("RoleBinding shop/ci-deployer grants ClusterRole edit in namespace "
                            "shop, which allows create on pods/exec")
    role_ref = '{"kind":"ClusterRole","name":"edit"}'
    assert f"k8s:RoleBinding:shop/ci-deployer: roleRef={role_ref}" in entry.evidence
    assert any(e.startswith("k8s:ClusterRole:edit: rules[2].verbs=") for e in entry.evidence)


def test_cluster_binding_reason_says_cluster_wide() -> None:
    text = cluster_role('{apiGroups: [""], resources: [secrets], verbs: [watch]}') + SECRETS
    entry = next(e for e in edges("rbac.secrets-read", inventory_from_text(text))
                 if e.target == "hub:secrets-read:cluster")
    assert entry.reason == ("ClusterRoleBinding cr-b grants ClusterRole cr cluster-wide, which "
                            "allows watch on secrets")
