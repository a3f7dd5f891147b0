"""What riskgraph reads for IAM escalation beyond the principals (see ``ingest.aws_live``):
the IAM credential report, and per region the resources that run with a role.

The credential report is made on demand: ``iam generate-credential-report`` (an IAM read
action) starts it and says when it is complete; ``get-credential-report`` then returns the
CSV, which boto3 decodes and the document re-encodes in base64 as the CLI prints it.

Of the resources that run with a role only the fields that name them and their role are
kept in the documents: a function's environment, a stack's parameters and outputs, and a
project's environment variables may hold secrets, and nothing of them is needed.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable
from typing import Any

from ingest._aws_calls import Calls
from ingest._aws_reads import Documents

#: Seconds to wait between asking whether the credential report is ready (doubling).
REPORT_WAIT = 0.5
_REPORT_ASKS = 6
_PROJECTS_PER_CALL = 100  # batch-get-projects takes at most 100 names


def _kept(items: Iterable[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{key: item[key] for key in keys if key in item} for item in items]


def credential_report(calls: Calls) -> Documents:
    """``iam get-credential-report``: who has a console password and access keys."""
    about = "the IAM credential report (console passwords, access keys)"
    generate = calls.operation("iam", "generate_credential_report", None, about)
    wait = REPORT_WAIT
    for _ in range(_REPORT_ASKS):
        state = generate.call()
        if state is None:
            return
        if state.get("State") == "COMPLETE":
            break
        time.sleep(wait)
        wait *= 2
    report = calls.operation("iam", "get_credential_report", None, about,
                             ("ReportNotPresent", "ReportInProgress", "ReportExpired"))
    document = report.call()
    if document is None:
        return
    content = document.get("Content")
    if isinstance(content, bytes):
        document["Content"] = base64.b64encode(content).decode("ascii")
    yield report.source, document


def role_runners(calls: Calls, region: str) -> Documents:
    """Lambda functions, CloudFormation stacks, CodeBuild projects and Auto Scaling groups
    of ``region``, each document cut to names and roles."""
    lists = (("lambda", "list_functions", "Functions", "Lambda functions (their roles)",
              ("FunctionName", "FunctionArn", "Role")),
             ("cloudformation", "describe_stacks", "Stacks",
              "CloudFormation stacks (their service roles)",
              ("StackName", "StackId", "RoleARN", "StackStatus")),
             ("autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups",
              "Auto Scaling groups", ("AutoScalingGroupName", "AutoScalingGroupARN")))
    for service, name, key, about, keys in lists:
        operation = calls.operation(service, name, region, about)
        items = operation.items_of(key)
        if items:
            yield operation.source, {key: _kept(items, keys)}
    names = calls.operation("codebuild", "list_projects", region,
                            "CodeBuild projects (their service roles)").items_of("projects")
    batch = calls.operation("codebuild", "batch_get_projects", region,
                            "CodeBuild projects (their service roles)")
    for start in range(0, len(names or ()), _PROJECTS_PER_CALL):
        chunk = (names or [])[start:start + _PROJECTS_PER_CALL]
        found = batch.call(", ".join(chunk[:3]), names=chunk)
        if found is not None and found.get("projects"):
            yield batch.source, {"projects": _kept(found["projects"],
                                                   ("name", "arn", "serviceRole"))}


def organization(calls: Calls) -> Documents:
    """``organizations describe-organization`` and ``list-accounts``: which accounts share
    the organization (``aws:PrincipalOrgID`` in trust and resource policies)."""
    absent = ("AWSOrganizationsNotInUseException",)
    describe = calls.operation("organizations", "describe_organization", None,
                               "the organization", absent)
    found = describe.call()
    if found is None:
        return
    yield describe.source, found
    listing = calls.operation("organizations", "list_accounts", None,
                              "the organization's accounts", absent)
    accounts = listing.items_of("Accounts")
    if accounts:
        yield listing.source, {"Accounts": _kept(accounts, ("Id", "Arn", "Name", "Status"))}
