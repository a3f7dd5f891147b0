"""Offline AWS ingest: every ``aws ... --output json`` shape through the real loader, mixed
with Kubernetes input; bad input; the aws-auth map; SecretProviderClass and CSI volumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingest import inventory_from_text, load_k8s, parse_text
from riskgraph.builder import build_graph
from riskgraph.errors import Problem
from riskgraph.estate.aws_auth import aws_auth_mappings
from riskgraph.estate.inventory import Inventory
from riskgraph.models import SecretProviderClass
from riskgraph.models.aws import IamRole

FIXTURES = Path(__file__).parent / "fixtures" / "aws"
ACCOUNT = "111122223333"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/prod-node"
ADMINS = f"arn:aws:iam::{ACCOUNT}:role/platform-admins"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:payments/db-master-AbCdEf"

ROLE = {"RoleName": "ok", "Arn": f"arn:aws:iam::{ACCOUNT}:role/ok",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"


@pytest.fixture(scope="module")
def estate() -> Inventory:
    return load_k8s([FIXTURES])


def role(inv: Inventory, name: str) -> IamRole:
    found = inv.aws.role(f"arn:aws:iam::{ACCOUNT}:role/{name}")
    assert found is not None, name
    return found


def problems_of(inv: Inventory, source: str) -> list[Problem]:
    return [p for p in inv.problems if p.source == source]


def folder(tmp_path: Path, files: dict[str, object]) -> Path:
    """A folder with the Kubernetes side of the fixtures and the given AWS documents."""
    shutil.copy(FIXTURES / "cluster.yaml", tmp_path)
    for name, doc in files.items():
        (tmp_path / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return tmp_path


# Shapes --------------------------------------------------------------------------------


def test_authorization_details_read_roles_users_groups_and_policies_over_pages(
        estate: Inventory) -> None:
    node, batch = role(estate, "prod-node"), role(estate, "eks/batch-reports")
    assert node.assume_role_policy_document is not None
    assert node.assume_role_policy_document["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}
    assert [r.arn for r in estate.aws.roles_of_profile("eks-prod-node-7ac6b1e2")] == [NODE_ROLE]
    assert batch.path == "/eks/" and batch.inline_policies[0].policy_name == "read-reports"
    assert batch.permissions_boundary is not None
    user = estate.aws.user(f"arn:aws:iam::{ACCOUNT}:user/ci-deployer")
    assert user is not None and user.group_list == ["deployers"]
    sources = [source for source, _ in estate.aws.identity_policies(user)]
    assert f"arn:aws:iam::{ACCOUNT}:group/deployers inline describe-eks" in sources
    policy = estate.aws.managed_policy(f"arn:aws:iam::{ACCOUNT}:policy/ReadAppParameters")
    assert policy is not None and policy.document is not None
    assert policy.document["Statement"][0]["Resource"].endswith("parameter/prod/app/*")  # v2
    # the second page of the paginated output: its role and the policy it holds
    assert role(estate, "deploy").attached_managed_policies[0].policy_arn == \
        "arn:aws:iam::aws:policy/AdministratorAccess"
    assert estate.aws.managed_policy("arn:aws:iam::aws:policy/AdministratorAccess") is not None


def test_list_roles_and_get_role_give_trust_policies_only(estate: Inventory) -> None:
    cluster_role = role(estate, "prod-cluster")
    linked = role(estate, "aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS")
    for found in (cluster_role, linked):
        assert found.assume_role_policy_document is not None
        assert not found.inline_policies and not found.attached_managed_policies
    trust = cluster_role.assume_role_policy_document
    assert trust is not None
    assert trust["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:TagSession"]


def test_oidc_providers(estate: Inventory) -> None:
    assert [p.url for p in estate.aws.oidc_providers] == [
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"]


def test_instances_take_account_from_reservation_and_region_from_zone(
        estate: Inventory) -> None:
    by_id = {i.instance_id: i for i in estate.aws.instances}
    first, second = by_id["i-0123456789abcdef0"], by_id["i-0fedcba9876543210"]
    assert (first.account, first.region) == (ACCOUNT, "us-east-1")
    assert first.arn == f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
    assert first.metadata_options is not None
    assert (first.metadata_options.http_tokens,
            first.metadata_options.http_put_response_hop_limit) == ("required", 2)
    assert second.metadata_options is not None
    assert second.metadata_options.http_tokens == "optional"
    assert second.public_ip_address == "203.0.113.10"
    assert second.iam_instance_profile is not None
    assert second.iam_instance_profile.arn is not None
    assert second.iam_instance_profile.arn.endswith("instance-profile/eks-prod-node-7ac6b1e2")
    node = next(n for n in estate.nodes)
    assert estate.aws.instance_for(node) is first


def test_local_zone_instance_is_in_its_parent_region() -> None:
    doc = {"Reservations": [{"OwnerId": ACCOUNT, "Instances": [
        {"InstanceId": "i-0aaa", "Placement": {"AvailabilityZone": "us-west-2-lax-1a"}}]}]}
    parsed = parse_text(json.dumps(doc))
    assert parsed.aws.instances[0].region == "us-west-2"
    assert not parsed.problems


def test_launch_templates_security_groups_and_nodegroup(estate: Inventory) -> None:
    default = estate.aws.launch_template("eks-general")
    assert default is not None and default.version_number == 2
    assert default.launch_template_data.metadata_options is not None
    assert default.launch_template_data.metadata_options.http_tokens == "required"
    first = estate.aws.launch_template("lt-0abc1234def567890", "1")
    assert first is not None and first.launch_template_data.metadata_options is not None
    assert first.launch_template_data.metadata_options.http_put_response_hop_limit == 2
    group = estate.aws.security_groups[0]
    assert group.ip_permissions[0].ip_ranges[0].cidr_ip == "0.0.0.0/0"
    assert (group.ip_permissions[0].from_port, group.ip_permissions[0].to_port) == (30000, 32767)
    nodegroup = estate.aws.nodegroup("general")
    assert nodegroup is not None and nodegroup.node_role == NODE_ROLE
    assert nodegroup.launch_template is not None and nodegroup.launch_template.version == "2"


def test_cluster_is_chosen_and_knows_its_issuer(estate: Inventory) -> None:
    cluster = estate.aws.cluster
    assert cluster is not None and cluster.name == "prod"
    assert cluster.oidc_issuer == \
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    assert cluster.reads_aws_auth


def test_pod_identity_associations_need_the_describe_output(estate: Inventory) -> None:
    [association] = estate.aws.pod_identity_associations
    assert (association.namespace, association.service_account, association.role_arn) == (
        "payments", "payments-api", f"arn:aws:iam::{ACCOUNT}:role/payments-api")
    [problem] = problems_of(estate, str(FIXTURES / "eks-list-pod-identity-associations.json"))
    assert "2 pod identity association(s)" in problem.message
    assert "describe-pod-identity-association" in problem.message


def test_summary_with_role_arn_is_read() -> None:
    doc = {"associations": [{"clusterName": "prod", "namespace": "a", "serviceAccount": "b",
                             "roleArn": NODE_ROLE}]}
    parsed = parse_text(json.dumps(doc))
    assert [a.role_arn for a in parsed.aws.pod_identity_associations] == [NODE_ROLE]
    assert not parsed.problems


def test_access_policies_are_joined_to_their_entry(estate: Inventory) -> None:
    entries = {(e.principal_arn, tuple(e.kubernetes_groups)): e
               for e in estate.aws.access_entries}
    admins = entries[ADMINS, ("platform",)]
    assert [p.policy_arn.rsplit("/", 1)[-1] for p in admins.access_policies] == [
        "AmazonEKSClusterAdminPolicy", "AmazonEKSEditPolicy"]
    assert admins.access_policies[1].access_scope.namespaces == ["payments", "batch"]
    assert (NODE_ROLE, ()) in entries  # from list-access-entries, with its clusterName
    assert {e.cluster_name for e in estate.aws.access_entries} == {"prod"}


def test_data_stores_and_their_policies(estate: Inventory) -> None:
    aws = estate.aws
    [secret] = aws.secrets
    assert secret.arn == SECRET_ARN and secret.resource_policy is not None
    assert secret.resource_policy["Statement"][0]["Action"] == "secretsmanager:GetSecretValue"
    assert sorted(p.arn for p in aws.parameters) == [
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/feature-flags",  # built from the other's
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/app/db-password"]
    buckets = {b.name: b for b in aws.buckets}
    assert buckets["prod-reports"].policy is not None
    assert buckets["prod-reports"].policy["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::444455556666:root"}
    assert buckets["prod-static-assets"].policy is None
    [repository] = aws.repositories
    assert repository.policy is not None and repository.policy["Statement"][0]["Sid"] == \
        "PushFromCi"
    keys = {k.key_id: k for k in aws.kms_keys}
    assert keys["1234abcd-12ab-34cd-56ef-1234567890ab"].policy is not None
    assert keys["0987dcba-09fe-87dc-65ba-ab0987654321"].key_arn == \
        f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321"


def test_scp_content_applies_to_its_target_account(estate: Inventory) -> None:
    [(name, content)] = estate.aws.scps_for(ACCOUNT)
    assert name.endswith("p-examplepolicyid111")
    assert content["Statement"][0] == {"Effect": "Deny", "Resource": "*", "Action": [
        "organizations:LeaveOrganization", "iam:CreateUser"]}
    assert estate.aws.scps_for("444455556666") == []


def test_caller_identity_names_the_account_and_every_file_is_a_source(
        estate: Inventory) -> None:
    assert ACCOUNT in estate.aws.known_accounts
    assert len(estate.aws.sources) == len(list(FIXTURES.glob("*.json")))


def test_other_policy_types_are_not_taken_for_scps() -> None:
    doc = {"Policy": {"PolicySummary": {"Id": "p-tag", "Type": "TAG_POLICY"}, "Content": "{}"}}
    parsed = parse_text(json.dumps(doc), "tags.json")
    assert not parsed.aws.scps
    assert "TAG_POLICY" in parsed.problems[0].message


# RDS -----------------------------------------------------------------------------------

DB_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders"
AURORA_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:ledger"
DB_INSTANCE = {
    "DBInstanceIdentifier": "orders", "DBInstanceArn": DB_ARN, "Engine": "postgres",
    "Endpoint": {"Address": "orders.c1.us-east-1.rds.amazonaws.com", "Port": 5432},
    "PubliclyAccessible": True, "VpcSecurityGroups": [
        {"VpcSecurityGroupId": "sg-orders", "Status": "active"},
        {"VpcSecurityGroupId": "sg-old", "Status": "removing"}]}
DB_CLUSTER = {
    "DBClusterIdentifier": "ledger", "DBClusterArn": AURORA_ARN, "Engine": "aurora-mysql",
    "Endpoint": "ledger.cluster-c1.us-east-1.rds.amazonaws.com", "Port": 3306,
    "ReaderEndpoint": "ledger.cluster-ro-c1.us-east-1.rds.amazonaws.com",
    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-ledger", "Status": "active"}]}


def test_rds_instances_and_clusters_become_databases_and_vertices(tmp_path: Path) -> None:
    creating = {"DBInstanceIdentifier": "new", "Engine": "mysql",
                "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:new"}
    inv = load_k8s([folder(tmp_path, {
        "rds-describe-db-instances.json": {"DBInstances": [DB_INSTANCE, creating]},
        "rds-describe-db-instances-again.json": {"DBInstances": [DB_INSTANCE]},
        "rds-describe-db-clusters.json": {"DBClusters": [DB_CLUSTER]}})])
    assert not [p for p in inv.problems if "rds" in p.source]
    by_arn = {d.arn: d for d in inv.aws.databases}
    assert len(inv.aws.databases) == 3  # the instance read twice is one database
    orders, ledger, new = by_arn[DB_ARN], by_arn[AURORA_ARN], by_arn[creating["DBInstanceArn"]]
    assert (orders.kind, orders.identifier, orders.engine, orders.port, orders.endpoint,
            orders.publicly_accessible) == ("instance", "orders", "postgres", 5432,
                                            "orders.c1.us-east-1.rds.amazonaws.com", True)
    assert orders.security_group_ids == ["sg-orders"]  # a group being removed no longer counts
    assert (ledger.kind, ledger.identifier, ledger.engine, ledger.port, ledger.endpoint,
            ledger.publicly_accessible) == ("cluster", "ledger", "aurora-mysql", 3306,
                                            "ledger.cluster-c1.us-east-1.rds.amazonaws.com",
                                            False)
    assert ledger.security_group_ids == ["sg-ledger"]
    assert (new.port, new.endpoint, new.security_group_ids) == (None, None, [])  # creating
    graph = build_graph(inv)
    assert {arn: (graph.nodes[arn]["kind"], graph.nodes[arn]["name"],
                  graph.nodes[arn]["crown_jewel"]) for arn in (DB_ARN, AURORA_ARN)} == {
        DB_ARN: ("RDSInstance", "orders", "data-store"),
        AURORA_ARN: ("RDSCluster", "ledger", "data-store")}
    assert graph.nodes[DB_ARN]["port"] == 5432 and graph.nodes[DB_ARN]["publicly_accessible"]


def test_bad_rds_items_are_named_and_the_rest_are_read(tmp_path: Path) -> None:
    bad_port = {**DB_INSTANCE, "DBInstanceIdentifier": "bad-port",
                "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:bad-port",
                "Endpoint": {"Address": "x", "Port": "five"}}
    no_arn = {"DBInstanceIdentifier": "no-arn", "Engine": "postgres"}
    cluster_no_id = {**DB_CLUSTER, "DBClusterIdentifier": None}
    inv = load_k8s([folder(tmp_path, {
        "instances.json": {"DBInstances": [bad_port, no_arn, DB_INSTANCE, "orders"]},
        "clusters.json": {"DBClusters": [cluster_no_id]}})])
    assert [d.arn for d in inv.aws.databases] == [DB_ARN]
    found = problems_of(inv, str(tmp_path / "instances.json"))
    assert [p.obj for p in found] == ["RDS instance bad-port", "RDS instance no-arn",
                                      "RDS instance DBInstances[3]"]
    assert "DBInstances[0].Port" in found[0].message
    assert "no DBInstanceArn" in found[1].message
    [cluster_problem] = problems_of(inv, str(tmp_path / "clusters.json"))
    assert cluster_problem.obj == f"RDS cluster {AURORA_ARN}"
    assert "no DBClusterIdentifier" in cluster_problem.message


# Mixed input -------------------------------------------------------------------------------


def test_mixed_folder_is_one_inventory(estate: Inventory) -> None:
    assert {p.name for p in estate.pods} == {"payments-api"}
    assert [n.name for n in estate.nodes] == ["ip-10-0-1-23.ec2.internal"]
    assert not estate.aws.empty and len(estate.aws.roles) == 5
    assert not [p for p in estate.problems if "no 'kind'" in p.message]


def test_yaml_stream_holds_kubernetes_objects_and_aws_documents() -> None:
    text = NAMESPACE + "---\n" + json.dumps({"RoleDetailList": [ROLE]}) + \
        "\n---\nBuckets:\n- Name: logs\n"
    inv = inventory_from_text(text)
    assert inv.namespace("shop") is not None
    assert [r.name for r in inv.aws.roles] == ["ok"]
    assert [b.name for b in inv.aws.buckets] == ["logs"]


# Bad input ---------------------------------------------------------------------------------


def test_malformed_role_is_named_and_the_others_are_read(tmp_path: Path) -> None:
    broken = {**ROLE, "RoleName": "broken", "Arn": f"arn:aws:iam::{ACCOUNT}:role/broken",
              "AssumeRolePolicyDocument": '{"Version": "2012-10-17", "Statement": ['}
    nameless = {"Arn": f"arn:aws:iam::{ACCOUNT}:role/nameless"}
    inv = load_k8s([folder(tmp_path, {"gaad.json": {"RoleDetailList": [broken, ROLE, nameless],
                                                     "Policies": []}})])
    assert [r.name for r in inv.aws.roles] == ["ok"]
    found = problems_of(inv, str(tmp_path / "gaad.json"))
    assert [p.obj for p in found] == ["IAM role broken",
                                      f"IAM role arn:aws:iam::{ACCOUNT}:role/nameless"]
    assert "RoleDetailList[0].AssumeRolePolicyDocument" in found[0].message
    assert "RoleDetailList[2].RoleName" in found[1].message


def test_truncated_aws_file_is_a_problem_and_other_files_are_read(tmp_path: Path) -> None:
    whole = (FIXTURES / "iam-get-account-authorization-details.json").read_text()
    inv = load_k8s([folder(tmp_path, {"a-gaad.json": whole[:len(whole) // 2],
                                      "b-buckets.json": {"Buckets": [{"Name": "logs"}]}})])
    [problem] = problems_of(inv, str(tmp_path / "a-gaad.json"))
    assert "not valid JSON" in problem.message
    assert [b.name for b in inv.aws.buckets] == ["logs"] and not inv.aws.roles
    assert inv.nodes


@pytest.mark.parametrize(("doc", "expected"), [
    ({"Policy": '{"Version": "2012-10-17", "Statement": []}'}, '"Bucket"'),
    ({"Policy": "{}", "PolicyName": "default"}, '"KeyId"'),
    ({"accessEntries": [ADMINS]}, '"clusterName"'),
    ({"associatedAccessPolicies": []}, "without clusterName and principalArn"),
    ({"Parameters": [{"Name": "/a", "Type": "String"}]}, "no ARN"),
    ({"Bucket": "b", "Policy": "{not json"}, "not a JSON policy document"),
    ({"Roles": {"RoleName": "x"}}, "expected a list"),
])
def test_documents_missing_what_names_them_are_problems(doc: dict[str, object],
                                                        expected: str) -> None:
    parsed = parse_text(json.dumps(doc), "doc.json")
    [problem] = parsed.problems
    assert problem.source == "doc.json" and expected in problem.message
    assert not parsed.aws.pending_bucket_policies and not parsed.aws.access_entries
    assert not parsed.aws.parameters and not parsed.aws.roles


def test_unknown_document_is_left_to_the_kubernetes_parser() -> None:
    parsed = parse_text(json.dumps({"Topics": [{"TopicArn": "arn:aws:sns:r:1:t"}]}),
                        "sns.json")
    assert "no 'kind'" in parsed.problems[0].message
    assert not parsed.aws.sources


def test_managed_policy_without_document_is_skipped() -> None:
    doc = {"Policies": [{"PolicyName": "p", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/p",
                         "DefaultVersionId": "v1"}]}
    parsed = parse_text(json.dumps(doc), "list-policies.json")
    assert not parsed.aws.managed_policies
    assert parsed.problems[0].obj == f"managed policy arn:aws:iam::{ACCOUNT}:policy/p"


# aws-auth ----------------------------------------------------------------------------------


def test_aws_auth_maps_roles_users_and_accounts(estate: Inventory) -> None:
    mappings, problems = aws_auth_mappings(estate)
    assert not problems
    node, analyst, user, account = mappings
    assert (node.kind, node.arn, node.username, node.groups, node.path) == (
        "role", NODE_ROLE, "system:node:{{EC2PrivateDNSName}}",
        ("system:bootstrappers", "system:nodes"), "mapRoles[0]")
    assert analyst.arn.endswith("role/teams/data/analyst")
    assert analyst.match_arn == f"arn:aws:iam::{ACCOUNT}:role/analyst"
    assert (user.kind, user.username, user.groups, user.path) == (
        "user", "ci-deployer", ("system:masters",), "mapUsers[0]")
    assert (account.kind, account.arn, account.username, account.groups) == (
        "account", "444455556666", None, ())
    assert user.evidence == ('k8s:ConfigMap:kube-system/aws-auth: data.mapUsers[0].userarn='
                             f'"arn:aws:iam::{ACCOUNT}:user/ci-deployer"')


def test_bad_aws_auth_yaml_is_a_problem_naming_the_configmap_and_key() -> None:
    text = """\
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapRoles: "- rolearn: [unclosed"
  mapUsers: |
    - username: nobody
    - userarn: arn:aws:iam::111122223333:user/ok
  mapAccounts: "- 111122223333"
"""
    inv = inventory_from_text(text, "aws-auth.yaml")
    [bad_roles, bad_user] = [p for p in inv.problems if p.obj == "ConfigMap kube-system/aws-auth"]
    assert bad_roles.source == "aws-auth.yaml" and "data.mapRoles" in bad_roles.message
    assert "data.mapUsers[0]" in bad_user.message
    mappings, _ = aws_auth_mappings(inv.config_maps)
    assert [(m.kind, m.arn) for m in mappings] == [
        ("user", f"arn:aws:iam::{ACCOUNT}:user/ok"), ("account", ACCOUNT)]


def test_configmap_data_is_kept_for_aws_auth_only(estate: Inventory) -> None:
    data = {(c.metadata.namespace, c.name): c.data for c in estate.config_maps}
    assert data["payments", "payments-settings"] == {}
    assert "mapRoles" in data["kube-system", "aws-auth"]
    elsewhere = inventory_from_text("kind: ConfigMap\nmetadata: {name: aws-auth}\n"
                                    "data: {mapRoles: x}\n")
    assert elsewhere.config_maps[0].data == {}  # aws-auth, but in namespace default
    assert aws_auth_mappings(elsewhere) == ([], [])


# Secrets Store CSI --------------------------------------------------------------------------


def test_secret_provider_class_names_its_objects(estate: Inventory) -> None:
    spc = estate.secret_provider_class("payments", "payments-db")
    assert spc is not None and spc.region == "us-east-1" and spc.uses_pod_identity
    objects, problems = spc.aws_objects()
    assert not problems
    assert [(o.object_type, o.name, o.is_arn) for o in objects] == [
        ("secretsmanager", "payments/db-master", False),
        ("ssmparameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/app/db-password",
         True),
        ("secretsmanager",
         f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:payments/api-key-XyZ123", True)]
    assert objects[0].jmes_paths == ("username", "password")
    assert (objects[1].alias, objects[1].path) == ("legacy-db-password",
                                                   "spec.parameters.objects[1]")
    assert estate.secret_provider_class("default", "payments-db") is None


@pytest.mark.parametrize(("objects", "expected"), [
    ("- objectName: [oops", "not valid YAML"),
    ("objectName: x", "not a YAML list"),
    ("- objectName: plain-name", "no objectType"),
    ("- objectName: x\n  objectType: s3", "'s3'"),
])
def test_unreadable_objects_are_problems(objects: str, expected: str) -> None:
    spc = SecretProviderClass.model_validate({
        "kind": "SecretProviderClass", "metadata": {"name": "c", "namespace": "a"},
        "spec": {"provider": "aws", "parameters": {"objects": objects}}})
    found, problems = spc.aws_objects("spc.yaml")
    assert found == [] and len(problems) == 1
    assert problems[0].source == "spc.yaml" and expected in problems[0].message
    assert problems[0].obj == "SecretProviderClass a/c"


def test_other_providers_name_no_aws_objects() -> None:
    spc = SecretProviderClass.model_validate({
        "kind": "SecretProviderClass", "apiVersion": "secrets-store.csi.x-k8s.io/v1alpha1",
        "spec": {"provider": "vault", "parameters": {"objects": "- objectName: x"}}})
    assert spc.aws_objects() == ([], [])


def test_pod_csi_volume_keeps_driver_and_class(estate: Inventory) -> None:
    [pod] = estate.pods
    [volume] = pod.spec.volumes
    assert volume.csi is not None
    assert (volume.csi.driver, volume.csi.read_only, volume.csi.secret_provider_class) == (
        "secrets-store.csi.k8s.io", True, "payments-db")
    other = inventory_from_text("""\
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c}]
  volumes: [{name: v, csi: {driver: ebs.csi.aws.com, volumeAttributes: null}}]
""")
    csi = other.pods[0].spec.volumes[0].csi
    assert csi is not None and csi.secret_provider_class is None and csi.volume_attributes == {}


def test_describe_secret_is_a_secret_and_a_policyless_policy_output_adds_nothing() -> None:
    described = {"ARN": SECRET_ARN, "Name": "payments/db-master", "KmsKeyId": "alias/payments",
                 "LastChangedDate": "2024-05-01T10:00:00+00:00", "Tags": []}
    parsed = parse_text(json.dumps(described) + "\n" + json.dumps(
        {"ARN": SECRET_ARN, "Name": "payments/db-master"}), "secrets.json")
    assert [(s.name, s.kms_key_id) for s in parsed.aws.secrets] == [
        ("payments/db-master", "alias/payments")]
    assert not parsed.aws.pending_secret_policies and not parsed.problems
    assert parsed.aws.sources == ["secrets.json"]  # one source for the file's two documents
