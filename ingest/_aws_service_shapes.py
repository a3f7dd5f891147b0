"""The handlers of the AWS CLI outputs read for IAM escalation beyond the principals: the
IAM credential report, and the resources that run with a role (Lambda functions,
CloudFormation stacks, CodeBuild projects, Auto Scaling groups and launch configurations).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from typing import Any

from ingest._aws_document import AwsDocument
from riskgraph.models.aws import CodeBuildProject, UserCredentials

_REPORT_COLUMNS = ("user", "arn", "password_enabled")
_NO_DATE = ("", "N/A", "not_supported", "no_information")


def _report_text(d: AwsDocument, value: Any) -> str | None:
    content = d.doc.get("Content")
    if value != "text/csv":
        d.problem(f"ReportFormat is {value!r}, not text/csv; skipped", "IAM credential report")
        return None
    try:
        if isinstance(content, bytes):
            return content.decode()
        if isinstance(content, str):
            return base64.b64decode("".join(content.split()), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        d.problem(f"Content: not base64 of a CSV text ({error}); skipped",
                  "IAM credential report")
        return None
    d.problem("Content: missing or not a string; skipped", "IAM credential report")
    return None


def _keys(row: dict[str, str]) -> int:
    """Access keys the user holds: a key slot counts when active or ever rotated."""
    return sum(1 for n in (1, 2) if row.get(f"access_key_{n}_active") == "true"
               or row.get(f"access_key_{n}_last_rotated", "N/A") not in _NO_DATE)


def credential_report(d: AwsDocument, key: str, value: Any) -> bool:
    """``iam get-credential-report``: ``Content`` is the CSV report, base64-encoded."""
    text = _report_text(d, value)
    if text is None:
        return True
    rows = csv.DictReader(io.StringIO(text))
    missing = [c for c in _REPORT_COLUMNS if c not in (rows.fieldnames or ())]
    if missing:
        d.problem(f"Content: the CSV lacks the columns {', '.join(missing)}; skipped",
                  "IAM credential report")
        return True
    for index, row in enumerate(rows):
        enabled = row["password_enabled"]
        item = d.model(UserCredentials, {
            "Arn": row["arn"], "User": row["user"],
            "PasswordEnabled": None if enabled == "not_supported" else enabled,
            "AccessKeys": _keys(row)}, f"Content line {index + 2}",
            f"credential report row of {row['user'] or index + 2}")
        if item is not None and item.password_enabled is not None:
            d.out.credential_reports.append(item)
    return True


def build_projects(d: AwsDocument, key: str, value: Any) -> bool:
    """``codebuild batch-get-projects``; ``list-projects`` holds names only."""
    items = d.items(key, value)
    if items and all(isinstance(item, str) for item in items):
        d.problem("projects: names only (codebuild list-projects); skipped: give "
                  "batch-get-projects --names ... output", "CodeBuild projects")
        return True
    for index, data in enumerate(items):
        where = f"{key}[{index}]"
        name = data.get("name") if isinstance(data, dict) else None
        project = d.model(CodeBuildProject, data, where, f"CodeBuild project {name or where}")
        if project is not None:
            d.out.build_projects.append(project)
    return True


def organization(d: AwsDocument, key: str, value: Any) -> bool:
    """``organizations describe-organization``: the organization id (``aws:PrincipalOrgID``
    of its accounts) and its management account."""
    org_id = value.get("Id") if isinstance(value, dict) else None
    if not isinstance(org_id, str) or not org_id.startswith("o-"):
        d.problem("Organization.Id: missing or not an organization id; skipped",
                  "organization")
        return True
    d.out.organization_id = org_id
    master = value.get("MasterAccountId")
    if isinstance(master, str) and master.isdigit():
        d.out.organization_accounts.add(master)
    return True


def organization_accounts(d: AwsDocument, key: str, value: Any) -> bool:
    """``organizations list-accounts``: the member accounts of the organization; with
    ``"ParentId"`` added (``list-accounts-for-parent``), the unit or root they are in."""
    parent = d.text("ParentId")
    for index, account in enumerate(d.items(key, value)):
        account_id = account.get("Id") if isinstance(account, dict) else None
        if isinstance(account_id, str) and account_id.isdigit():
            d.out.organization_accounts.add(account_id)
            if parent is not None:
                d.out.organization_parents[account_id] = parent
        else:
            d.problem(f"{key}[{index}].Id: not an account id; skipped", "organization account")
    return True


def organizational_units(d: AwsDocument, key: str, value: Any) -> bool:
    """``organizations list-organizational-units-for-parent`` with ``"ParentId"`` added:
    the units under that parent."""
    parent = d.text("ParentId")
    if parent is None:
        d.problem("no ParentId: add the --parent-id given to the call; skipped",
                  "organizational units")
        return True
    for index, unit in enumerate(d.items(key, value)):
        unit_id = unit.get("Id") if isinstance(unit, dict) else None
        if isinstance(unit_id, str) and unit_id.startswith("ou-"):
            d.out.organization_parents[unit_id] = parent
        else:
            d.problem(f"{key}[{index}].Id: not an organizational unit id; skipped",
                      "organizational unit")
    return True
