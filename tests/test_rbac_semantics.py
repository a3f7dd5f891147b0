"""RBAC semantics of the rbac.* and k8s.* techniques, one test per rule."""

from __future__ import annotations

import pytest

from ingest import inventory_from_text
from riskgraph.builder import build_graph
from riskgraph.estate.builtin_roles import builtin_roles
from riskgraph.estate.inventory import Inventory
from riskgraph.models import PolicyRule
from riskgraph.techniques import Edge, get
from riskgraph.techniques._shared.rbac_aggregation import aggregated_rules
from riskgraph.techniques._shared.rbac_rules import (
    api_group,
    grants,
    namespaced_grant_possible,
    rule_allows,
)

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
    assert pairs("rbac.pods-exec", text) == set()
    # Only the capability of its own namespace, which holds no secret in the input.
    assert pairs("rbac.secrets-read", text) == {
        ("k8s:RoleBinding:empty/rb", "hub:secrets-read:ns/empty")}


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
    found = edges("rbac.secrets-read", inv)
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


# Aggregated ClusterRoles -------------------------------------------------------------------

def aggregated(selectors: str, name: str = "agg") -> str:
    return f"""
kind: ClusterRole
metadata: {{name: {name}}}
aggregationRule: {{clusterRoleSelectors: {selectors}}}
---
kind: ClusterRoleBinding
metadata: {{name: {name}-b}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: {name}}}
subjects: [{{kind: Group, name: g}}]
"""


def labelled(name: str, labels: str, rules: str) -> str:
    return (f"\n---\nkind: ClusterRole\nmetadata: {{name: {name}, labels: {labels}}}\n"
            f"rules: [{rules}]\n")


LIST_SECRETS = '{apiGroups: [""], resources: [secrets], verbs: [list]}'
EXEC = '{apiGroups: [""], resources: [pods/exec], verbs: [create]}'


def test_aggregated_clusterrole_holds_the_rules_of_matching_roles() -> None:
    text = aggregated('[{matchLabels: {team: a}}]') + labelled(
        "secret-lister", '{team: a}', LIST_SECRETS) + labelled(
        "exec", '{team: b}', EXEC) + SECRETS + PODS
    assert ("k8s:ClusterRoleBinding:agg-b", "hub:secrets-read:cluster") in pairs(
        "rbac.secrets-read", text)
    assert pairs("rbac.pods-exec", text) == set()


def test_aggregation_selectors_match_expressions_and_or() -> None:
    roles = (labelled("a", "{team: a}", LIST_SECRETS) + labelled("b", "{team: b}", EXEC)
             + labelled("none", "{other: x}", EXEC))
    builtin = {r.name for r in builtin_roles() if r.kind == "ClusterRole"}
    assert {"cluster-admin", "admin", "edit", "view", "system:auth-delegator"} <= builtin
    for selectors, expected in (
            ('[{matchExpressions: [{key: team, operator: In, values: [a, c]}]}]', {"a"}),
            ('[{matchExpressions: [{key: team, operator: Exists}]}]', {"a", "b"}),
            # NotIn and DoesNotExist also select roles without the key: the built-in ones too.
            ('[{matchExpressions: [{key: team, operator: NotIn, values: [a]}]}]',
             {"b", "none"} | builtin),
            ('[{matchExpressions: [{key: team, operator: DoesNotExist}]}]',
             {"none"} | builtin),
            ('[{matchLabels: {team: a}, matchExpressions: [{key: tier, operator: Exists}]}]',
             set()),
            ('[{matchLabels: {team: z}}, {matchLabels: {team: b}}]', {"b"})):
        inv = inventory_from_text(aggregated(selectors) + roles)
        holders = {source.holder.name for source in aggregated_rules(inv)["agg"]}
        assert holders == expected, selectors
    text = aggregated('[{matchLabels: {team: a}}]') + roles + SECRETS + PODS
    assert ("k8s:ClusterRoleBinding:agg-b", "hub:secrets-read:cluster") in pairs(
        "rbac.secrets-read", text)
    assert pairs("rbac.pods-exec", text) == set()


def test_aggregation_is_transitive_and_never_selects_itself() -> None:
    text = aggregated('[{matchLabels: {level: top}}]', "top") + labelled(
        "middle", "{level: top}", "") .replace(
        "rules: []", "aggregationRule: {clusterRoleSelectors: [{matchLabels: {level: low}}]}"
    ) + labelled("low", "{level: low}", LIST_SECRETS) + SECRETS
    assert ("k8s:ClusterRoleBinding:top-b", "hub:secrets-read:cluster") in pairs(
        "rbac.secrets-read", text)
    # A role whose selector matches its own labels gains nothing from itself (no loop).
    own = aggregated('[{matchLabels: {x: "1"}}]', "self").replace(
        "metadata: {name: self}", 'metadata: {name: self, labels: {x: "1"}}') + SECRETS
    assert pairs("rbac.secrets-read", own) == set()


def test_aggregation_is_computed_once_per_inventory() -> None:
    text = aggregated('[{matchLabels: {team: a}}]') + labelled("l", "{team: a}", LIST_SECRETS)
    first, second = inventory_from_text(text), inventory_from_text(text)
    assert aggregated_rules(first) is aggregated_rules(first)
    assert aggregated_rules(first) is not aggregated_rules(second)
    assert [s.holder.name for s in aggregated_rules(first)["agg"]] == ["l"]


def test_builtin_roles_gather_roles_labelled_aggregate_to_them() -> None:
    crd_rule = '{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}'
    text = labelled("crd-view", '{rbac.authorization.k8s.io/aggregate-to-view: "true"}',
                    crd_rule)
    for builtin in ("view", "edit", "admin"):
        binding = f"""
---
kind: ClusterRoleBinding
metadata: {{name: {builtin}-b}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: {builtin}}}
subjects: [{{kind: Group, name: g}}]
"""
        assert (f"k8s:ClusterRoleBinding:{builtin}-b", "hub:nodes-proxy:cluster") in pairs(
            "rbac.nodes-proxy", text + binding), builtin
    edit_only = text.replace("aggregate-to-view", "aggregate-to-edit") + """
---
kind: ClusterRoleBinding
metadata: {name: view-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: g}]
"""
    assert pairs("rbac.nodes-proxy", edit_only) == set()


def test_aggregated_rule_evidence_names_the_role_that_holds_it() -> None:
    text = aggregated('[{matchLabels: {team: a}}]') + labelled(
        "secret-lister", "{team: a}", LIST_SECRETS) + SECRETS
    entry = next(e for e in edges("rbac.secrets-read", inventory_from_text(text))
                 if e.target == "hub:secrets-read:cluster")
    assert "aggregated from ClusterRole secret-lister" in entry.reason
    assert 'k8s:ClusterRole:secret-lister: rules[0].verbs=["list"]' in entry.evidence
    assert any(e.startswith("k8s:ClusterRole:agg: aggregationRule=") for e in entry.evidence)


def test_wildcard_through_aggregation_is_cluster_admin() -> None:
    text = aggregated('[{matchLabels: {power: all}}]') + labelled(
        "all", "{power: all}", '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}')
    assert ("k8s:ClusterRoleBinding:agg-b", "k8s:ClusterAdmin") in pairs("rbac.wildcard", text)


# Cluster-scoped resources ------------------------------------------------------------------

def test_rolebinding_cannot_grant_cluster_scoped_resources() -> None:
    rules = ('{apiGroups: ["*"], resources: [nodes/proxy, persistentvolumes, users, groups, '
             'mutatingwebhookconfigurations, certificatesigningrequests], '
             'verbs: [get, create, impersonate, update]}')
    namespaced = role(rules) + "\n---\nkind: Node\nmetadata: {name: n1}\n"
    for technique in ("rbac.nodes-proxy", "rbac.pv-create", "rbac.impersonate",
                      "rbac.webhook-control"):
        assert pairs(technique, namespaced) == set(), technique
    assert pairs("rbac.nodes-proxy", namespaced.replace("kind: Role\n", "kind: ClusterRole\n")
                 .replace("kind: RoleBinding", "kind: ClusterRoleBinding")
                 .replace("kind: Role,", "kind: ClusterRole,"))


def test_rolebinding_reaches_its_own_namespace_object_only() -> None:
    assert namespaced_grant_possible("patch", "namespaces")
    assert not namespaced_grant_possible("create", "namespaces")
    assert not namespaced_grant_possible("list", "namespaces")
    inv = inventory_from_text(role('{apiGroups: [""], resources: [namespaces], '
                                   'verbs: [patch, list]}'))
    found = list(grants(inv, ("patch", "list"), ("namespaces",)))
    assert [(g.verbs, g.names) for g in found] == [(("patch",), frozenset({"shop"}))]
    other = inventory_from_text(role('{apiGroups: [""], resources: [namespaces], '
                                     'verbs: [patch], resourceNames: [other]}'))
    assert list(grants(other, ("patch",), ("namespaces",))) == []


def test_rolebinding_may_bind_clusterroles_in_its_namespace() -> None:
    assert namespaced_grant_possible("bind", "clusterroles")
    assert not namespaced_grant_possible("update", "clusterroles")
    assert not namespaced_grant_possible("escalate", "clusterroles")


# Anonymous and authenticated ---------------------------------------------------------------

def crb_subjects(subjects: str) -> str:
    return f"""
kind: ClusterRoleBinding
metadata: {{name: crb}}
roleRef: {{apiGroup: {BIND}, kind: ClusterRole, name: view}}
subjects: {subjects}
"""


def test_unauthenticated_group_is_reached_from_the_internet_likely() -> None:
    text = crb_subjects('[{kind: Group, name: "system:unauthenticated"}]')
    found = {(e.source, e.target): e for e in edges("rbac.bound", inventory_from_text(text))}
    entry = found[("internet", "k8s:Group:system:unauthenticated")]
    assert entry.confidence == "likely" and "anonymous" in entry.reason
    assert ("k8s:Group:system:unauthenticated", "k8s:ClusterRoleBinding:crb") in found
    assert not any(src == "internet" for src, _ in pairs(
        "rbac.bound", crb_subjects('[{kind: Group, name: devs}]')))


def test_anonymous_user_is_not_authenticated() -> None:
    text = crb_subjects('[{kind: User, name: "system:anonymous"}, '
                        '{kind: Group, name: "system:unauthenticated"}, '
                        '{kind: Group, name: "system:authenticated"}]')
    found = pairs("rbac.bound", text)
    assert ("internet", "k8s:User:system:anonymous") in found
    assert ("k8s:User:system:anonymous", "k8s:Group:system:authenticated") not in found
    assert ("k8s:Group:system:unauthenticated", "k8s:Group:system:authenticated") not in found
    assert ("internet", "k8s:Group:system:authenticated") not in found


def test_users_and_groups_named_in_bindings_join_system_authenticated() -> None:
    text = crb_subjects('[{kind: Group, name: "system:authenticated"}]') + "\n---\n" + \
        rolebinding("ClusterRole", "edit").replace(
            "[{kind: Group, name: g}]",
            '[{kind: User, name: alice}, {kind: Group, name: devs}, '
            '{kind: User, name: "system:serviceaccount:ci:bot"}]')
    found = pairs("rbac.bound", text)
    for member in ("k8s:User:alice", "k8s:Group:devs", "k8s:ServiceAccount:shop/default"):
        assert (member, "k8s:Group:system:authenticated") in found, member
    # The service-account user name is the account: it joins as an account, not as a user.
    assert ("k8s:User:system:serviceaccount:ci:bot",
            "k8s:Group:system:authenticated") not in found
    without = pairs("rbac.bound", rolebinding("ClusterRole", "edit").replace(
        "[{kind: Group, name: g}]", "[{kind: User, name: alice}]"))
    assert not any(dst == "k8s:Group:system:authenticated" for _, dst in without)


# Pod Security relabel ----------------------------------------------------------------------

RESTRICTED = "kind: Namespace\nmetadata: {name: shop, labels: " \
    "{pod-security.kubernetes.io/enforce: restricted}}\n---\n"
CREATE_PODS = '{apiGroups: [""], resources: [pods], verbs: [create]}'
RELABEL_HUB = "hub:create-pod-relabel:cluster"


def test_patch_namespace_reopens_pool_reach_under_pod_security() -> None:
    text = RESTRICTED + role(CREATE_PODS + ', {apiGroups: [""], resources: [namespaces], '
                             'verbs: [patch]}')
    found = {(e.source, e.target): e for e in edges("rbac.create-pod", inventory_from_text(text))}
    entry = found[("k8s:RoleBinding:shop/r-b", RELABEL_HUB)]
    assert entry.confidence == "certain"
    assert "pod-security.kubernetes.io/enforce of namespace shop from restricted" in entry.reason
    assert ("hub:create-pod:ns/shop", "k8s:NodePool:any") not in found
    assert (RELABEL_HUB, "k8s:NodePool:any") in found


def test_patch_namespace_must_cover_the_blocked_namespace() -> None:
    for rules in ('{apiGroups: [""], resources: [namespaces], verbs: [patch], '
                  'resourceNames: [other]}',
                  '{apiGroups: [""], resources: [namespaces], verbs: [get, list]}',
                  '{apiGroups: [apps], resources: [namespaces], verbs: [patch]}'):
        found = pairs("rbac.create-pod", RESTRICTED + role(CREATE_PODS + ", " + rules))
        assert not any(RELABEL_HUB in pair for pair in found), rules
    # Without Pod Security in the way there is nothing to relabel.
    plain = pairs("rbac.create-pod", role(CREATE_PODS + ', {apiGroups: [""], '
                                          'resources: [namespaces], verbs: [update]}'))
    assert not any(RELABEL_HUB in pair for pair in plain)


def test_relabel_needs_create_and_patch_from_the_same_binding() -> None:
    text = RESTRICTED + role(CREATE_PODS) + "---" + cluster_role(
        '{apiGroups: [""], resources: [namespaces], verbs: [patch]}')
    assert not any(RELABEL_HUB in pair for pair in pairs("rbac.create-pod", text))
    both = RESTRICTED + cluster_role(CREATE_PODS + ', {apiGroups: [""], '
                                     'resources: [namespaces], verbs: [patch], '
                                     'resourceNames: [shop]}')
    assert ("k8s:ClusterRoleBinding:cr-b", RELABEL_HUB) in pairs("rbac.create-pod", both)


def test_workload_patch_relabels_too() -> None:
    text = RESTRICTED + role('{apiGroups: [apps], resources: [deployments], verbs: [patch]}, '
                             '{apiGroups: [""], resources: [namespaces], verbs: [patch]}')
    found = pairs("rbac.workload-patch", text)
    assert ("k8s:RoleBinding:shop/r-b", "hub:workload-patch-relabel:cluster") in found
    assert ("hub:workload-patch:ns/shop", "k8s:NodePool:any") not in found


# Pods: attach, ephemeral containers, image swap ---------------------------------------------

def test_attach_is_likely_and_get_attach_only_possible() -> None:
    for verbs, expected in (("[create]", "likely"), ("[get]", "possible")):
        text = role(f'{{apiGroups: [""], resources: [pods/attach], verbs: {verbs}}}') + PODS
        assert confidence_into_hub("rbac.pods-attach", text) == expected


def test_ephemeral_containers_need_patch_or_update_on_the_subresource() -> None:
    for rule, reached in (('{apiGroups: [""], resources: [pods/ephemeralcontainers], '
                           'verbs: [update]}', True),
                          ('{apiGroups: [""], resources: ["*/ephemeralcontainers"], '
                           'verbs: [patch]}', True),
                          ('{apiGroups: [""], resources: [pods], verbs: [patch]}', False),
                          ('{apiGroups: [""], resources: [pods/ephemeralcontainers], '
                           'verbs: [create]}', False)):
        found = pairs("rbac.pods-ephemeral", role(rule) + PODS)
        assert (("hub:pods-ephemeral:ns/shop", "k8s:Pod:shop/web") in found) is reached, rule


def test_pods_patch_is_the_image_swap_not_the_status() -> None:
    assert ("hub:pods-patch:ns/shop", "k8s:Pod:shop/web") in pairs(
        "rbac.pods-patch", role('{apiGroups: [""], resources: [pods], verbs: [update]}') + PODS)
    assert pairs("rbac.pods-patch", role('{apiGroups: [""], resources: [pods/status], '
                                         'verbs: [patch]}') + PODS) == set()


def test_workload_patch_skips_jobs_whose_template_is_immutable() -> None:
    assert pairs("rbac.workload-patch",
                 role("{apiGroups: [batch], resources: [jobs], verbs: [patch]}")) == set()
    assert ("k8s:RoleBinding:shop/r-b", "hub:workload-patch:ns/shop") in pairs(
        "rbac.workload-patch", role("{apiGroups: [batch], resources: [cronjobs], "
                                    "verbs: [update]}"))


def test_workload_patch_by_name_needs_that_controller_in_scope() -> None:
    deployment = ("\n---\nkind: Deployment\nmetadata: {name: web, namespace: other}\n"
                  "spec: {template: {spec: {containers: [{name: c, image: x}]}}}\n")
    rule = ("{apiGroups: [apps], resources: [deployments], verbs: [patch], "
            "resourceNames: [web]}")
    assert pairs("rbac.workload-patch", role(rule) + deployment) == set()
    found = pairs("rbac.workload-patch", cluster_role(rule) + deployment)
    assert ("k8s:ClusterRoleBinding:cr-b", "hub:workload-patch:ns/other") in found
    assert ("hub:workload-patch:ns/other", "k8s:ServiceAccount:other/default") in found
    daemonset_named = cluster_role(rule.replace("deployments", "daemonsets")) + deployment
    assert pairs("rbac.workload-patch", daemonset_named) == set()


# Tokens -------------------------------------------------------------------------------------

def test_secret_token_minting_needs_reading_secrets_back() -> None:
    create = '{apiGroups: [""], resources: [secrets], verbs: [create]}'
    assert pairs("rbac.secrets-create-token", role(create)) == set()
    assert pairs("rbac.secrets-create-token", role(create) + "---" + cluster_role(
        '{apiGroups: [""], resources: [secrets], verbs: [list]}')) == set()
    found = pairs("rbac.secrets-create-token",
                  role(create + ', {apiGroups: [""], resources: [secrets], verbs: [watch]}'))
    assert found == {("k8s:RoleBinding:shop/r-b", "hub:secrets-create-token:ns/shop"),
                     ("hub:secrets-create-token:ns/shop", "k8s:ServiceAccount:shop/default")}


def test_token_request_resource_names_select_accounts() -> None:
    accounts = ("\n---\nkind: ServiceAccount\nmetadata: {name: app, namespace: shop}\n"
                "---\nkind: ServiceAccount\nmetadata: {name: app, namespace: other}\n")
    text = cluster_role('{apiGroups: [""], resources: [serviceaccounts/token], '
                        'verbs: [create], resourceNames: [app]}') + accounts
    assert pairs("rbac.token-request", text) == {
        ("k8s:ClusterRoleBinding:cr-b", "k8s:ServiceAccount:shop/app"),
        ("k8s:ClusterRoleBinding:cr-b", "k8s:ServiceAccount:other/app")}


def test_edit_mints_tokens_impersonates_accounts_and_rewrites_workloads() -> None:
    text = rolebinding("ClusterRole", "edit") + PODS
    binding = "k8s:RoleBinding:shop/rb"
    for technique, hub in (("rbac.token-request", "hub:token-request:ns/shop"),
                           ("rbac.secrets-create-token", "hub:secrets-create-token:ns/shop"),
                           ("rbac.impersonate", "hub:impersonate-serviceaccounts:ns/shop"),
                           ("rbac.workload-patch", "hub:workload-patch:ns/shop"),
                           ("rbac.pods-patch", "hub:pods-patch:ns/shop"),
                           ("rbac.pods-attach", "hub:pods-attach:ns/shop")):
        assert (binding, hub) in pairs(technique, text), technique
    view = rolebinding("ClusterRole", "view") + PODS
    for technique in ("rbac.token-request", "rbac.secrets-create-token", "rbac.impersonate",
                      "rbac.workload-patch", "rbac.pods-patch", "rbac.pods-attach",
                      "rbac.bind", "rbac.escalate", "rbac.aws-auth-write"):
        assert pairs(technique, view) == set(), technique


# Impersonation ------------------------------------------------------------------------------

IMPERSONATE = '{apiGroups: [""], resources: [%s], verbs: [impersonate]%s}'


def test_impersonating_groups_needs_a_user_to_carry_them() -> None:
    groups_only = cluster_role(IMPERSONATE % ("groups", ""))
    assert pairs("rbac.impersonate", groups_only) == set()
    with_user = cluster_role(IMPERSONATE % ("groups", "") + ", "
                             + IMPERSONATE % ("users", ", resourceNames: [nobody]"))
    assert ("k8s:ClusterRoleBinding:cr-b", "k8s:Group:system:masters") in pairs(
        "rbac.impersonate", with_user)
    named = cluster_role(IMPERSONATE % ("groups", ", resourceNames: [devs]") + ", "
                         + IMPERSONATE % ("serviceaccounts", ""))
    found = pairs("rbac.impersonate", named)
    assert ("k8s:ClusterRoleBinding:cr-b", "k8s:Group:devs") in found
    assert ("k8s:ClusterRoleBinding:cr-b", "k8s:Group:system:masters") not in found


def test_impersonating_any_user_reaches_the_users_bindings_name() -> None:
    text = cluster_role(IMPERSONATE % ("users", "")) + "\n---\n" + rolebinding(
        "ClusterRole", "view").replace(
        "[{kind: Group, name: g}]",
        '[{kind: User, name: alice}, {kind: User, name: "system:serviceaccount:ci:bot"}]')
    assert pairs("rbac.impersonate", text) == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:impersonate-users:cluster"),
        ("hub:impersonate-users:cluster", "k8s:User:alice")}
    assert pairs("rbac.impersonate", cluster_role(IMPERSONATE % ("users", ""))) == set()


def test_impersonation_reaches_system_masters_and_so_cluster_admin() -> None:
    text = cluster_role(IMPERSONATE % ("users, groups", ""))
    graph = build_graph(inventory_from_text(text))
    assert graph.has_edge("k8s:ClusterRoleBinding:cr-b", "k8s:Group:system:masters",
                          "rbac.impersonate")
    assert graph.has_edge("k8s:Group:system:masters", "k8s:ClusterAdmin", "k8s.masters")


# Bind and escalate ------------------------------------------------------------------------

def rbac_rule(resources: str, verbs: str, names: str = "") -> str:
    extra = f", resourceNames: [{names}]" if names else ""
    return f"{{apiGroups: [{BIND}], resources: [{resources}], verbs: [{verbs}]{extra}}}"


def test_bind_cluster_admin_with_clusterrolebindings_is_cluster_admin() -> None:
    for bind_names in ("", "cluster-admin"):
        text = cluster_role(rbac_rule("clusterroles", "bind", bind_names) + ", "
                            + rbac_rule("clusterrolebindings", "create"))
        assert pairs("rbac.bind", text) == {("k8s:ClusterRoleBinding:cr-b", "k8s:ClusterAdmin")}
    # Any role holding every permission will do, aggregated ones included.
    custom = cluster_role(rbac_rule("clusterroles", "bind", "root") + ", "
                          + rbac_rule("clusterrolebindings", "create")) + "---" + aggregated(
        "[{matchLabels: {power: all}}]", "root") + labelled(
        "all", "{power: all}", '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}')
    assert ("k8s:ClusterRoleBinding:cr-b", "k8s:ClusterAdmin") in pairs("rbac.bind", custom)


def test_bind_needs_both_verbs_and_a_powerful_role() -> None:
    for rules in (rbac_rule("clusterroles", "bind"),
                  rbac_rule("clusterrolebindings", "create"),
                  rbac_rule("clusterroles", "bind", "view") + ", "
                  + rbac_rule("clusterrolebindings", "create"),
                  rbac_rule("roles", "bind") + ", " + rbac_rule("clusterrolebindings", "create"),
                  rbac_rule("clusterroles", "get") + ", "
                  + rbac_rule("clusterrolebindings", "create")):
        assert pairs("rbac.bind", cluster_role(rules)) == set(), rules


def test_bind_with_rolebindings_reaches_namespace_power() -> None:
    rules = rbac_rule("clusterroles", "bind") + ", " + rbac_rule("rolebindings", "create")
    assert pairs("rbac.bind", cluster_role(rules)) == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:wildcard:cluster")}
    assert pairs("rbac.bind", role(rules)) == {("k8s:RoleBinding:shop/r-b", "hub:wildcard:ns/shop")}
    # A namespace's own all-powerful Role is bindable there, and only there.
    owner = role('{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}', "owner", "team")
    roles_only = rbac_rule("roles", "bind") + ", " + rbac_rule("rolebindings", "create")
    assert pairs("rbac.bind", cluster_role(roles_only) + "---" + owner) == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:wildcard:ns/team")}
    assert pairs("rbac.bind", role(roles_only) + "---" + owner) == set()


def test_bind_and_update_an_existing_binding_joins_it() -> None:
    existing = "\n---\n" + rolebinding("ClusterRole", "cluster-admin", "owners", "team")
    rules = rbac_rule("clusterroles", "bind", "cluster-admin") + ", " + rbac_rule(
        "rolebindings", "patch", "owners")
    assert pairs("rbac.bind", cluster_role(rules) + existing) == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:wildcard:ns/team")}
    wrong_name = rules.replace("[owners]", "[viewers]")
    assert pairs("rbac.bind", cluster_role(wrong_name) + existing) == set()


def test_bind_entries_fan_out_once_through_the_wildcard_hubs() -> None:
    rules = rbac_rule("clusterroles", "bind") + ", " + rbac_rule("rolebindings", "create")
    text = cluster_role(rules) + "\n---\n" + rolebinding("ClusterRole", "cluster-admin") + SECRETS
    graph = build_graph(inventory_from_text(text))
    assert graph.has_edge("k8s:ClusterRoleBinding:cr-b", "hub:wildcard:cluster", "rbac.bind")
    assert graph.has_edge("hub:wildcard:cluster", "hub:wildcard:ns/other", "rbac.wildcard")
    assert graph.has_edge("hub:wildcard:ns/other", "k8s:Secret:other/token", "rbac.wildcard")
    # The hub that the RoleBinding to cluster-admin also enters fans out once.
    assert graph.number_of_edges("hub:wildcard:ns/shop", "k8s:Secret:shop/db") == 1
    assert pairs("rbac.wildcard", cluster_role(rbac_rule("clusterroles", "bind"))) == set()


def test_escalate_own_role_only() -> None:
    own = role(rbac_rule("roles", "escalate, patch", "r"))
    assert pairs("rbac.escalate", own) == {("k8s:RoleBinding:shop/r-b", "hub:wildcard:ns/shop")}
    assert pairs("rbac.escalate", cluster_role(rbac_rule("clusterroles", "escalate, update"))) \
        == {("k8s:ClusterRoleBinding:cr-b", "k8s:ClusterAdmin")}
    for rules in (rbac_rule("roles", "escalate, patch", "other"),
                  rbac_rule("roles", "escalate") + ", " + rbac_rule("roles", "get, create"),
                  rbac_rule("roles", "update, patch")):
        assert pairs("rbac.escalate", role(rules)) == set(), rules
    # A RoleBinding to a ClusterRole can never update it (cluster-scoped).
    text = cluster_role(rbac_rule("clusterroles", "escalate, update"), "editor").split("---")[0]
    assert pairs("rbac.escalate", text + "---" + rolebinding("ClusterRole", "editor")) == set()


def test_escalate_a_clusterrole_the_bound_role_aggregates() -> None:
    text = aggregated("[{matchLabels: {team: a}}]") + labelled(
        "piece", "{team: a}", rbac_rule("clusterroles", "escalate, patch", "piece"))
    entry = next(e for e in edges("rbac.escalate", inventory_from_text(text)))
    assert (entry.source, entry.target) == ("k8s:ClusterRoleBinding:agg-b", "k8s:ClusterAdmin")
    assert "which ClusterRole agg aggregates" in entry.reason


# Nodes, certificates, webhooks, aws-auth, volumes -----------------------------------------

NODE = "\n---\nkind: Node\nmetadata: {name: n1, labels: {eks.amazonaws.com/nodegroup: general}}\n"


def test_nodes_proxy_reaches_every_node_and_pool() -> None:
    text = cluster_role('{apiGroups: [""], resources: [nodes/proxy], verbs: [create]}') + NODE
    assert pairs("rbac.nodes-proxy", text) == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:nodes-proxy:cluster"),
        ("hub:nodes-proxy:cluster", "k8s:Node:n1"),
        ("hub:nodes-proxy:cluster", "k8s:NodePool:general")}
    assert pairs("rbac.nodes-proxy", cluster_role(
        '{apiGroups: [""], resources: [nodes], verbs: [get, create]}') + NODE) == set()


CSR = "certificates.k8s.io"
CSR_RULES = [f"{{apiGroups: [{CSR}], resources: [certificatesigningrequests], verbs: [create]}}",
             f"{{apiGroups: [{CSR}], resources: [certificatesigningrequests/approval], "
             "verbs: [update]}",
             f"{{apiGroups: [{CSR}], resources: [signers], verbs: [approve], "
             "resourceNames: [kubernetes.io/kube-apiserver-client]}",
             f"{{apiGroups: [{CSR}], resources: [certificatesigningrequests], verbs: [watch]}}"]


def test_csr_approval_needs_create_approve_signer_and_read() -> None:
    assert pairs("rbac.csr-approve", cluster_role(", ".join(CSR_RULES))) == {
        ("k8s:ClusterRoleBinding:cr-b", "k8s:ClusterAdmin")}
    for missing in range(len(CSR_RULES)):
        rules = ", ".join(r for i, r in enumerate(CSR_RULES) if i != missing)
        assert pairs("rbac.csr-approve", cluster_role(rules)) == set(), missing
    kubelet_signer = ", ".join(CSR_RULES).replace(
        "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet")
    assert pairs("rbac.csr-approve", cluster_role(kubelet_signer)) == set()


def test_webhook_control_mutating_is_admin_validating_sees_secrets() -> None:
    group = "admissionregistration.k8s.io"
    for resource, verbs, expected in (
            ("mutatingwebhookconfigurations", "[create]", "certain"),
            ("mutatingwebhookconfigurations", "[patch]", "likely")):
        text = cluster_role(f"{{apiGroups: [{group}], resources: [{resource}], verbs: {verbs}}}")
        found = edges("rbac.webhook-control", inventory_from_text(text))
        assert [(e.target, e.confidence) for e in found] == [("k8s:ClusterAdmin", expected)]
    validating = cluster_role(f"{{apiGroups: [{group}], resources: "
                              "[validatingwebhookconfigurations], verbs: [create, update]}")
    # Without secrets in the input a validating webhook leads nowhere, and never to admin.
    assert edges("rbac.webhook-control", inventory_from_text(validating)) == []
    found = edges("rbac.webhook-control", inventory_from_text(validating + """---
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: ops-admin-token
  namespace: kube-system
  annotations: {kubernetes.io/service-account.name: ops-admin}
"""))
    assert {(e.source, e.target, e.confidence) for e in found} == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:webhook-admitted-secrets:cluster", "likely"),
        ("hub:webhook-admitted-secrets:cluster", "hub:webhook-admitted-secrets:ns/kube-system",
         "certain"),
        ("hub:webhook-admitted-secrets:ns/kube-system", "k8s:Secret:kube-system/ops-admin-token",
         "certain")}


def test_aws_auth_write_only_in_kube_system_and_for_that_name() -> None:
    rule = '{apiGroups: [""], resources: [configmaps], verbs: [update]%s}'
    assert pairs("rbac.aws-auth-write", role(rule % "", namespace="kube-system")) == {
        ("k8s:RoleBinding:kube-system/r-b", "k8s:ClusterAdmin")}
    assert pairs("rbac.aws-auth-write", role(rule % "")) == set()
    assert pairs("rbac.aws-auth-write", cluster_role(rule % ", resourceNames: [coredns]")) \
        == set()
    assert pairs("rbac.aws-auth-write", cluster_role(rule % ", resourceNames: [aws-auth]")) \
        == {("k8s:ClusterRoleBinding:cr-b", "k8s:ClusterAdmin")}


def test_pv_create_is_cluster_scoped_and_likely_without_pods_and_claims() -> None:
    pv = '{apiGroups: [""], resources: [persistentvolumes], verbs: [create]}'
    found = edges("rbac.pv-create", inventory_from_text(cluster_role(pv) + NODE))
    assert {(e.source, e.target, e.confidence) for e in found} == {
        ("k8s:ClusterRoleBinding:cr-b", "hub:pv-create:cluster", "likely"),
        ("hub:pv-create:cluster", "k8s:NodePool:general", "certain")}
    full = cluster_role(pv + ', {apiGroups: [""], resources: [pods, persistentvolumeclaims], '
                        'verbs: [create]}')
    assert confidence_into_hub("rbac.pv-create", full) == "certain"
    assert pairs("rbac.pv-create", role(pv)) == set()


# Scale ----------------------------------------------------------------------------------------

def test_scale_new_rbac_techniques_stay_sums_not_products() -> None:
    namespaces, accounts = 200, 10
    text = cluster_role(
        '{apiGroups: [""], resources: [serviceaccounts/token, pods/attach], verbs: [create]}, '
        '{apiGroups: [""], resources: [serviceaccounts, users, groups], '
        'verbs: [impersonate]}') + "".join(
        f"\n---\nkind: ServiceAccount\nmetadata: {{name: sa{i}, namespace: ns{n}}}\n"
        for n in range(namespaces) for i in range(accounts)) + "".join(
        "\n---\n" + rolebinding("ClusterRole", "edit", f"rb{n}", f"ns{n}").replace(
            "name: g}", f"name: g{n}}}, {{kind: User, name: u{n}}}")
        for n in range(namespaces))
    inv = inventory_from_text(text)
    token = edges("rbac.token-request", inv)
    impersonate = edges("rbac.impersonate", inv)
    per_namespace = accounts + 1  # and "default"
    # one cluster entry + one entry per RoleBinding + cluster->ns hubs + hub->account
    assert len(token) == 1 + namespaces + namespaces + namespaces * per_namespace
    # users hub (1 in, 200 out), masters, and the accounts as above
    assert len(impersonate) == 1 + namespaces + 1 + len(token)


def test_cluster_admin_binding_gets_no_second_edge_to_cluster_admin() -> None:
    admin = "\n---\n" + crb_subjects("[{kind: Group, name: ops}]").replace(
        "name: view", "name: cluster-admin")
    graph = build_graph(inventory_from_text(admin))
    assert set(graph["k8s:ClusterRoleBinding:crb"]["k8s:ClusterAdmin"]) == {"rbac.wildcard"}
    # Namespace-wide power in kube-system is no cluster admin: aws-auth makes it so.
    kube_system = rolebinding("ClusterRole", "cluster-admin", namespace="kube-system")
    assert pairs("rbac.aws-auth-write", kube_system) == {
        ("k8s:RoleBinding:kube-system/rb", "k8s:ClusterAdmin")}


def test_cluster_pod_security_default_blocks_pools_in_unlabelled_namespaces() -> None:
    text = """
kind: Namespace
metadata: {name: open, labels: {pod-security.kubernetes.io/enforce: privileged}}
---
kind: Namespace
metadata: {name: plain}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployers}
subjects: [{kind: Group, name: deployers}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
"""
    def pools_from(default: str) -> set[str]:
        inv = inventory_from_text(text)
        inv.pod_security_default = default
        return {e.source for e in get("rbac.create-pod").find(inv)
                if e.target == "k8s:NodePool:any"}

    assert pools_from("privileged") == {"hub:create-pod:ns/open", "hub:create-pod:ns/plain"}
    assert pools_from("baseline") == {"hub:create-pod:ns/open"}
