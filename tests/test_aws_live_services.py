"""Live reads for IAM escalation: the credential report, the organization and the resources
that run with a role, from boto3 against a real moto server on 127.0.0.1; nothing of ours
is mocked. The server runs in its own process: moto servers started in one process share
their state, and tests/test_aws_live.py builds another account in its own."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ingest.aws_live import AwsAccountReader, AwsTarget

REGION = "us-east-1"
_STARTUP_TRIES = 100
SECRET = "never-leaves-aws"  # stored in moto; never in a document or the inventory


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                               "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(_STARTUP_TRIES):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                         region_name=REGION)


def _client(session: boto3.Session, url: str, service: str) -> Any:
    return session.client(service, endpoint_url=url)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def account(moto_url: str, session: boto3.Session) -> dict[str, str]:
    iam = _client(session, moto_url, "iam")
    keyed = iam.create_user(UserName="keyed")["User"]["Arn"]
    iam.create_access_key(UserName="keyed")
    iam.create_access_key(UserName="keyed")
    console = iam.create_user(UserName="console")["User"]["Arn"]
    iam.create_login_profile(UserName="console", Password="Not-a-real-one-1!")
    runner = iam.create_role(RoleName="runner", AssumeRolePolicyDocument=json.dumps({
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
            "Service": ["lambda.amazonaws.com", "cloudformation.amazonaws.com",
                        "codebuild.amazonaws.com"]}}]}))["Role"]["Arn"]
    _client(session, moto_url, "lambda").create_function(
        FunctionName="nightly", Runtime="python3.11", Role=runner, Handler="app.handler",
        Code={"ZipFile": _zip()}, Environment={"Variables": {"TOKEN": SECRET}})
    _client(session, moto_url, "cloudformation").create_stack(
        StackName="network", RoleARN=runner, Parameters=[
            {"ParameterKey": "Password", "ParameterValue": SECRET}],
        TemplateBody=json.dumps({"Parameters": {"Password": {"Type": "String"}},
                                 "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    _client(session, moto_url, "codebuild").create_project(
        name="release", serviceRole=runner, source={"type": "S3", "location": "bucket/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"}, environment={
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": "TOKEN", "value": SECRET}]})
    _client(session, moto_url, "organizations").create_organization(FeatureSet="ALL")
    scaling = _client(session, moto_url, "autoscaling")
    scaling.create_launch_configuration(LaunchConfigurationName="web", ImageId="ami-12345678",
                                        InstanceType="t3.micro")
    scaling.create_auto_scaling_group(AutoScalingGroupName="web", MinSize=0, MaxSize=1,
                                      LaunchConfigurationName="web",
                                      AvailabilityZones=[f"{REGION}a"])
    return {"keyed": keyed, "console": console, "runner": runner}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_credential_report_is_read_into_the_inventory(moto_url: str, session: boto3.Session,
                                                      account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    documents = list(reader.documents())
    reports = [d for source, d in documents if source == "aws:iam get-credential-report"]
    assert len(reports) == 1 and isinstance(reports[0]["Content"], str)
    json.dumps(reports[0])
    parsed = reader.read()
    rows = {row.arn: row for row in parsed.aws.credential_reports}
    assert rows[account["keyed"]].access_keys == 2
    assert rows[account["keyed"]].password_enabled is False
    assert rows[account["console"]].password_enabled is True


def test_a_refused_credential_report_is_one_problem_and_the_rest_is_read(
        moto_url: str, session: boto3.Session, account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    with Stubber(reader.client("iam")) as stub:
        stub.add_response("get_account_authorization_details", {
            "UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
            "Policies": [], "IsTruncated": False})
        stub.add_response("list_open_id_connect_providers", {"OpenIDConnectProviderList": []})
        stub.add_client_error("generate_credential_report", "AccessDenied", "denied", 403)
        sources = [source for source, _ in reader.documents()]
        stub.assert_no_pending_responses()
    assert "aws:iam get-credential-report" not in sources
    assert "aws:s3 list-buckets" in sources
    assert [p.message for p in reader.problems if "credential" in p.source] == [
        "access denied (AccessDenied): the IAM credential report (console passwords, access "
        "keys) not read; grant iam:GenerateCredentialReport to read them — analysis "
        "continues without them"]


def test_resources_that_run_with_a_role_are_read_without_their_secrets(
        moto_url: str, session: boto3.Session, account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session)
    documents = list(reader.documents())
    assert SECRET not in json.dumps(documents)
    parsed = reader.read()
    aws = parsed.aws
    assert [(f.function_name, f.role) for f in aws.functions] == [("nightly", account["runner"])]
    assert [(s.stack_name, s.role_arn) for s in aws.stacks] == [("network", account["runner"])]
    assert [(p.name, p.service_role) for p in aws.build_projects] == [
        ("release", account["runner"])]
    assert [g.auto_scaling_group_name for g in aws.scaling_groups] == ["web"]
    assert not [p for p in reader.problems if p.source.startswith(
        ("aws:lambda", "aws:cloudformation", "aws:codebuild", "aws:autoscaling"))]


def test_the_organization_and_its_accounts_are_read(moto_url: str, session: boto3.Session,
                                                    account: dict[str, str]) -> None:
    parsed = AwsAccountReader(AwsTarget(endpoint_url=moto_url), session).read()
    assert (parsed.aws.organization_id or "").startswith("o-")
    assert "123456789012" in parsed.aws.organization_accounts


def test_a_refused_resource_list_names_the_action_and_the_rest_is_read(
        moto_url: str, session: boto3.Session, account: dict[str, str]) -> None:
    reader = AwsAccountReader(AwsTarget(endpoint_url=moto_url, regions=(REGION,)), session)
    with Stubber(reader.client("lambda", REGION)) as stub:
        stub.add_client_error("list_functions", "AccessDeniedException", "denied", 403)
        parsed = reader.read()
        stub.assert_no_pending_responses()
    assert not parsed.aws.functions
    assert [s.stack_name for s in parsed.aws.stacks] == ["network"]
    assert [p.message for p in reader.problems if p.source.startswith("aws:lambda")] == [
        "access denied (AccessDeniedException): Lambda functions (their roles) not read; "
        "grant lambda:ListFunctions to read them — analysis continues without them"]
