"""The Kubernetes-to-AWS bridges beyond their examples: node roles and IMDS settings of nodes
and pools, IRSA trust scopes and hubs, Pod Identity chains, and Secrets Store CSI objects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest import inventory_from_text
from riskgraph.models.aws import MetadataOptions
from riskgraph.techniques import Edge, Technique
from riskgraph.techniques._shared.aws_nodes import imds_of
from riskgraph.techniques.node import instance_role as instance_role
from riskgraph.techniques.node import pod_identity as node_pod_identity
from riskgraph.techniques.pod import csi_secret as csi_secret
from riskgraph.techniques.pod import eks_pod_identity as pod_identity
from riskgraph.techniques.pod import imds as imds
from riskgraph.techniques.pod import irsa as irsa

ACCOUNT = "111122223333"
ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
CLUSTER_ARN = f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/prod"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def doc(obj: dict[str, Any]) -> str:
    return "---\n" + json.dumps(obj) + "\n"


def role(name: str, trust: list[dict[str, Any]] | None = None,
         actions: list[str] | None = None, profile: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"RoleName": name, "Arn": arn(name)}
    if trust is not None:
        found["AssumeRolePolicyDocument"] = {"Version": "2012-10-17", "Statement": trust}
    if actions:
        found["RolePolicyList"] = [{"PolicyName": "p", "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}}]
    if profile:
        found["InstanceProfileList"] = [{"InstanceProfileName": profile, "Roles": [],
                                         "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/"
                                                f"{profile}"}]
    return found


def roles(*items: dict[str, Any]) -> str:
    return doc({"RoleDetailList": list(items), "Policies": []})


def cluster(issuer: str | None = ISSUER) -> str:
    found: dict[str, Any] = {"name": "prod", "arn": CLUSTER_ARN}
    if issuer:
        found["identity"] = {"oidc": {"issuer": f"https://{issuer}"}}
    return doc({"cluster": found})


def instance(instance_id: str, profile: str, **options: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "InstanceId": instance_id, "Placement": {"AvailabilityZone": "us-east-1a"},
        "IamInstanceProfile": {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{profile}"}}
    if options:
        found["MetadataOptions"] = options
    return found


def reservations(*instances: dict[str, Any]) -> str:
    return doc({"Reservations": [{"OwnerId": ACCOUNT, "Instances": list(instances)}]})


def node(name: str, instance_id: str | None = None, group: str | None = None) -> str:
    labels = f"labels: {{eks.amazonaws.com/nodegroup: {group}}}" if group else ""
    spec = f'spec: {{providerID: "aws:///us-east-1a/{instance_id}"}}' if instance_id else ""
    return f"---\nkind: Node\nmetadata: {{name: {name}, {labels}}}\n{spec}\n"


def deployment(name: str, ns: str = "shop", account: str = "default", extra: str = "",
               kind: str = "Deployment") -> str:
    return f"""---
apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}, namespace: {ns}}}
spec:
  template:
    spec:
      serviceAccountName: {account}
      containers: [{{name: app, image: x}}]
{extra}"""


def edges_of(technique: Technique, text: str) -> list[Edge]:
    inv = inventory_from_text(text, "test")
    assert not inv.problems, [str(p) for p in inv.problems]
    return list(technique.find(inv))


def by_pair(edges: list[Edge]) -> dict[tuple[str, str], Edge]:
    return {(e.source, e.target): e for e in edges}


# IMDS settings ------------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "state"), [
    ({"HttpTokens": "optional", "HttpPutResponseHopLimit": 1}, "open"),
    ({"HttpTokens": "required", "HttpPutResponseHopLimit": 2}, "open"),
    ({"HttpTokens": "required", "HttpPutResponseHopLimit": 1}, "host-network"),
    ({"HttpTokens": "optional", "HttpEndpoint": "disabled"}, "closed"),
    ({"HttpTokens": "required"}, "unknown"),
    (None, "unknown"),
])
def test_imds_verdict_of_metadata_options(options: dict[str, Any] | None, state: str) -> None:
    parsed = MetadataOptions.model_validate(options) if options is not None else None
    verdict = imds_of(parsed, "i-1", "MetadataOptions")
    assert verdict.state == state
    assert (verdict.reach(False) is not None) == (state in ("open", "unknown"))
    assert (verdict.reach(True) is not None) == (state != "closed")


def test_node_group_launch_template_version_decides_imds() -> None:
    """The node group's launch template version, not another version, sets the options."""
    def text(version: str) -> str:
        return (node("n1", group="general") + deployment("api") + cluster()
                + doc({"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
                                     "nodeRole": NODE_ROLE,
                                     "launchTemplate": {"id": "lt-1", "version": version}}})
                + doc({"LaunchTemplateVersions": [
                    {"LaunchTemplateId": "lt-1", "VersionNumber": 1, "DefaultVersion": False,
                     "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "optional"}}},
                    {"LaunchTemplateId": "lt-1", "VersionNumber": 2, "DefaultVersion": True,
                     "LaunchTemplateData": {"MetadataOptions": {
                         "HttpTokens": "required", "HttpPutResponseHopLimit": 1}}}]}))

    opened = by_pair(edges_of(imds.TECHNIQUE, text("1")))
    edge = opened[("k8s:Container:shop/api/app", NODE_ROLE)]
    assert edge.confidence == "certain"
    assert "lt-1 version 1: LaunchTemplateData.MetadataOptions.HttpTokens=\"optional\"" \
        in edge.evidence
    assert edges_of(imds.TECHNIQUE, text("2")) == []


def test_pool_with_open_and_closed_nodes_is_possible() -> None:
    text = (node("n1", "i-1", "general") + node("n2", "i-2", "general") + deployment("api")
            + reservations(instance("i-1", "node", HttpTokens="optional"),
                           instance("i-2", "node", HttpTokens="required",
                                    HttpPutResponseHopLimit=1))
            + roles(role("eks-node", profile="node")))
    edges = by_pair(edges_of(imds.TECHNIQUE, text))
    assert edges[("k8s:Container:shop/api/app", NODE_ROLE)].confidence == "possible"
    # A foothold on the pool holds the role on either node, IMDS or not.
    assert by_pair(edges_of(instance_role.TECHNIQUE, text))[
        ("k8s:NodePool:general", NODE_ROLE)].confidence == "certain"


def test_pool_roles_differ_by_node() -> None:
    text = (node("n1", "i-1", "general") + node("n2", "i-2", "general") + node("n3", None,
                                                                                   "general")
            + reservations(instance("i-1", "a"), instance("i-2", "b"))
            + roles(role("role-a", profile="a"), role("role-b", profile="b")))
    edges = by_pair(edges_of(instance_role.TECHNIQUE, text))
    assert edges[("k8s:NodePool:general", arn("role-a"))].confidence == "possible"
    assert edges[("k8s:Node:n1", arn("role-a"))].confidence == "certain"
    assert ("k8s:Node:n1", arn("role-b")) not in edges
    assert not any(source == "k8s:Node:n3" for source, _ in edges)


def test_pool_role_known_for_some_nodes_only_is_likely() -> None:
    text = (node("n1", "i-1", "general") + node("n2", None, "general")
            + reservations(instance("i-1", "a")) + roles(role("role-a", profile="a")))
    edges = by_pair(edges_of(instance_role.TECHNIQUE, text))
    assert edges[("k8s:NodePool:general", arn("role-a"))].confidence == "likely"


def test_any_pool_with_two_node_roles_claims_none() -> None:
    groups = "".join(doc({"nodegroup": {"nodegroupName": name, "clusterName": "prod",
                                        "nodeRole": arn(name)}}) for name in ("a", "b"))
    text = deployment("api") + cluster() + groups
    assert edges_of(instance_role.TECHNIQUE, text) == []
    assert edges_of(imds.TECHNIQUE, text) == []


def test_pods_that_may_land_on_several_pools_go_through_one_hub() -> None:
    text = (node("n1", "i-1", "a") + node("n2", "i-2", "b") + deployment("api")
            + deployment("web") + deployment("agent", kind="DaemonSet")
            + deployment("cni", extra="      hostNetwork: true\n")
            + reservations(instance("i-1", "a", HttpTokens="optional"),
                           instance("i-2", "b", HttpTokens="required",
                                    HttpPutResponseHopLimit=1))
            + roles(role("role-a", profile="a"), role("role-b", profile="b")))
    edges = by_pair(edges_of(imds.TECHNIQUE, text))
    hub, host_hub = "hub:pod-imds:pools/all", "hub:pod-imds-host-network:pools/all"
    assert set(edges) == {
        ("k8s:Container:shop/api/app", hub), ("k8s:Container:shop/web/app", hub),
        (hub, arn("role-a")),
        ("k8s:Container:shop/cni/app", host_hub), (host_hub, arn("role-a")),
        (host_hub, arn("role-b")),
        ("k8s:Container:shop/agent/app", arn("role-a"))}
    assert edges[(hub, arn("role-a"))].confidence == "possible"
    assert edges[("k8s:Container:shop/agent/app", arn("role-a"))].confidence == "certain"


def test_imds_reason_mentions_the_pods_own_role() -> None:
    text = (node("n1", "i-1") + """---
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/api"}
""" + deployment("api", account="api") + deployment("web")
            + reservations(instance("i-1", "node", HttpTokens="optional"))
            + roles(role("eks-node", profile="node")))
    edges = by_pair(edges_of(imds.TECHNIQUE, text))
    assert "through IRSA" in str(edges[("k8s:Container:shop/api/app", NODE_ROLE)].reason)
    assert "IRSA" not in str(edges[("k8s:Container:shop/web/app", NODE_ROLE)].reason)


# IRSA ---------------------------------------------------------------------------------------

def web_identity(condition: dict[str, Any] | None = None, effect: str = "Allow",
                 provider: str = PROVIDER) -> dict[str, Any]:
    found: dict[str, Any] = {"Effect": effect, "Principal": {"Federated": provider},
                             "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition:
        found["Condition"] = condition
    return found


def subject(operator: str, value: str | list[str]) -> dict[str, Any]:
    return {operator: {f"{ISSUER}:sub": value}}


ACCOUNTS = """---
kind: ServiceAccount
metadata: {name: builder, namespace: ci}
---
kind: ServiceAccount
metadata: {name: builder, namespace: shop}
---
kind: ServiceAccount
metadata: {name: web, namespace: shop}
"""


def test_namespace_wildcard_goes_through_the_namespace_hub() -> None:
    text = ACCOUNTS + cluster() + roles(role("shop-any", [web_identity(
        subject("StringLike", "system:serviceaccount:shop:*"))]))
    edges = by_pair(edges_of(irsa.TECHNIQUE, text))
    hub = "hub:pod-irsa:ns/shop"
    assert set(edges) == {("k8s:ServiceAccount:shop/builder", hub),
                          ("k8s:ServiceAccount:shop/web", hub),
                          ("k8s:ServiceAccount:shop/default", hub), (hub, arn("shop-any"))}
    assert "any service account of namespace shop" in edges[(hub, arn("shop-any"))].reason


def test_wildcard_namespace_pattern_matches_known_accounts() -> None:
    text = ACCOUNTS + cluster() + roles(role("builders", [web_identity(
        subject("StringLike", "system:serviceaccount:*:builder"))]))
    assert set(by_pair(edges_of(irsa.TECHNIQUE, text))) == {
        ("k8s:ServiceAccount:ci/builder", arn("builders")),
        ("k8s:ServiceAccount:shop/builder", arn("builders"))}


def test_a_spelled_out_namespace_with_a_name_wildcard_stays_in_that_namespace() -> None:
    text = ACCOUNTS + cluster() + roles(
        role("shop-builders", [web_identity(
            subject("StringLike", "system:serviceaccount:shop:build*"))]),
        role("nowhere", [web_identity(
            subject("StringLike", "system:serviceaccount:staging:build*"))]),
        role("prefix", [web_identity(
            subject("StringLike", "system:serviceaccount:sh*:web"))]))
    assert set(by_pair(edges_of(irsa.TECHNIQUE, text))) == {
        ("k8s:ServiceAccount:shop/builder", arn("shop-builders")),
        ("k8s:ServiceAccount:shop/web", arn("prefix"))}


def test_cluster_wildcard_and_annotated_account() -> None:
    text = ACCOUNTS.replace("{name: web, namespace: shop}", """
  name: web
  namespace: shop
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/all"}""")
    text += cluster() + roles(role("all", [web_identity(
        subject("StringLike", "system:serviceaccount:*"))]))
    edges = by_pair(edges_of(irsa.TECHNIQUE, text))
    hub = "hub:pod-irsa:cluster"
    assert edges[(hub, arn("all"))].confidence == "certain"
    assert {s for s, t in edges if t == hub} == {
        "k8s:ServiceAccount:ci/builder", "k8s:ServiceAccount:ci/default",
        "k8s:ServiceAccount:shop/builder", "k8s:ServiceAccount:shop/web",
        "k8s:ServiceAccount:shop/default"}
    assert edges[("k8s:ServiceAccount:shop/web", arn("all"))].confidence == "certain"


def test_deny_and_other_audience_and_other_action() -> None:
    pinned = subject("StringEquals", "system:serviceaccount:shop:web")
    text = ACCOUNTS + cluster() + roles(
        role("denied", [web_identity(pinned), web_identity(pinned, effect="Deny")]),
        role("vault", [web_identity({**pinned, "StringEquals": {
            f"{ISSUER}:sub": "system:serviceaccount:shop:web", f"{ISSUER}:aud": "vault"}})]),
        role("assume-only", [{**web_identity(pinned), "Action": "sts:AssumeRole"}]),
        role("ok", [web_identity(pinned)]))
    assert set(by_pair(edges_of(irsa.TECHNIQUE, text))) == {
        ("k8s:ServiceAccount:shop/web", arn("ok"))}


def test_without_cluster_document_the_one_eks_issuer_is_likely() -> None:
    text = ACCOUNTS + roles(role("ok", [web_identity(
        subject("StringEquals", "system:serviceaccount:shop:web"))]))
    edge, = edges_of(irsa.TECHNIQUE, text)
    assert (edge.source, edge.target, edge.confidence) == (
        "k8s:ServiceAccount:shop/web", arn("ok"), "likely")
    assert edges_of(irsa.TECHNIQUE, text + cluster(issuer=None)) == []


def test_irsa_hubs_keep_edges_linear() -> None:
    accounts = "".join(f"---\nkind: ServiceAccount\nmetadata: {{name: sa{i}, namespace: "
                       f"ns{i % 20}}}\n" for i in range(400))
    wide = [role(f"wide{i}", [web_identity()]) for i in range(30)]
    text = accounts + cluster() + roles(*wide)
    edges = edges_of(irsa.TECHNIQUE, text)
    # 400 accounts + 20 default accounts into the hub, 30 roles out of it.
    assert len(edges) == 420 + 30


# Pod Identity -------------------------------------------------------------------------------

PODS_TRUST = [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
               "Action": ["sts:AssumeRole", "sts:TagSession"]}]


def association(account: str, role_arn: str, target: str | None = None,
                cluster_name: str = "prod") -> str:
    found = {"clusterName": cluster_name, "namespace": "shop", "serviceAccount": account,
             "roleArn": role_arn, "associationId": f"a-{account}",
             "associationArn": f"arn:aws:eks:us-east-1:{ACCOUNT}:podidentityassociation/"
                               f"{cluster_name}/a-{account}"}
    if target:
        found["targetRoleArn"] = target
    return doc({"association": found})


def test_pod_identity_roles_missing_from_input_are_likely() -> None:
    other = "arn:aws:iam::444455556666:role/target"
    text = (cluster() + association("api", arn("absent"))
            + association("sync", arn("hop"), other)
            + association("tagged", arn("tagged"))
            + roles(role("hop", PODS_TRUST, ["sts:AssumeRole"]),
                    role("tagged", [{**PODS_TRUST[0], "Condition": {"StringEquals": {
                        "aws:RequestTag/kubernetes-namespace": "shop",
                        "aws:RequestTag/kubernetes-service-account": "tagged"}}}])))
    edges = by_pair(edges_of(pod_identity.TECHNIQUE, text))
    assert edges[("k8s:ServiceAccount:shop/api", arn("absent"))].confidence == "likely"
    assert edges[("k8s:ServiceAccount:shop/sync", other)].confidence == "likely"
    assert edges[("k8s:ServiceAccount:shop/tagged", arn("tagged"))].confidence == "certain"
    assert ("k8s:ServiceAccount:shop/sync", arn("hop")) not in edges


def test_pod_identity_target_that_does_not_trust_the_hop() -> None:
    text = (cluster() + association("sync", arn("hop"), arn("target"))
            + roles(role("hop", PODS_TRUST, ["sts:AssumeRole"]),
                    role("target", [{"Effect": "Allow", "Principal": {"AWS": arn("other")},
                                     "Action": "sts:AssumeRole"}])))
    assert edges_of(pod_identity.TECHNIQUE, text) == []


def test_pod_identity_without_cluster_document() -> None:
    text = (node("n1", "i-1", "general") + deployment("api", account="api")
            + association("api", arn("api"))
            + reservations(instance("i-1", "node"))
            + roles(role("api", PODS_TRUST),
                    role("eks-node", actions=["eks-auth:AssumeRoleForPodIdentity"],
                         profile="node")))
    edge, = edges_of(pod_identity.TECHNIQUE, text)
    assert edge.confidence == "likely"
    hub = "hub:node-pod-identity:pools/all"
    nodes = by_pair(edges_of(node_pod_identity.TECHNIQUE, text))
    assert set(nodes) == {("k8s:NodePool:general", hub), (hub, arn("api"))}
    assert nodes[(hub, arn("api"))].confidence == "possible"


def test_node_pod_identity_daemonset_and_unknown_node_role() -> None:
    text = (node("n1", group="general") + cluster()
            + doc({"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
                                 "nodeRole": NODE_ROLE}})
            + deployment("agent", account="api", kind="DaemonSet")
            + association("api", arn("api")) + roles(role("api", PODS_TRUST)))
    edges = by_pair(edges_of(node_pod_identity.TECHNIQUE, text))
    hub = "hub:node-pod-identity:pools/all"
    assert edges[("k8s:NodePool:general", hub)].confidence == "likely"
    assert edges[(hub, arn("api"))].confidence == "certain"


# Secrets Store CSI --------------------------------------------------------------------------

def provider_class(objects: str, region: str = "") -> str:
    extra = f"\n    region: {region}" if region else ""
    return f"""---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {{name: creds, namespace: shop}}
spec:
  provider: aws
  parameters:{extra}
    objects: |
{objects}"""


MOUNTING_POD = """---
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  volumes:
  - name: v
    csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: {secretProviderClass: creds}}
  initContainers:
  - {name: init, image: x, volumeMounts: [{name: v, mountPath: /s}]}
  containers:
  - {name: app, image: x}
"""


def test_csi_names_resolve_against_aws_input() -> None:
    objects = """      - {objectName: "/prod/db-url", objectType: ssmparameter}
      - {objectName: "missing-secret", objectType: secretsmanager}
      - objectName: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api"
"""
    full = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/api-Xy12Zq"
    text = (provider_class(objects) + MOUNTING_POD + cluster()
            + doc({"SecretList": [{"ARN": full, "Name": "prod/api"}]}))
    edges = by_pair(edges_of(csi_secret.TECHNIQUE, text))
    parameter = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/db-url"
    assert set(edges) == {("k8s:Container:shop/p/init", parameter),
                          ("k8s:Container:shop/p/init", full)}
    assert edges[("k8s:Container:shop/p/init", parameter)].confidence == "likely"


def test_csi_class_region_and_no_aws_input() -> None:
    objects = """      - {objectName: "db-url", objectType: ssmparameter}
      - objectName: "arn:aws:ssm:eu-west-1:111122223333:parameter/token"
"""
    text = provider_class(objects, region="eu-west-1") + MOUNTING_POD
    # Without AWS input only the object named by ARN has a known target.
    assert set(by_pair(edges_of(csi_secret.TECHNIQUE, text))) == {
        ("k8s:Container:shop/p/init", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/token")}
    with_cluster = by_pair(edges_of(csi_secret.TECHNIQUE, text + cluster()))
    assert ("k8s:Container:shop/p/init",
            f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/db-url") in with_cluster


def test_csi_other_provider_mounts_nothing_from_aws() -> None:
    text = provider_class("      - {objectName: x, objectType: ssmparameter}\n").replace(
        "provider: aws", "provider: vault") + MOUNTING_POD + cluster()
    assert edges_of(csi_secret.TECHNIQUE, text) == []
