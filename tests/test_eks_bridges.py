"""EKS identity bridges beyond the techniques' own examples: access policy scopes and hubs,
aws-auth matching rules, and the IAM rights that take over the cluster or its pods."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from ingest import inventory_from_text
from riskgraph.builder import build_graph
from riskgraph.confidence import Confidence
from riskgraph.techniques import Edge, Technique
from riskgraph.techniques._shared.rbac_hubs import HUB_COST
from riskgraph.techniques.aws import eks_access_entry as access_entry
from riskgraph.techniques.aws import eks_api_control as api_control
from riskgraph.techniques.aws import eks_aws_auth as aws_auth
from riskgraph.techniques.aws import eks_pod_identity_create as pod_identity_create
from riskgraph.techniques.aws._eks import POLICY_POWERS
from riskgraph.techniques.k8s import masters as k8s_masters
from riskgraph.techniques.rbac import bound as rbac_bound

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role"
CLUSTER_ARN = f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/prod"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"


def edges_of(technique: Technique, text: str) -> dict[tuple[str, str], Edge]:
    inv = inventory_from_text(text, "test")
    assert not inv.problems, [str(p) for p in inv.problems]
    return {(e.source, e.target): e for e in technique.find(inv)}


def confidences(edges: dict[tuple[str, str], Edge]) -> dict[tuple[str, str], Confidence]:
    return {pair: edge.confidence for pair, edge in edges.items()}


def cluster(mode: str = "API_AND_CONFIG_MAP") -> str:
    return f"""
---
cluster: {{name: prod, arn: "{CLUSTER_ARN}", accessConfig: {{authenticationMode: {mode}}}}}
"""


def entry(principal: str, entry_type: str = "STANDARD", extra: str = "") -> str:
    return f"""
---
accessEntry: {{clusterName: prod, principalArn: "{principal}", type: {entry_type}{extra}}}
"""


def policy(principal: str, name: str, namespaces: str | None = None) -> str:
    scope = "{type: cluster}" if namespaces is None else \
        f"{{type: namespace, namespaces: {namespaces}}}"
    return f"""
---
clusterName: prod
principalArn: "{principal}"
associatedAccessPolicies: [{{policyArn: "{POLICY}{name}", accessScope: {scope}}}]
"""


# aws.eks-access-entry -------------------------------------------------------------------

WORKLOADS = """
---
kind: Pod
metadata: {name: api, namespace: shop}
spec: {containers: [{name: app, image: app}]}
---
kind: Secret
metadata: {name: db, namespace: shop}
"""
DEV = f"{ROLE}/dev"
POWERS = ("secrets-read", "create-pod", "pods-exec")


def fan_out(namespace: str) -> set[tuple[str, str]]:
    """What the hubs of one namespace lead to for whoever holds the edit policy there."""
    return {(f"hub:secrets-read:ns/{namespace}", f"k8s:Secret:{namespace}/db"),
            (f"hub:create-pod:ns/{namespace}", f"k8s:ServiceAccount:{namespace}/default"),
            (f"hub:create-pod:ns/{namespace}", "k8s:NodePool:any"),
            (f"hub:pods-exec:ns/{namespace}", f"k8s:Pod:{namespace}/api")}


def test_cluster_wide_edit_enters_the_rbac_cluster_hubs_and_writes_aws_auth() -> None:
    edges = edges_of(access_entry.TECHNIQUE, cluster() + entry(DEV, extra=", username: dev")
                     + policy(DEV, "AmazonEKSEditPolicy") + WORKLOADS)
    assert set(edges) == {
        (DEV, "k8s:User:dev"), (DEV, "k8s:ClusterAdmin"),
        *((DEV, f"hub:{power}:cluster") for power in POWERS),
        *((f"hub:{power}:cluster", f"hub:{power}:ns/shop") for power in POWERS),
        *fan_out("shop")}
    # The aws-auth ConfigMap is not in the input: it may be written, but EKS may not read it.
    assert edges[(DEV, "k8s:ClusterAdmin")].confidence == "likely"
    assert "AmazonEKSEditPolicy on the whole cluster" in edges[(DEV, "k8s:ClusterAdmin")].reason
    assert edges[(DEV, "hub:pods-exec:cluster")].cost is None  # the technique's cost
    assert edges[("hub:pods-exec:ns/shop", "k8s:Pod:shop/api")].cost == HUB_COST


def test_api_mode_cluster_makes_aws_auth_writes_worthless() -> None:
    edges = edges_of(access_entry.TECHNIQUE, cluster("API") + entry(DEV)
                     + policy(DEV, "AmazonEKSAdminPolicy", "[kube-system]"))
    assert (DEV, "hub:create-pod:ns/kube-system") in edges
    assert not any(target == "k8s:ClusterAdmin" for _, target in edges)


def test_namespace_wildcards_and_cluster_admin_policy_in_a_namespace() -> None:
    ops = f"{ROLE}/ops"
    namespaces = "".join(f"\n---\nkind: Namespace\nmetadata: {{name: {n}}}\n"
                         for n in ("dev-a", "dev-b", "prod"))
    edges = edges_of(access_entry.TECHNIQUE, cluster() + entry(ops) + namespaces
                     + policy(ops, "AmazonEKSClusterAdminPolicy", '["dev-*"]'))
    entered = {target for source, target in edges if source == ops}
    assert {"hub:create-pod:ns/dev-a", "hub:create-pod:ns/dev-b"} <= entered
    assert not entered & {"hub:create-pod:ns/prod", "hub:create-pod:cluster",
                          "k8s:ClusterAdmin"}


def test_view_policy_reaches_nothing_and_secret_reader_only_secrets() -> None:
    viewer, reader = f"{ROLE}/viewer", f"{ROLE}/reader"
    edges = edges_of(access_entry.TECHNIQUE, cluster() + WORKLOADS
                     + entry(viewer, extra=", username: viewer")
                     + policy(viewer, "AmazonEKSViewPolicy")
                     + entry(reader, extra=", username: reader")
                     + policy(reader, "AmazonEKSSecretReaderPolicy", "[shop]"))
    assert {pair for pair in edges if pair[0] == viewer} == {(viewer, "k8s:User:viewer")}
    hub = "hub:secrets-read:ns/shop"
    assert {pair for pair in edges if pair[0] == reader} == {(reader, "k8s:User:reader"),
                                                             (reader, hub)}
    assert {target for source, target in edges if source == hub} == {"k8s:Secret:shop/db"}


def two_namespaces(bindings: str) -> str:
    return (cluster("API") + entry(DEV, extra=", username: dev")
            + policy(DEV, "AmazonEKSEditPolicy") + WORKLOADS
            + WORKLOADS.replace("shop", "other") + bindings)


def role_binding(namespace: str, rule: str) -> str:
    return f"""
---
kind: Role
metadata: {{name: r, namespace: {namespace}}}
rules: [{rule}]
---
kind: RoleBinding
metadata: {{name: r, namespace: {namespace}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}}
subjects: [{{kind: Group, name: g}}]
"""


def test_hubs_a_binding_enters_fan_out_through_rbac_only() -> None:
    # Weakest grants that still enter each hub: get alone on secrets and on pods/exec.
    rules = ('{apiGroups: [""], resources: [secrets], verbs: [get]}, '
             '{apiGroups: [""], resources: [pods/exec], verbs: [get]}, '
             '{apiGroups: [batch], resources: [cronjobs], verbs: [create]}')
    edges = edges_of(access_entry.TECHNIQUE, two_namespaces(role_binding("shop", rules)))
    assert set(edges) == {
        (DEV, "k8s:User:dev"), *((DEV, f"hub:{power}:cluster") for power in POWERS),
        *((f"hub:{power}:cluster", f"hub:{power}:ns/{namespace}")
          for power in POWERS for namespace in ("shop", "other")),
        *fan_out("other")}


def test_a_cluster_role_binding_leaves_only_the_entry_edges() -> None:
    edges = edges_of(access_entry.TECHNIQUE, two_namespaces("""
---
kind: ClusterRoleBinding
metadata: {name: devs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: devs}]
"""))
    assert set(edges) == {(DEV, "k8s:User:dev"),
                          *((DEV, f"hub:{power}:cluster") for power in POWERS)}


def test_named_and_unrelated_grants_leave_the_fan_out_to_the_access_entry() -> None:
    rules = ('{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db]}, '
             '{apiGroups: [""], resources: [pods/exec], verbs: [create], '
             'resourceNames: [api]}, {apiGroups: [""], resources: [configmaps], verbs: ["*"]}')
    edges = edges_of(access_entry.TECHNIQUE, two_namespaces(role_binding("shop", rules)))
    assert fan_out("shop") | fan_out("other") <= set(edges)


@pytest.mark.parametrize("bindings", [
    "",
    role_binding("shop", '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}'),
    role_binding("other", '{apiGroups: [apps], resources: [deployments], verbs: [create]}'),
    """
---
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: Group, name: readers}]
---
kind: ClusterRole
metadata: {name: secret-reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
"""])
def test_every_object_is_reached_and_every_hub_step_is_drawn_once(bindings: str) -> None:
    graph = build_graph(inventory_from_text(two_namespaces(bindings), "test"))
    drawn: dict[tuple[str, str], list[str]] = {}
    for source, target, technique in graph.edges(keys=True):
        if source.startswith("hub:"):
            drawn.setdefault((source, target), []).append(technique)
    assert {pair: keys for pair, keys in drawn.items() if len(keys) > 1} == {}
    for namespace in ("shop", "other"):
        for target in (f"k8s:Pod:{namespace}/api", f"k8s:Secret:{namespace}/db",
                       f"k8s:ServiceAccount:{namespace}/default"):
            assert nx.has_path(graph, DEV, target), target


def test_powers_enter_the_hubs_rbac_draws_for_a_cluster_role_binding_to_edit() -> None:
    graph = build_graph(inventory_from_text("""
kind: Pod
metadata: {name: api, namespace: shop}
spec: {containers: [{name: app, image: app}]}
---
kind: Secret
metadata: {name: db, namespace: shop}
---
kind: ClusterRoleBinding
metadata: {name: devs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: devs}]
""", "test"))
    for power in POLICY_POWERS["AmazonEKSEditPolicy"]:
        assert graph.has_edge("k8s:ClusterRoleBinding:devs", f"hub:{power.capability}:cluster",
                              f"rbac.{power.capability}"), power


def test_entries_share_one_fan_out_that_grows_with_objects_not_entries() -> None:
    entries, namespaces, pods = 300, 200, 20
    documents: list[object] = [{"cluster": {"name": "prod", "arn": CLUSTER_ARN}}]
    for index in range(entries):
        principal = f"{ROLE}/dev-{index}"
        documents += [
            {"accessEntry": {"clusterName": "prod", "principalArn": principal,
                             "type": "STANDARD", "username": f"dev-{index}"}},
            {"clusterName": "prod", "principalArn": principal, "associatedAccessPolicies": [
                {"policyArn": f"{POLICY}AmazonEKSEditPolicy",
                 "accessScope": {"type": "cluster"}}]}]
    documents += [{"kind": "Pod", "metadata": {"name": f"p{i}", "namespace": f"ns{n}"},
                   "spec": {"containers": [{"name": "app", "image": "app"}]}}
                  for n in range(namespaces) for i in range(pods)]
    edges = edges_of(access_entry.TECHNIQUE,
                     "".join(f"---\n{json.dumps(d)}\n" for d in documents))
    from_principals = sum(1 for source, _ in edges if source.startswith("arn:"))
    # Per entry: its user, aws-auth and the create-pod and pods-exec cluster hubs (no secret
    # to read). Per namespace: 2 hub steps in, a service account and a node pool out; one
    # step per pod. Never entries x namespaces.
    assert from_principals == entries * 4
    assert len(edges) == entries * 4 + namespaces * 4 + namespaces * pods


def test_user_default_name_fargate_node_and_authenticated_group() -> None:
    alice, fargate = f"arn:aws:iam::{ACCOUNT}:user/alice", f"{ROLE}/fargate-pods"
    everyone = """
---
kind: ClusterRoleBinding
metadata: {name: everyone}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: "system:authenticated"}]
"""
    edges = edges_of(access_entry.TECHNIQUE, cluster() + everyone + entry(alice)
                     + entry(fargate, "FARGATE_LINUX"))
    assert set(edges) == {(alice, f"k8s:User:{alice}"),
                          (alice, "k8s:Group:system:authenticated"),
                          (fargate, "k8s:Group:system:nodes"),
                          (fargate, "k8s:Group:system:authenticated")}


def test_no_cluster_description_means_no_access_entry_edges() -> None:
    dev = f"{ROLE}/dev"
    assert not edges_of(access_entry.TECHNIQUE,
                        entry(dev) + policy(dev, "AmazonEKSClusterAdminPolicy"))


def test_access_entry_group_reaches_cluster_admin_through_rbac() -> None:
    ci = f"{ROLE}/ci"
    text = cluster() + entry(ci, extra=", kubernetesGroups: [platform-admins]") + """
---
kind: ClusterRoleBinding
metadata: {name: platform-admins}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: platform-admins}]
"""
    graph = build_graph(inventory_from_text(text, "test"),
                        [access_entry.TECHNIQUE, rbac_bound.TECHNIQUE])
    assert nx.has_path(graph, ci, "k8s:ClusterRoleBinding:platform-admins")


# aws.eks-aws-auth -----------------------------------------------------------------------

def config_map(map_roles: str = "", map_users: str = "", map_accounts: str = "") -> str:
    data = "".join(f"  {key}: |\n{value}" for key, value in
                   (("mapRoles", map_roles), ("mapUsers", map_users),
                    ("mapAccounts", map_accounts)) if value)
    return f"""
---
kind: ConfigMap
metadata: {{name: aws-auth, namespace: kube-system}}
data:
{data}"""


ROLES = f"""
---
RoleDetailList:
- {{RoleName: CI, Arn: "{ROLE}/teams/CI", Path: /teams/}}
- {{RoleName: web, Arn: "{ROLE}/web"}}
UserDetailList:
- {{UserName: bob, Arn: "arn:aws:iam::{ACCOUNT}:user/bob"}}
"""


def test_role_matches_without_path_and_case_and_later_entries_win() -> None:
    edges = edges_of(aws_auth.TECHNIQUE, cluster("CONFIG_MAP") + ROLES + config_map(
        f"""\
    - {{rolearn: "{ROLE}/ci", username: first, groups: [first]}}
    - {{rolearn: "{ROLE}/ci", username: "ci-{{{{AccountID}}}}", groups: [system:masters]}}
"""))
    assert confidences(edges) == {
        (f"{ROLE}/teams/CI", f"k8s:User:ci-{ACCOUNT}"): "certain",
        (f"{ROLE}/teams/CI", "k8s:Group:system:masters"): "certain"}


def test_role_arn_written_with_a_path_is_only_possible() -> None:
    edges = edges_of(aws_auth.TECHNIQUE, cluster() + ROLES + config_map(
        f"    - {{rolearn: \"{ROLE}/teams/CI\", username: ci, groups: [ops]}}\n"))
    assert confidences(edges) == {(f"{ROLE}/teams/CI", "k8s:User:ci"): "possible",
                                  (f"{ROLE}/teams/CI", "k8s:Group:ops"): "possible"}


def test_principal_missing_from_aws_input_and_no_aws_input_at_all() -> None:
    other = "arn:aws:iam::444455556666:role/deploy"
    edges = edges_of(aws_auth.TECHNIQUE, config_map(
        f"    - {{rolearn: \"{other}\", username: deploy}}\n"))
    assert confidences(edges) == {(other, "k8s:User:deploy"): "likely"}


def test_map_accounts_skips_mapped_principals_and_names_bound_users() -> None:
    bindings = f"""
---
kind: ClusterRoleBinding
metadata: {{name: everyone}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects:
- {{kind: Group, name: "system:authenticated"}}
- {{kind: User, name: "{ROLE}/CI"}}
"""
    edges = edges_of(aws_auth.TECHNIQUE, cluster() + ROLES + bindings + config_map(
        map_roles=f"    - {{rolearn: \"{ROLE}/web\", username: web}}\n",
        map_accounts=f"    - \"{ACCOUNT}\"\n"))
    hub = f"hub:eks-aws-auth:aws/{ACCOUNT}"
    assert set(edges) == {
        (f"{ROLE}/teams/CI", hub), (f"{ROLE}/teams/CI", f"k8s:User:{ROLE}/CI"),
        (f"arn:aws:iam::{ACCOUNT}:user/bob", hub), (hub, "k8s:Group:system:authenticated"),
        (f"{ROLE}/web", "k8s:User:web"), (f"{ROLE}/web", "k8s:Group:system:authenticated")}


def test_map_accounts_without_any_binding_to_reach_is_silent() -> None:
    assert not edges_of(aws_auth.TECHNIQUE, cluster() + ROLES
                        + config_map(map_accounts=f"    - \"{ACCOUNT}\"\n"))


def test_aws_auth_masters_mapping_is_cluster_admin_with_k8s_masters() -> None:
    text = ROLES + config_map(f"    - {{rolearn: \"{ROLE}/web\", groups: [system:masters]}}\n")
    graph = build_graph(inventory_from_text(text, "test"),
                        [aws_auth.TECHNIQUE, k8s_masters.TECHNIQUE])
    assert nx.has_path(graph, f"{ROLE}/web", "k8s:ClusterAdmin")


# aws.eks-api-control ----------------------------------------------------------------------

def roles(*specs: tuple[str, str]) -> str:
    """``RoleDetailList`` of roles with one inline policy each: (name, statements)."""
    body = "".join(f"""
- RoleName: {name}
  Arn: "{ROLE}/{name}"
  RolePolicyList:
  - {{PolicyName: p, PolicyDocument: {{Statement: {statements}}}}}""" for name, statements in specs)
    return f"\n---\nRoleDetailList:{body}\n"


def allow(actions: str, resource: str = "*", condition: str = "") -> str:
    extra = f", Condition: {condition}" if condition else ""
    return f'{{Effect: Allow, Action: {actions}, Resource: "{resource}"{extra}}}'


ENTRY_WRITE = "[eks:CreateAccessEntry, eks:AssociateAccessPolicy]"
ENTRIES = f"arn:aws:eks:eu-west-1:{ACCOUNT}:access-entry/prod/*"


def test_config_map_cluster_with_update_cluster_config_is_taken_over() -> None:
    edges = edges_of(api_control.TECHNIQUE, cluster("CONFIG_MAP") + roles(
        ("switcher", f"[{allow(ENTRY_WRITE)}, {allow('eks:UpdateClusterConfig', CLUSTER_ARN)}]"),
        ("writer", f"[{allow(ENTRY_WRITE)}]")))
    assert set(edges) == {(f"{ROLE}/switcher", "k8s:ClusterAdmin"),
                          (f"aws:Admin:{ACCOUNT}", "k8s:ClusterAdmin")}


MFA = "{Bool: {aws:MultiFactorAuthPresent: true}}"


def test_policy_arn_condition_and_deny_decide_and_unknown_keys_make_it_likely() -> None:
    admin_policy = f"{POLICY}AmazonEKSClusterAdminPolicy"
    deny = f'{{Effect: Deny, Action: eks:AssociateAccessPolicy, Resource: "*", ' \
           f'Condition: {{StringEquals: {{"eks:policyArn": "{admin_policy}"}}}}}}'
    view_only = f'{{StringEquals: {{"eks:policyArn": "{POLICY}AmazonEKSViewPolicy"}}}}'
    edges = edges_of(api_control.TECHNIQUE, cluster() + roles(
        ("denied", f"[{allow(ENTRY_WRITE)}, {deny}]"),
        ("viewer-only", f"[{allow(ENTRY_WRITE, condition=view_only)}]"),
        ("mfa", f"[{allow(ENTRY_WRITE, condition=MFA)}]"),
        ("scoped", f"[{allow('eks:CreateAccessEntry', CLUSTER_ARN)}, "
                   f"{allow('eks:AssociateAccessPolicy', ENTRIES)}]")))
    assert confidences(edges) == {(f"{ROLE}/mfa", "k8s:ClusterAdmin"): "likely",
                                  (f"{ROLE}/scoped", "k8s:ClusterAdmin"): "certain",
                                  (f"aws:Admin:{ACCOUNT}", "k8s:ClusterAdmin"): "certain"}


def test_a_principal_with_an_entry_needs_only_to_associate_a_policy() -> None:
    text = cluster() + entry(f"{ROLE}/viewer") + roles(
        ("viewer", f"[{allow('eks:AssociateAccessPolicy', ENTRIES)}]"),
        ("stranger", f"[{allow('eks:AssociateAccessPolicy', ENTRIES)}]"))
    edges = edges_of(api_control.TECHNIQUE, text)
    assert set(edges) == {(f"{ROLE}/viewer", "k8s:ClusterAdmin"),
                          (f"aws:Admin:{ACCOUNT}", "k8s:ClusterAdmin")}
    assert "has an access entry" in edges[(f"{ROLE}/viewer", "k8s:ClusterAdmin")].reason


def test_principals_of_other_accounts_are_no_sources() -> None:
    text = cluster() + roles(("platform", f"[{allow(ENTRY_WRITE)}]")).replace(
        f"{ROLE}/platform", "arn:aws:iam::444455556666:role/platform")
    assert set(edges_of(api_control.TECHNIQUE, text)) == {
        (f"aws:Admin:{ACCOUNT}", "k8s:ClusterAdmin")}


# aws.eks-pod-identity-create --------------------------------------------------------------

CREATE = allow("eks:CreatePodIdentityAssociation", CLUSTER_ARN)


def trusting(name: str, actions: str = "[sts:AssumeRole, sts:TagSession]",
             account: str = ACCOUNT) -> str:
    return f"""
- RoleName: {name}
  Arn: "arn:aws:iam::{account}:role/{name}"
  AssumeRolePolicyDocument:
    Statement: [{{Effect: Allow, Principal: {{Service: pods.eks.amazonaws.com}},
                 Action: {actions}}}]"""


def test_pod_identity_candidates_need_both_trust_actions_and_the_cluster_account() -> None:
    text = cluster() + roles(("ci", f"[{CREATE}, {allow('iam:PassRole')}]")) + \
        "\n---\nRoleDetailList:" + trusting("good") + trusting("no-tags", "sts:AssumeRole") \
        + trusting("foreign", account="444455556666") + "\n"
    edges = edges_of(pod_identity_create.TECHNIQUE, text)
    # One candidate only: the principal goes straight to it, no hub fan-out of one.
    assert {pair for pair in edges if not pair[0].startswith("aws:Admin")} == {
        (f"{ROLE}/ci", f"{ROLE}/good"),
        (f"hub:aws-pod-identity-create:aws/{ACCOUNT}", f"{ROLE}/good")}
    assert edges[(f"{ROLE}/ci", f"{ROLE}/good")].confidence == "likely"


def test_pass_role_to_another_service_and_admins_are_no_sources() -> None:
    to_ec2 = '{StringEquals: {"iam:PassedToService": ec2.amazonaws.com}}'
    text = cluster() + roles(
        ("ec2-only", f"[{CREATE}, {allow('iam:PassRole', condition=to_ec2)}]"),
        ("root", "[" + allow('"*"') + "]"),
        ("no-create", f"[{allow('iam:PassRole')}]")) \
        + "\n---\nRoleDetailList:" + trusting("a") + trusting("b") + "\n"
    hub = f"hub:aws-pod-identity-create:aws/{ACCOUNT}"
    assert set(edges_of(pod_identity_create.TECHNIQUE, text)) == {
        (f"aws:Admin:{ACCOUNT}", hub), (hub, f"{ROLE}/a"), (hub, f"{ROLE}/b")}
