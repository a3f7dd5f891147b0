"""What riskgraph reads for IAM escalation beyond the principals (see ``ingest.aws_live``):
the IAM credential report, and per region the resources that run with a role.

The credential report is made on demand: ``iam generate-credential-report`` (an IAM read
action) starts it and says when it is complete; ``get-credential-report`` then returns the
CSV, which boto3 decodes and the document re-encodes in base64 as the CLI prints it.
"""

from __future__ import annotations

import base64
import time

from ingest._aws_calls import Calls
from ingest._aws_reads import Documents

#: Seconds to wait between asking whether the credential report is ready (doubling).
REPORT_WAIT = 0.5
_REPORT_ASKS = 6


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
