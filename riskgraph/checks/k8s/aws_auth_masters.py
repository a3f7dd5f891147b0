"""k8s.aws-auth-masters: aws-auth maps an IAM identity to ``system:masters``.

``system:masters`` bypasses RBAC: no binding can be removed to narrow it, and it is
invisible in ``kubectl get clusterrolebindings``. The finding names each mapped ARN.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory
from riskgraph.models.k8s import AWS_AUTH

MASTERS = "system:masters"


def find(inv: Inventory) -> Iterator[Finding]:
    masters = [m for m in inv.aws_auth if MASTERS in m.groups]
    if masters:
        config_map = ids.k8s_id("ConfigMap", AWS_AUTH[1], AWS_AUTH[0])
        yield Finding(config_map, "aws-auth maps " + ", ".join(m.arn for m in masters)
                      + f" to {MASTERS}, which bypasses RBAC",
                      tuple(f"{config_map}: data.{m.path}.groups={MASTERS}" for m in masters))


_AWS_AUTH = """
apiVersion: v1
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapUsers: |
    - userarn: arn:aws:iam::111122223333:user/ops
      username: ops
      groups: [%s]
"""

CHECK = Check(
    id="k8s.aws-auth-masters",
    title="aws-auth maps an IAM identity to system:masters",
    severity="high",
    remediation="Map the identity to a group bound to a narrower ClusterRole, or replace "
                "aws-auth with EKS access entries and a scoped access policy.",
    find=find,
    examples=(
        Example("break-glass user in system:masters", _AWS_AUTH % "system:masters",
                frozenset({"k8s:ConfigMap:kube-system/aws-auth"})),
        Example("user in an ordinary group", _AWS_AUTH % "ops-viewers"),
    ),
)
