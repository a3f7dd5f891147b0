"""Live AWS reads: boto3 against a real moto server on 127.0.0.1 (one per test session),
and botocore's Stubber on the reader's own clients for the EKS APIs moto lacks (Pod
Identity, access entries) and for refusals. Nothing of ours is mocked; no network leaves
the machine.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from ingest import read_k8s
from ingest._objects import ParsedObjects
from ingest.aws_live import AwsAccountReader, AwsTarget, CallRead
from ingest.aws_snapshot import AWS_SNAPSHOT_KEY, parse_aws_snapshot
from ingest.snapshot_writers import write_aws_snapshot
from riskgraph.errors import InputError
from riskgraph.estate.aws_inventory import AwsInventory

ACCOUNT = "123456789012"  # moto's
REGION = "us-east-1"
NODE_POLICY = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"
# Stored in moto; never in a document, an inventory or a snapshot.
SECRET_VALUE = "s3cr3t-value-never-read"
PARAMETER_VALUE = "ssm-value-never-read"
Documents = list[tuple[str, dict[str, Any]]]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


#: moto's settings, read as each of its backends starts: AWS managed policies exist; no
#: public AMIs (seconds to load, and the instance's AMI is not looked up).
MOTO_SETTINGS = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in MOTO_SETTINGS.items():
            patch.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
        server.stop()


@pytest.fixture(scope="module")
def session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                         region_name=REGION)


@pytest.fixture(scope="module")
def account(moto_url: str, session: boto3.Session) -> dict[str, str]:
    """An EKS account in moto: what the reader should find, by name."""
    def client(service: str) -> Any:
        return session.client(service, endpoint_url=moto_url)  # type: ignore[call-overload]

    iam, ec2, eks = client("iam"), client("ec2"), client("eks")
    role = iam.create_role(RoleName="eks-node", AssumeRolePolicyDocument=_policy(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"}))["Role"]
    iam.attach_role_policy(RoleName="eks-node", PolicyArn=NODE_POLICY)
    profile = iam.create_instance_profile(InstanceProfileName="eks-node")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="eks-node", RoleName="eks-node")
    iam.create_role(RoleName="ci", PermissionsBoundary=BOUNDARY, AssumeRolePolicyDocument=_policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "sts:AssumeRole"}))
    iam.create_user(UserName="deployer")
    group = ec2.create_security_group(GroupName="nodes", Description="nodes")["GroupId"]
    template = ec2.create_launch_template(LaunchTemplateName="nodes", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 2},
        "IamInstanceProfile": {"Arn": profile["Arn"]}, "SecurityGroupIds": [group]},
    )["LaunchTemplate"]["LaunchTemplateId"]
    instance = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, SecurityGroupIds=[group],
        IamInstanceProfile={"Arn": profile["Arn"]}, MetadataOptions={"HttpTokens": "optional"},
    )["Instances"][0]["InstanceId"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eks.create_cluster(name="prod", roleArn=role["Arn"],
                       resourcesVpcConfig={"subnetIds": [subnet]})
    eks.create_nodegroup(clusterName="prod", nodegroupName="general", subnets=[subnet],
                         nodeRole=role["Arn"], launchTemplate={"id": template, "version": "1"})
    reader_only = _policy({"Effect": "Allow", "Principal": {"AWS": role["Arn"]},
                           "Action": "*", "Resource": "*"})
    secret = client("secretsmanager").create_secret(Name="db-password",
                                                    SecretString=SECRET_VALUE)["ARN"]
    client("secretsmanager").put_resource_policy(SecretId=secret, ResourcePolicy=reader_only)
    client("ssm").put_parameter(Name="/app/db", Value=PARAMETER_VALUE, Type="SecureString")
    s3 = client("s3")
    s3.create_bucket(Bucket="data-bucket")
    s3.put_bucket_policy(Bucket="data-bucket", Policy=_policy(
        {"Effect": "Allow", "Principal": {"AWS": role["Arn"]}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::data-bucket/*"}))
    s3.create_bucket(Bucket="logs-bucket")
    key = client("kms").create_key()["KeyMetadata"]["KeyId"]
    client("ecr").create_repository(repositoryName="app")
    client("ecr").set_repository_policy(repositoryName="app", policyText=reader_only)
    database_group = ec2.create_security_group(GroupName="db", Description="db")["GroupId"]
    database = client("rds").create_db_instance(
        DBInstanceIdentifier="payments-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="payments", MasterUserPassword=SECRET_VALUE,
        VpcSecurityGroupIds=[database_group], PubliclyAccessible=False, Port=5432,
    )["DBInstance"]["DBInstanceArn"]
    aurora = client("rds").create_db_cluster(
        DBClusterIdentifier="ledger", Engine="aurora-postgresql", MasterUsername="ledger",
        MasterUserPassword=SECRET_VALUE, VpcSecurityGroupIds=[database_group],
    )["DBCluster"]["DBClusterArn"]
    cache = client("elasticache").create_cache_cluster(
        CacheClusterId="sessions", Engine="redis", CacheNodeType="cache.t3.micro",
        NumCacheNodes=1, SecurityGroupIds=[database_group])["CacheCluster"]["ARN"]
    domain = client("opensearch").create_domain(DomainName="logs", VPCOptions={
        "SubnetIds": [subnet], "SecurityGroupIds": [database_group]})["DomainStatus"]["ARN"]
    organizations = client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    scp = organizations.create_policy(
        Name="deny-leave", Description="stay", Type="SERVICE_CONTROL_POLICY",
        Content=_policy({"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                         "Resource": "*"}))["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=scp, TargetId=organizations.list_roots()[
        "Roots"][0]["Id"])
    return {"role": role["Arn"], "profile": profile["Arn"], "instance": instance,
            "template": template, "group": group, "secret": secret, "key": key, "scp": scp,
            "database": database, "aurora": aurora, "database_group": database_group,
            "cache": cache, "domain": domain}


@pytest.fixture(scope="module")
def read_back(moto_url: str, session: boto3.Session, account: dict[str, str]
              ) -> tuple[Documents, list[CallRead], AwsAccountReader]:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    events: list[CallRead] = []
    return list(reader.documents(events.append)), events, reader


def _only(documents: Documents, source: str) -> dict[str, Any]:
    found = [document for label, document in documents if label == source]
    assert len(found) == 1, f"{source}: {len(found)} documents"
    return found[0]


def _all(documents: Documents, source: str) -> list[dict[str, Any]]:
    return [document for label, document in documents if label == source]


# What the documents hold ---------------------------------------------------------------


def test_iam_documents_are_the_cli_shapes(read_back: Any, account: dict[str, str]) -> None:
    documents = read_back[0]
    details = _all(documents, "aws:iam get-account-authorization-details")
    roles = {role["RoleName"]: role for page in details for role in page["RoleDetailList"]}
    assert {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"} <= set(
        details[0])
    node = roles["eks-node"]
    assert node["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}
    assert [p["PolicyArn"] for p in node["AttachedManagedPolicies"]] == [NODE_POLICY]
    assert [p["Arn"] for p in node["InstanceProfileList"]] == [account["profile"]]
    assert "deployer" in {u["UserName"] for page in details for u in page["UserDetailList"]}
    # The AWS managed policies principals use (attached, or a boundary): those only.
    managed = _only(documents, "aws:iam get-policy-version")
    by_arn = {policy["Arn"]: policy for policy in managed["Policies"]}
    assert set(by_arn) == {NODE_POLICY, BOUNDARY}
    version = by_arn[NODE_POLICY]["PolicyVersionList"][0]
    assert version["IsDefaultVersion"] is True
    assert version["VersionId"] == by_arn[NODE_POLICY]["DefaultVersionId"]
    assert "ec2:DescribeInstances" in json.dumps(version["Document"])


def test_ec2_and_eks_documents(read_back: Any, account: dict[str, str]) -> None:
    documents = read_back[0]
    reservations = _only(documents, f"aws:ec2 describe-instances {REGION}")["Reservations"]
    instance = reservations[0]["Instances"][0]
    assert reservations[0]["OwnerId"] == ACCOUNT
    assert instance["InstanceId"] == account["instance"]
    assert instance["MetadataOptions"]["HttpTokens"] == "optional"
    assert instance["IamInstanceProfile"]["Arn"] == account["profile"]
    groups = _only(documents, f"aws:ec2 describe-security-groups {REGION}")["SecurityGroups"]
    assert account["group"] in {g["GroupId"] for g in groups}
    cluster = _only(documents, f"aws:eks describe-cluster {REGION}")["cluster"]
    assert cluster["name"] == "prod" and cluster["identity"]["oidc"]["issuer"].startswith(
        "https://oidc.eks.")
    nodegroup = _only(documents, f"aws:eks describe-nodegroup {REGION}")["nodegroup"]
    assert nodegroup["nodeRole"] == account["role"]
    assert nodegroup["launchTemplate"]["id"] == account["template"]
    # Only the launch templates node groups use are read.
    versions = _only(documents, f"aws:ec2 describe-launch-template-versions {REGION}")
    data = versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "optional"
    assert {v["LaunchTemplateId"] for v in versions["LaunchTemplateVersions"]} == {
        account["template"]}


def test_data_store_documents(read_back: Any, account: dict[str, str]) -> None:
    documents = read_back[0]
    secrets = _only(documents, f"aws:secretsmanager list-secrets {REGION}")["SecretList"]
    assert [s["ARN"] for s in secrets] == [account["secret"]]
    policy = _only(documents, f"aws:secretsmanager get-resource-policy {REGION}")
    assert policy["ARN"] == account["secret"] and "ResourcePolicy" in policy
    parameters = _only(documents, f"aws:ssm describe-parameters {REGION}")["Parameters"]
    assert [(p["Name"], p["Type"], p["ARN"]) for p in parameters] == [
        ("/app/db", "SecureString", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db")]
    buckets = _only(documents, "aws:s3 list-buckets")["Buckets"]
    assert {b["Name"] for b in buckets} == {"data-bucket", "logs-bucket"}
    # One bucket policy: logs-bucket has none, which is not a problem.
    bucket_policy = _only(documents, "aws:s3 get-bucket-policy")
    assert bucket_policy["Bucket"] == "data-bucket"
    assert json.loads(bucket_policy["Policy"])["Statement"][0]["Action"] == "s3:GetObject"
    assert [k["KeyId"] for k in _only(documents, f"aws:kms list-keys {REGION}")["Keys"]] == [
        account["key"]]
    key_policy = _only(documents, f"aws:kms get-key-policy {REGION}")
    assert key_policy["KeyId"] == account["key"] and "Statement" in key_policy["Policy"]
    repository = _only(documents, f"aws:ecr get-repository-policy {REGION}")
    assert repository["repositoryName"] == "app" and "policyText" in repository


def test_rds_documents(read_back: Any, account: dict[str, str]) -> None:
    documents = read_back[0]
    [instance] = _only(documents, f"aws:rds describe-db-instances {REGION}")["DBInstances"]
    assert instance["DBInstanceArn"] == account["database"]
    assert instance["Endpoint"]["Port"] == 5432 and instance["PubliclyAccessible"] is False
    assert [g["VpcSecurityGroupId"] for g in instance["VpcSecurityGroups"]] == [
        account["database_group"]]
    [cluster] = _only(documents, f"aws:rds describe-db-clusters {REGION}")["DBClusters"]
    assert cluster["DBClusterArn"] == account["aurora"]
    assert isinstance(cluster["Endpoint"], str)


def test_network_documents(read_back: Any, account: dict[str, str]) -> None:
    documents = read_back[0]
    vpcs = _only(documents, f"aws:ec2 describe-vpcs {REGION}")["Vpcs"]
    assert vpcs and all(v["VpcId"].startswith("vpc-") for v in vpcs)
    [cache] = _only(documents, f"aws:elasticache describe-cache-clusters {REGION}")[
        "CacheClusters"]
    assert cache["ARN"] == account["cache"] and cache["Engine"] == "redis"
    [domain] = _only(documents, f"aws:opensearch describe-domains {REGION}")["DomainStatusList"]
    assert domain["ARN"] == account["domain"]
    assert domain["VPCOptions"]["SecurityGroupIds"] == [account["database_group"]]


def test_scps_name_the_account_they_reach_through_the_root(read_back: Any,
                                                           account: dict[str, str]) -> None:
    scps = {d["Policy"]["PolicySummary"]["Id"]: d
            for d in _all(read_back[0], "aws:organizations describe-policy")}
    assert account["scp"] in scps
    targets = scps[account["scp"]]["Targets"]
    assert targets[0].startswith("r-") and ACCOUNT in targets


def test_documents_are_json_and_hold_no_secret_value(read_back: Any) -> None:
    text = json.dumps(read_back[0])  # raises on a datetime left in
    details = _only(read_back[0], "aws:iam get-account-authorization-details")
    assert isinstance(details["RoleDetailList"][0]["CreateDate"], str)
    assert SECRET_VALUE not in text and PARAMETER_VALUE not in text
    assert "ResponseMetadata" not in text and "IsTruncated" not in text


def test_what_moto_lacks_is_a_problem_and_the_rest_is_read(read_back: Any) -> None:
    documents, _, reader = read_back
    sources = {problem.source for problem in reader.problems}
    assert sources == {f"aws:eks list-pod-identity-associations {REGION}",
                       f"aws:eks list-access-entries {REGION}", f"aws:eks list-addons {REGION}",
                       f"aws:elasticache describe-serverless-caches {REGION}"}
    assert all("continues without them" in p.message for p in reader.problems)
    assert _only(documents, "aws:sts get-caller-identity")["Account"] == ACCOUNT


def test_every_operation_ends_with_one_done_event(read_back: Any) -> None:
    events: list[CallRead] = read_back[1]
    done = [(e.service, e.operation, e.region) for e in events if e.done]
    assert len(done) == len(set(done))
    assert {(e.service, e.operation, e.region) for e in events} == set(done)
    last = {(e.service, e.operation, e.region): e for e in events}
    assert last["ec2", "describe-instances", REGION].items == 1
    assert last["iam", "get-account-authorization-details", None].error is None
    assert last["eks", "list-access-entries", REGION].error.startswith("404")  # type: ignore[union-attr]


def test_read_fills_the_aws_inventory(moto_url: str, session: boto3.Session,
                                      account: dict[str, str]) -> None:
    parsed = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session).read()
    assert not [p for p in parsed.problems if "does not read" in p.message]
    aws = parsed.inventory().aws
    role = aws.role(account["role"])
    assert role is not None and role.assume_role_policy_document is not None
    assert role.assume_role_policy_document["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}
    assert [source for source, _ in aws.identity_policies(role)] == [NODE_POLICY]
    assert [r.arn for r in aws.roles_of_profile(account["profile"])] == [account["role"]]
    instance = aws.instances[0]
    assert instance.metadata_options is not None
    assert instance.metadata_options.http_tokens == "optional"
    assert instance.arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{account['instance']}"
    template = aws.launch_template(account["template"], "1")
    assert template is not None and template.launch_template_data.metadata_options is not None
    assert template.launch_template_data.metadata_options.http_tokens == "optional"
    buckets = {bucket.name: bucket.policy for bucket in aws.buckets}
    assert buckets["logs-bucket"] is None
    assert buckets["data-bucket"] is not None
    assert buckets["data-bucket"]["Statement"][0]["Resource"] == "arn:aws:s3:::data-bucket/*"
    assert aws.kms_keys[0].policy is not None and aws.secrets[0].resource_policy is not None
    assert aws.repositories[0].policy is not None
    assert [p.arn for p in aws.parameters] == [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db"]
    assert aws.cluster is not None and aws.cluster.name == "prod"
    databases = {d.arn: d for d in aws.databases}
    database, aurora = databases[account["database"]], databases[account["aurora"]]
    assert (database.kind, database.identifier, database.engine, database.port,
            database.publicly_accessible) == ("instance", "payments-db", "postgres", 5432, False)
    assert database.endpoint and database.security_group_ids == [account["database_group"]]
    assert (aurora.kind, aurora.identifier, aurora.engine) == (
        "cluster", "ledger", "aurora-postgresql")
    assert aurora.endpoint and aurora.security_group_ids == [account["database_group"]]
    assert "organizations:LeaveOrganization" in json.dumps(aws.scps_for(ACCOUNT))
    assert ACCOUNT in aws.accounts


def test_clients_retry_adaptively(moto_url: str, session: boto3.Session) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    for service, region in (("ec2", REGION), ("iam", None)):
        retries = reader.client(service, region).meta.config.retries  # type: ignore[attr-defined]
        assert retries == {"mode": "adaptive", "total_max_attempts": 11}
    assert reader.client("eks", REGION) is reader.client("eks", REGION)


# What moto lacks, and refusals: the reader's own clients, stubbed ----------------------

CLUSTER = "stubbed"
ENTRY_DENIED = f"arn:aws:iam::{ACCOUNT}:role/denied-entry"
ENTRY_READ = f"arn:aws:iam::{ACCOUNT}:role/platform"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def _association(number: int, described: bool) -> dict[str, Any]:
    found = {"clusterName": CLUSTER, "namespace": "apps", "serviceAccount": f"sa-{number}",
             "associationArn": f"arn:aws:eks:{REGION}:{ACCOUNT}:podidentityassociation/"
                               f"{CLUSTER}/a-{number}", "associationId": f"a-{number}"}
    return {**found, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/app-{number}"} if described \
        else found


def _stub_eks(stubber: Stubber) -> None:
    """One cluster: Pod Identity listed over two pages; one access entry that may not be
    described (its access policies still can be) and one that may."""
    cluster_arn = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"
    on_cluster = {"clusterName": CLUSTER}
    stubber.add_response("list_clusters", {"clusters": [CLUSTER]}, {})
    stubber.add_response("describe_cluster", {"cluster": {
        "name": CLUSTER, "arn": cluster_arn, "accessConfig": {"authenticationMode": "API"}}},
        {"name": CLUSTER})
    stubber.add_response("list_nodegroups", {"nodegroups": []}, on_cluster)
    stubber.add_response("list_pod_identity_associations", {
        "associations": [_association(1, False)], "nextToken": "page-2"}, on_cluster)
    stubber.add_response("list_pod_identity_associations", {
        "associations": [_association(2, False)]}, {**on_cluster, "nextToken": "page-2"})
    for number in (1, 2):
        stubber.add_response("describe_pod_identity_association", {
            "association": _association(number, True)},
            {**on_cluster, "associationId": f"a-{number}"})
    stubber.add_response("list_addons", {"addons": ["vpc-cni"]}, on_cluster)
    stubber.add_response("describe_addon", {"addon": {
        "addonName": "vpc-cni", "clusterName": CLUSTER, "addonVersion": "v1.18.3-eksbuild.1",
        "addonArn": f"arn:aws:eks:{REGION}:{ACCOUNT}:addon/{CLUSTER}/vpc-cni/1",
        "configurationValues": '{"enableNetworkPolicy": "true"}'}},
        {**on_cluster, "addonName": "vpc-cni"})
    stubber.add_response("list_access_entries", {
        "accessEntries": [ENTRY_DENIED, ENTRY_READ]}, on_cluster)
    stubber.add_client_error("describe_access_entry", "AccessDeniedException",
                             "not authorized to perform eks:DescribeAccessEntry", 403,
                             expected_params={**on_cluster, "principalArn": ENTRY_DENIED})
    stubber.add_response("list_associated_access_policies", {
        "clusterName": CLUSTER, "principalArn": ENTRY_DENIED, "associatedAccessPolicies": [
            {"policyArn": ADMIN_POLICY, "accessScope": {"type": "cluster"}}]},
        {**on_cluster, "principalArn": ENTRY_DENIED})
    stubber.add_response("describe_access_entry", {"accessEntry": {
        "clusterName": CLUSTER, "principalArn": ENTRY_READ, "kubernetesGroups": ["platform"],
        "type": "STANDARD"}}, {**on_cluster, "principalArn": ENTRY_READ})
    stubber.add_response("list_associated_access_policies", {
        "clusterName": CLUSTER, "principalArn": ENTRY_READ, "associatedAccessPolicies": []},
        {**on_cluster, "principalArn": ENTRY_READ})


def test_eks_identity_apis_paginated_and_one_refusal(moto_url: str, session: boto3.Session,
                                                      account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    events: list[CallRead] = []
    with Stubber(reader.client("eks", REGION)) as stubber:
        _stub_eks(stubber)
        parsed = reader.read(events.append)
        stubber.assert_no_pending_responses()
    assert [(p.source, p.message) for p in parsed.problems if p.source.startswith("aws:eks")
            ] == [(
        f"aws:eks describe-access-entry {REGION}",
        f"access denied (AccessDeniedException): EKS access entries (1 of 2 calls: "
        f"{CLUSTER}/{ENTRY_DENIED}) not read; grant eks:DescribeAccessEntry to read them — "
        "analysis continues without them")]
    listed = [e for e in events if e.operation == "list-pod-identity-associations"]
    assert listed == [CallRead("eks", "list-pod-identity-associations", REGION, 1, False),
                      CallRead("eks", "list-pod-identity-associations", REGION, 2, False),
                      CallRead("eks", "list-pod-identity-associations", REGION, 2, True)]
    refused = next(e for e in events if e.operation == "describe-access-entry" and e.done)
    assert refused.error is not None and refused.error.startswith("AccessDeniedException")
    aws = parsed.inventory().aws
    assert sorted((a.service_account, a.role_arn) for a in aws.pod_identity_associations) == [
        ("sa-1", f"arn:aws:iam::{ACCOUNT}:role/app-1"),
        ("sa-2", f"arn:aws:iam::{ACCOUNT}:role/app-2")]
    entries = {e.principal_arn: e for e in aws.access_entries}
    assert [p.policy_arn for p in entries[ENTRY_DENIED].access_policies] == [ADMIN_POLICY]
    assert entries[ENTRY_READ].kubernetes_groups == ["platform"]
    assert aws.cluster is not None and not aws.cluster.reads_aws_auth
    assert [(a.addon_name, a.configuration_values) for a in aws.addons] == [
        ("vpc-cni", '{"enableNetworkPolicy": "true"}')]
    # The other services were still read from moto.
    assert aws.role(account["role"]) is not None and aws.buckets


def _stub_endpoints(cache: Stubber, search: Stubber, warehouse: Stubber) -> None:
    """Cache clusters over two pages, a refused serverless listing, seven domains (two
    describe calls, the second refused) and one Redshift cluster."""
    def cluster(name: str) -> dict[str, Any]:
        return {"CacheClusterId": name, "Engine": "redis",
                "ARN": f"arn:aws:elasticache:{REGION}:{ACCOUNT}:cluster:{name}",
                "SecurityGroups": [{"SecurityGroupId": "sg-cache", "Status": "active"}],
                "CacheNodes": [{"CacheNodeId": "0001", "Endpoint": {
                    "Address": f"{name}.cache.example", "Port": 6379}}]}

    cache.add_response("describe_cache_clusters", {
        "CacheClusters": [cluster("a")], "Marker": "page-2"}, {"ShowCacheNodeInfo": True})
    cache.add_response("describe_cache_clusters", {"CacheClusters": [cluster("b")]},
                       {"ShowCacheNodeInfo": True, "Marker": "page-2"})
    cache.add_client_error("describe_serverless_caches", "AccessDenied", "denied", 403)
    names = [f"logs-{n}" for n in range(7)]
    search.add_response("list_domain_names", {"DomainNames": [
        {"DomainName": n, "EngineType": "OpenSearch"} for n in names]}, {})
    search.add_response("describe_domains", {"DomainStatusList": [
        {"DomainId": f"{ACCOUNT}/{n}", "DomainName": n, "ClusterConfig": {},
         "ARN": f"arn:aws:es:{REGION}:{ACCOUNT}:domain/{n}",
         "VPCOptions": {"VPCId": "vpc-main", "SecurityGroupIds": ["sg-search"]}}
        for n in names[:5]]}, {"DomainNames": names[:5]})
    search.add_client_error("describe_domains", "AccessDeniedException", "denied", 403,
                            expected_params={"DomainNames": names[5:]})
    warehouse.add_response("describe_clusters", {"Clusters": [{
        "ClusterIdentifier": "warehouse", "VpcId": "vpc-main",
        "ClusterNamespaceArn": f"arn:aws:redshift:{REGION}:{ACCOUNT}:namespace:0a1b",
        "Endpoint": {"Address": "warehouse.example", "Port": 5439},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-warehouse", "Status": "active"}]}]},
        {})


def test_endpoints_paginated_batched_and_refused(moto_url: str, session: boto3.Session,
                                                 account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    with Stubber(reader.client("elasticache", REGION)) as cache, \
            Stubber(reader.client("opensearch", REGION)) as search, \
            Stubber(reader.client("redshift", REGION)) as warehouse:
        _stub_endpoints(cache, search, warehouse)
        stream = io.StringIO()
        write_aws_snapshot(reader, stream)
        for stubber in (cache, search, warehouse):
            stubber.assert_no_pending_responses()
    loaded = ParsedObjects()
    parse_aws_snapshot(json.loads(stream.getvalue()), "snapshot.json", loaded)
    arns = sorted(e.arn for e in loaded.inventory().aws.endpoints)
    assert arns == [f"arn:aws:elasticache:{REGION}:{ACCOUNT}:cluster:{n}" for n in "ab"] + [
        f"arn:aws:es:{REGION}:{ACCOUNT}:domain/logs-{n}" for n in range(5)] + [
        f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:warehouse"]
    refused = {p.source: p.message for p in reader.problems
               if "elasticache" in p.source or "opensearch" in p.source}
    assert refused == {
        f"aws:elasticache describe-serverless-caches {REGION}":
            "access denied (AccessDenied): ElastiCache serverless caches not read; grant "
            "elasticache:DescribeServerlessCaches to read them — analysis continues without them",
        f"aws:opensearch describe-domains {REGION}":
            "access denied (AccessDeniedException): OpenSearch domains (1 of 2 calls: logs-5, "
            "logs-6) not read; grant es:DescribeDomains to read them — analysis continues "
            "without them"}


def test_refusals_of_many_calls_fold_into_one_problem(moto_url: str, session: boto3.Session,
                                                      account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    with Stubber(reader.client("s3")) as stubber:
        stubber.add_response("list_buckets", {"Buckets": [
            {"Name": name} for name in ("logs", "assets", "archive")]})
        stubber.add_client_error("get_bucket_policy", "AccessDenied", "denied", 403,
                                 expected_params={"Bucket": "logs"})
        stubber.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "none", 404,
                                 expected_params={"Bucket": "assets"})
        stubber.add_client_error("get_bucket_policy", "AccessDenied", "denied", 403,
                                 expected_params={"Bucket": "archive"})
        documents = list(reader.documents())
        stubber.assert_no_pending_responses()
    assert not _all(documents, "aws:s3 get-bucket-policy")
    s3_problems = [p.message for p in reader.problems if p.source.startswith("aws:s3")]
    assert s3_problems == [
        "access denied (AccessDenied): bucket policies (2 of 3 calls: logs, archive) not "
        "read; grant s3:GetBucketPolicy to read them — analysis continues without them"]


def test_a_refused_list_names_the_iam_action_to_grant(moto_url: str,
                                                      session: boto3.Session) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    with Stubber(reader.client("s3")) as stubber:
        stubber.add_client_error("list_buckets", "AccessDenied", "denied", 403)
        documents = list(reader.documents())
    assert not _all(documents, "aws:s3 list-buckets")
    assert [p.message for p in reader.problems if p.source == "aws:s3 list-buckets"] == [
        "access denied (AccessDenied): S3 buckets not read; grant s3:ListAllMyBuckets to "
        "read them — analysis continues without them"]


# Credentials and regions ---------------------------------------------------------------


def test_expired_credentials_end_the_read(moto_url: str, session: boto3.Session) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    with Stubber(reader.client("sts")) as stubber:
        stubber.add_client_error("get_caller_identity", "ExpiredToken",
                                 "The security token included in the request is expired")
        with pytest.raises(InputError, match=r"AWS refused the credentials of default AWS "
                           r"credentials, us-east-1 \(ExpiredToken.*aws sso login"):
            list(reader.documents())


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials or profiles anywhere boto3 looks (and no instance metadata)."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_aws_config")
def test_no_credentials_is_an_input_error(moto_url: str) -> None:
    reader = AwsAccountReader(AwsTarget(regions=(REGION,), endpoint_url=moto_url))
    with pytest.raises(InputError, match=r"no usable AWS credentials for default AWS "
                       r"credentials, us-east-1 \(Unable to locate credentials.*--aws-profile"):
        list(reader.documents())


@pytest.mark.usefixtures("no_aws_config")
def test_profile_and_region_must_exist() -> None:
    with pytest.raises(InputError, match=r"AWS profile 'prod' is not configured.*`aws "
                       r"configure --profile prod`"):
        AwsAccountReader(AwsTarget(profile="prod"))
    with pytest.raises(InputError, match="no AWS region to read: pass --region"):
        AwsAccountReader(AwsTarget())
    with pytest.raises(InputError, match="unknown AWS region eu-west-9: check --region"):
        AwsAccountReader(AwsTarget(regions=("eu-west-1", "eu-west-9")))
    reader = AwsAccountReader(AwsTarget(regions=("eu-west-1", "us-east-1", "eu-west-1")))
    assert reader.label == "default AWS credentials, eu-west-1, us-east-1"
    assert reader.regions == ("eu-west-1", "us-east-1")


# Snapshots -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory, moto_url: str,
             session: boto3.Session, account: dict[str, str]) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("aws") / "account.json"
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    return path, write_aws_snapshot(reader, path)


def _summary(aws: AwsInventory) -> dict[str, Any]:
    aws.finish()
    return {"roles": sorted(r.arn for r in aws.roles),
            "policies": sorted(p.arn for p in aws.managed_policies),
            "instances": [i.model_dump() for i in aws.instances],
            "buckets": sorted((b.name, json.dumps(b.policy)) for b in aws.buckets),
            "keys": [k.model_dump() for k in aws.kms_keys],
            "secrets": [s.model_dump() for s in aws.secrets],
            "databases": [d.model_dump() for d in aws.databases],
            "endpoints": [e.model_dump() for e in aws.endpoints],
            "vpcs": [v.model_dump() for v in aws.vpcs],
            "clusters": [c.name for c in aws.clusters], "scps": len(aws.scps)}


def test_snapshot_holds_what_a_read_sees(snapshot: tuple[Path, int], moto_url: str,
                                         session: boto3.Session) -> None:
    path, count = snapshot
    text = path.read_text()
    assert SECRET_VALUE not in text and PARAMETER_VALUE not in text
    header = json.loads(text)
    assert header[AWS_SNAPSHOT_KEY] == 1 and header["account"] == ACCOUNT
    assert header["regions"] == [REGION] and len(header["documents"]) == count
    assert {p["source"] for p in header["problems"]} == {
        f"aws:eks list-pod-identity-associations {REGION}",
        f"aws:eks list-access-entries {REGION}", f"aws:eks list-addons {REGION}",
        f"aws:elasticache describe-serverless-caches {REGION}"}
    loaded = ParsedObjects()
    parse_aws_snapshot(header, str(path), loaded)
    live = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session).read()
    assert _summary(loaded.aws) == _summary(live.aws)
    assert sorted(p.source for p in loaded.problems) == sorted(p.source for p in live.problems)


def test_snapshot_loads_like_any_input_file(snapshot: tuple[Path, int]) -> None:
    path, _ = snapshot
    parsed = read_k8s([path])
    assert parsed.aws.roles and parsed.aws.instances
    assert any(p.source == f"aws:eks list-access-entries {REGION}" for p in parsed.problems)


def test_snapshot_versions_and_bad_entries() -> None:
    out = ParsedObjects()
    with pytest.raises(InputError, match=r"old\.json: AWS snapshot version 2 is newer"):
        parse_aws_snapshot({AWS_SNAPSHOT_KEY: 2, "documents": []}, "old.json", out)
    with pytest.raises(InputError, match=r"x\.json: 'riskgraph_aws_snapshot' should be a "
                       r"format version"):
        parse_aws_snapshot({AWS_SNAPSHOT_KEY: "1"}, "x.json", out)
    parse_aws_snapshot({AWS_SNAPSHOT_KEY: 1, "problems": [
        {"source": "aws:kms list-keys eu-west-1", "message": "denied"}], "documents": [
        {"source": "aws:sts get-caller-identity", "document": {
            "UserId": "AIDA", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:"
                                                                 "user/me"}},
        "not an entry",
        {"source": "aws:ec2 describe-subnets", "document": {"Subnets": []}}]}, "s.json", out)
    assert out.aws.known_accounts == {"111122223333"}
    assert [(p.source, p.message) for p in out.problems] == [
        ("aws:kms list-keys eu-west-1", "denied"),
        ("s.json", "documents[1] is not a {source, document} object; skipped"),
        ("s.json [aws:ec2 describe-subnets]",
         "AWS response riskgraph does not read (keys: Subnets); skipped")]


def test_snapshot_to_a_stream_and_no_file_when_the_read_fails(
        moto_url: str, session: boto3.Session, tmp_path: Path) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    path = tmp_path / "never.json"
    with Stubber(reader.client("sts")) as stubber:
        stubber.add_client_error("get_caller_identity", "InvalidClientTokenId", "bad key")
        with pytest.raises(InputError, match="InvalidClientTokenId"):
            write_aws_snapshot(reader, path)
    assert not path.exists()
    stream = io.StringIO()
    with Stubber(reader.client("sts")) as stubber:
        stubber.add_response("get_caller_identity", {
            "UserId": "AIDA", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/me"})
        count = write_aws_snapshot(reader, stream)
    assert count == len(json.loads(stream.getvalue())["documents"]) > 10


@pytest.mark.usefixtures("no_aws_config", "account")
def test_cli_snapshot_then_analyse_offline_and_live(
        moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`riskgraph snapshot aws --profile P` and `paths --aws-profile P`, through a real
    profile whose endpoint is the moto server (boto3 reads `endpoint_url` from the config)."""
    from riskgraph.cli import main

    (tmp_path / "config").write_text(
        f"[profile moto]\nregion = {REGION}\nendpoint_url = {moto_url}\n")
    (tmp_path / "credentials").write_text(
        "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    snapshot = tmp_path / "account.json"
    assert main(["snapshot", "aws", "--profile", "moto", "-o", str(snapshot)]) == 0
    err = capsys.readouterr().err
    assert "reading the AWS account of profile moto" in err
    assert "aws iam get-account-authorization-details" in err and "wrote" in err
    assert main(["graph", "--aws", str(snapshot), "-q"]) == 0
    offline = json.loads(capsys.readouterr().out)
    assert main(["graph", "--aws-profile", "moto", "-q"]) == 0
    live = json.loads(capsys.readouterr().out)
    roles = {n["id"] for n in offline["nodes"] if n.get("kind") == "IAMRole"}
    assert roles and roles == {n["id"] for n in live["nodes"] if n.get("kind") == "IAMRole"}
    assert any(n["id"].startswith("aws:Admin:") for n in offline["nodes"])
