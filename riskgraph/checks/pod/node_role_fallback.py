"""pod.node-role-fallback: a pod without IRSA or Pod Identity falls back to the node's role.

The AWS SDKs' default credential chain ends at the instance metadata service, so a pod whose
service account has neither an ``eks.amazonaws.com/role-arn`` annotation nor an EKS Pod
Identity association acts with the node's IAM role whenever metadata answers it (IMDSv1,
a hop limit above 1, or ``hostNetwork``: read from the launch template or instance). Whether
the application calls AWS at all is not in the input, so the finding is ``likely``.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.checks._common import owner_of
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques._shared.aws_nodes import imds_reach, place_roles, role_name
from riskgraph.techniques._shared.common import evidence, namespace_of

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


def find(inv: Inventory) -> Iterator[Finding]:
    roles = place_roles(inv)
    if not roles:
        return
    own = {(sa.metadata.namespace or "default", sa.name) for sa in inv.service_accounts
           if sa.metadata.annotations.get(IRSA_ANNOTATION)}
    own |= {(a.namespace, a.service_account) for a in inv.aws.pod_identity_associations}
    seen: set[str] = set()
    for pod in inv.pods:
        account = pod.spec.effective_service_account
        owner = owner_of(pod)
        if (namespace_of(pod), account) in own or owner in seen:
            continue
        reached = sorted({(role_name(r.arn), proof) for place in inv.placements(pod)
                          for r in roles.get(place.target, ())
                          if (verdict := imds_reach(r, pod.spec.host_network)) is not None
                          for proof in verdict[1].evidence[:1]})
        if reached:
            seen.add(owner)
            yield Finding(owner, f"service account {account} has neither IRSA nor Pod "
                          "Identity, so AWS SDK calls fall back to node role "
                          + ", ".join(sorted({name for name, _ in reached})),
                          (evidence(pod, "serviceAccountName", account),
                           *(proof for _, proof in reached)), "likely")


_ESTATE = """
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
  annotations: {%s}
---
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  serviceAccountName: api
  containers:
  - {name: a, image: api}
---
{"nodegroup": {"nodegroupName": "general", "clusterName": "prod",
  "nodeRole": "arn:aws:iam::111122223333:role/node",
  "launchTemplate": {"id": "lt-0abc", "version": "3"}}}
---
{"LaunchTemplateVersions": [{"LaunchTemplateId": "lt-0abc", "VersionNumber": 3,
  "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "optional",
                                             "HttpPutResponseHopLimit": 2}}}]}
"""

CHECK = Check(
    id="pod.node-role-fallback",
    title="Pod without IRSA or Pod Identity falls back to the node role",
    severity="medium",
    remediation="Give the workload's service account its own role (IRSA annotation or an "
                "EKS Pod Identity association) and require IMDSv2 with hop limit 1.",
    find=find,
    examples=(
        Example("no own role, metadata open", _ESTATE % "",
                frozenset({"k8s:Pod:shop/api"})),
        Example("IRSA", _ESTATE % "eks.amazonaws.com/role-arn: "
                "'arn:aws:iam::111122223333:role/api'"),
    ),
)
