"""pod.eks-pod-identity: a service account gets the IAM role of its EKS Pod Identity association.

An association of the cluster for (namespace, service account) makes the Pod Identity agent
hand pods of that account the role's credentials, provided the role trusts
``pods.eks.amazonaws.com`` for ``sts:AssumeRole`` and ``sts:TagSession`` (checked with the
session tags EKS sets; a role not in the input is taken to trust it, ``likely``). With a
``targetRoleArn`` EKS chains: the association role assumes the target role and the pod gets
the *target's* credentials only, so the edge goes straight to the target role, with the
evidence of both (``likely`` when the target is not in the input, or when the association
role's right to assume it cannot be checked).

The cluster is the EKS cluster of the input; without a cluster document, the one cluster all
associations name, ``likely`` (the Kubernetes input may be another cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.iam import access_for
from riskgraph.models.aws import PodIdentityAssociation
from riskgraph.techniques import Edge, Example, Technique
from riskgraph.techniques._shared.aws_nodes import role_name
from riskgraph.techniques._shared.common import json_value

SERVICE = "pods.eks.amazonaws.com"


class ClusterRef(NamedTuple):
    name: str
    arn: str
    confidence: Confidence


class Grant(NamedTuple):
    """The role pods of one service account get through Pod Identity."""

    namespace: str
    service_account: str
    role: str
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


def cluster_of(inv: Inventory) -> ClusterRef | None:
    """The EKS cluster the associations must name, and its ARN."""
    if inv.aws.cluster is not None:
        return ClusterRef(inv.aws.cluster.name, inv.aws.cluster.arn, "certain")
    names = {a.cluster_name for a in inv.aws.pod_identity_associations}
    if len(names) != 1:
        return None
    name = names.pop()
    # arn:aws:eks:<region>:<account>:podidentityassociation/<cluster>/<id>
    sample = next((a.association_arn for a in inv.aws.pod_identity_associations
                   if a.association_arn.count(":") >= 5), "")
    prefix = sample.split(":podidentityassociation/", 1)[0]
    return ClusterRef(name, f"{prefix}:cluster/{name}" if prefix else "", "likely")


def _evidence(association: PodIdentityAssociation) -> tuple[str, ...]:
    owner = association.association_arn or f"pod identity association {association.association_id}"
    found = [f"{owner}: serviceAccount={json_value(association.service_account)}",
             f"{owner}: roleArn={json_value(association.role_arn)}"]
    if association.target_role_arn:
        found.append(f"{owner}: targetRoleArn={json_value(association.target_role_arn)}")
    return tuple(found)


def grants(inv: Inventory) -> list[Grant]:
    """Every working Pod Identity association of the cluster, as the role it yields."""
    cluster = cluster_of(inv)
    if cluster is None:
        return []
    access = access_for(inv.aws)
    found = []
    for association in inv.aws.pod_identity_associations:
        if association.cluster_name != cluster.name:
            continue
        ns, sa = association.namespace, association.service_account
        tags = {"aws:RequestTag/eks-cluster-arn": cluster.arn,
                "aws:RequestTag/eks-cluster-name": cluster.name,
                "aws:RequestTag/kubernetes-namespace": ns,
                "aws:RequestTag/kubernetes-service-account": sa,
                "aws:SourceArn": cluster.arn,
                "aws:SourceAccount": cluster.arn.split(":")[4] if cluster.arn else ""}
        confidence, proof = cluster.confidence, list(_evidence(association))
        role = inv.aws.role(association.role_arn)
        if role is None:
            confidence = weakest(confidence, "likely")
        else:
            decisions = [access.trust_allows(role, action=action, service=SERVICE, context=tags)
                         for action in ("sts:AssumeRole", "sts:TagSession")]
            if not all(d.allowed for d in decisions):
                continue
            confidence = weakest(confidence, *(d.confidence for d in decisions))
            proof.append(decisions[0].because)
        reason = f"EKS Pod Identity association of {ns}/{sa} with IAM role " \
                 f"{role_name(association.role_arn)}"
        target_arn = association.target_role_arn
        if target_arn:
            target = inv.aws.role(target_arn)
            if role is None or target is None:
                confidence = weakest(confidence, "likely")
            else:
                chained = access.can_assume(role, target)
                if not chained.allowed:
                    continue
                confidence = weakest(confidence, chained.confidence)
                proof.append(chained.because)
            reason += f", which EKS chains into target role {role_name(target_arn)} (the " \
                      "pod gets the target's credentials)"
        found.append(Grant(ns, sa, target_arn or association.role_arn, confidence, reason,
                           tuple(proof)))
    return found


def find(inv: Inventory) -> Iterator[Edge]:
    for grant in grants(inv):
        yield Edge(ids.k8s_id("ServiceAccount", grant.service_account, grant.namespace),
                   grant.role, f"pods of service account {grant.namespace}/"
                   f"{grant.service_account} get the credentials of IAM role "
                   f"{role_name(grant.role)}: {grant.reason}", grant.evidence, grant.confidence)


_CLUSTER = """
---
{"cluster": {"name": "prod", "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod"}}
"""


def _association(sa: str, role: str, target: str = "") -> str:
    extra = f', "targetRoleArn": "{target}"' if target else ""
    return f"""---
{{"association": {{"clusterName": "prod", "namespace": "shop", "serviceAccount": "{sa}",
  "roleArn": "{role}", "associationId": "a-{sa}",
  "associationArn": "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-{sa}"
  {extra}}}}}
"""


def _role(name: str, principal: str) -> str:
    return f"""
  {{"RoleName": "{name}", "Arn": "arn:aws:iam::111122223333:role/{name}",
   "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
     "Principal": {principal}, "Action": ["sts:AssumeRole", "sts:TagSession"]}}]}},
   "RolePolicyList": [{{"PolicyName": "chain", "PolicyDocument": {{"Version": "2012-10-17",
     "Statement": [{{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                     "Resource": "*"}}]}}}}]}}"""


_PODS = '{"Service": "pods.eks.amazonaws.com"}'
_ACCOUNT = "arn:aws:iam::111122223333:role/"

TECHNIQUE = Technique(
    id="pod.eks-pod-identity",
    title="Service account gets the IAM role of its EKS Pod Identity association",
    severity="high",
    mitre="T1078.004",
    remediation="Associate roles only with service accounts whose pods need them, scope each "
                "role's permissions to that workload, and restrict the trust with the "
                "kubernetes-namespace and kubernetes-service-account session tags.",
    cost=0.5,
    find=find,
    examples=(
        Example(
            "plain association, and a chained one that yields only the target role",
            _CLUSTER + _association("api", _ACCOUNT + "api")
            + _association("sync", _ACCOUNT + "hop", _ACCOUNT + "target")
            + "---\n{\"RoleDetailList\": [" + ",".join((
                _role("api", _PODS), _role("hop", _PODS),
                _role("target", '{"AWS": "arn:aws:iam::111122223333:role/hop"}')))
            + "], \"Policies\": []}\n",
            frozenset({("k8s:ServiceAccount:shop/api", _ACCOUNT + "api"),
                       ("k8s:ServiceAccount:shop/sync", _ACCOUNT + "target")}),
            {("k8s:ServiceAccount:shop/api", _ACCOUNT + "api"): "certain"},
        ),
        Example(
            "role that does not trust pods.eks.amazonaws.com, and another cluster's association",
            _CLUSTER + _association("api", _ACCOUNT + "api")
            + _association("web", _ACCOUNT + "web").replace('"prod", "namespace"',
                                                            '"staging", "namespace"')
            + "---\n{\"RoleDetailList\": [" + ",".join((
                _role("api", '{"Service": "ec2.amazonaws.com"}'), _role("web", _PODS)))
            + "], \"Policies\": []}\n",
        ),
    ),
)
