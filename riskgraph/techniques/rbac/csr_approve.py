"""rbac.csr-approve: issue oneself a client certificate for group ``system:masters``.

The subject creates a CertificateSigningRequest for signer
``kubernetes.io/kube-apiserver-client`` whose subject names organisation
``system:masters``, approves it, and reads the signed certificate back. That takes, from
one ClusterRoleBinding (all of it is cluster-scoped): create on
certificatesigningrequests, update on certificatesigningrequests/approval, ``approve`` on
``signers`` (group certificates.k8s.io) for that signer (``resourceNames`` empty, the
signer's name, or ``kubernetes.io/*``, the two names the API server checks; a ``*`` in
resourceNames is an ordinary name), and get, list or watch on certificatesigningrequests
to collect the certificate. Likely: a managed control plane (EKS among them) may decline
to sign client certificates. A binding that is cluster admin already (``rbac.wildcard``)
gets no second edge here.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph import ids
from riskgraph.estate.inventory import Inventory
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.rbac_rules import Grant, grants_by_binding
from riskgraph.techniques.rbac._power import is_cluster_admin

SIGNER = "kubernetes.io/kube-apiserver-client"
SIGNER_NAMES = frozenset({SIGNER, "kubernetes.io/*"})
_CSR = "certificatesigningrequests"


def find(inv: Inventory) -> Iterator[Edge]:
    creates = grants_by_binding(inv, ("create",), (_CSR,))
    if not creates:
        return
    approvals = grants_by_binding(inv, ("update",), (f"{_CSR}/approval",))
    signers = grants_by_binding(inv, ("approve",), ("signers",))
    reads = grants_by_binding(inv, ("get", "list", "watch"), (_CSR,))
    for source, created in creates.items():
        approval = next(iter(approvals.get(source, ())), None)
        signer = next((g for g in signers.get(source, ())
                       if g.names is None or g.names & SIGNER_NAMES), None)
        read = next(iter(reads.get(source, ())), None)
        if approval is None or signer is None or read is None \
                or is_cluster_admin(inv, created[0]):
            continue
        steps: tuple[Grant, ...] = (created[0], approval, signer, read)
        yield Edge(source, ids.CLUSTER_ADMIN,
                   f"{created[0].phrase}; it also {approval.allowance}, {signer.allowance} "
                   f"and {read.allowance}, so it can request, approve and collect a client "
                   f"certificate from signer {SIGNER} for group system:masters",
                   tuple(dict.fromkeys(e for g in steps for e in g.evidence)), "likely")


def _binding(rules: str) -> str:
    return f"""
kind: ClusterRole
metadata: {{name: csr-approver}}
rules: [{rules}]
---
kind: ClusterRoleBinding
metadata: {{name: csr-approvers}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: csr-approver}}
subjects: [{{kind: ServiceAccount, name: approver, namespace: kube-system}}]
"""


_CSR_RULES = ("{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], "
              "verbs: [create, get]}, {apiGroups: [certificates.k8s.io], "
              "resources: [certificatesigningrequests/approval], verbs: [update]}")

TECHNIQUE = Technique(
    id="rbac.csr-approve",
    title="RBAC allows approving one's own client certificate",
    severity="critical",
    mitre="T1649",
    remediation="Never grant create on certificatesigningrequests together with approve on "
                "the kubernetes.io/kube-apiserver-client signer; let approvers approve only "
                "the signers they serve (resourceNames) and watch for CSRs naming "
                "system:masters.",
    cost=2.0,
    find=find,
    fix_point="source",
    examples=(
        Example(
            "create, approve and read with the client signer by its wildcard name",
            _binding(_CSR_RULES + ", {apiGroups: [certificates.k8s.io], resources: [signers], "
                     'verbs: [approve], resourceNames: ["kubernetes.io/*"]}'),
            frozenset({("k8s:ClusterRoleBinding:csr-approvers", "k8s:ClusterAdmin")}),
            {("k8s:ClusterRoleBinding:csr-approvers", "k8s:ClusterAdmin"): "likely"},
        ),
        Example(
            "only the kubelet-serving signer; \"*\" as a signer name is a literal name",
            _binding(_CSR_RULES + ", {apiGroups: [certificates.k8s.io], resources: [signers], "
                     'verbs: [approve], resourceNames: ["kubernetes.io/kubelet-serving", '
                     '"*"]}'),
        ),
    ),
)
