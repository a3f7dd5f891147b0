"""node.imds-open: a node's instance metadata service answers its pods.

Read from the ``MetadataOptions`` of each launch template version and each EC2 instance:
``HttpTokens: optional`` allows IMDSv1 (no session token, so a request forged through a
proxy or SSRF suffices), and ``HttpPutResponseHopLimit`` above 1 lets the IMDSv2 token
response reach pods behind the node's network namespace. A disabled endpoint passes. The
object is the one the ``pod.imds`` technique names as its fix point, so the path count of
the finding is that of the step it allows.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory
from riskgraph.models.aws.compute import MetadataOptions
from riskgraph.techniques._shared.common import json_value


def _finding(owner: str, path: str, options: MetadataOptions | None) -> Finding | None:
    if options is None or options.http_endpoint == "disabled":
        return None
    reasons, proof = [], []
    if options.http_tokens == "optional":
        reasons.append("IMDSv1 is allowed (HttpTokens optional)")
        proof.append(f"{owner}: {path}.HttpTokens={json_value(options.http_tokens)}")
    hops = options.http_put_response_hop_limit
    if hops is not None and hops > 1:
        reasons.append(f"the hop limit is {hops}, so metadata responses reach pods")
        proof.append(f"{owner}: {path}.HttpPutResponseHopLimit={hops}")
    if not reasons:
        return None
    return Finding(owner, f"{owner}: {' and '.join(reasons)}", tuple(proof))


def find(inv: Inventory) -> Iterator[Finding]:
    for template in inv.aws.launch_templates:
        found = _finding(f"{template.launch_template_id} version {template.version_number}",
                         "LaunchTemplateData.MetadataOptions",
                         template.launch_template_data.metadata_options)
        if found is not None:
            yield found
    for instance in inv.aws.instances:
        found = _finding(instance.arn, "MetadataOptions", instance.metadata_options)
        if found is not None:
            yield found


_TEMPLATE = """
{"LaunchTemplateVersions": [{"LaunchTemplateId": "lt-0abc", "VersionNumber": 3,
  "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "%s",
                                             "HttpPutResponseHopLimit": %d}}}]}
"""

CHECK = Check(
    id="node.imds-open",
    title="Instance metadata answers pods (IMDSv1 or hop limit above 1)",
    severity="high",
    remediation="Set the launch template's MetadataOptions to HttpTokens: required and "
                "HttpPutResponseHopLimit: 1, and give pods IRSA or Pod Identity.",
    find=find,
    examples=(
        Example("IMDSv1 with hop limit 2", _TEMPLATE % ("optional", 2),
                frozenset({"lt-0abc version 3"})),
        Example("IMDSv2 with hop limit 2", _TEMPLATE % ("required", 2),
                frozenset({"lt-0abc version 3"})),
        Example("IMDSv2 with hop limit 1", _TEMPLATE % ("required", 1)),
    ),
)
