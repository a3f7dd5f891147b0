"""The handlers of the AWS CLI outputs whose shape is not simply a list of resources.

Every resource is validated on its own: a bad one becomes a problem naming the source, the
resource and the field, and the rest of the document is still read.
"""

from __future__ import annotations

import re
from typing import Any

from ingest._aws_document import AwsDocument, name_of
from riskgraph.models.aws import (
    AccessEntry,
    AssociatedAccessPolicy,
    Ec2Instance,
    KmsKey,
    ManagedPolicy,
    PodIdentityAssociation,
    RdsDatabase,
    SecretsManagerSecret,
    ServiceControlPolicy,
    SsmParameter,
)

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")  # the region an availability zone is in


# IAM and Organizations -----------------------------------------------------------------


def managed_policies(d: AwsDocument, key: str, value: Any) -> bool:
    for index, data in enumerate(d.items(key, value)):
        where = f"{key}[{index}]"
        what = name_of(data, "managed policy", ("Arn", "PolicyName"), where)
        policy = d.model(ManagedPolicy, data, where, what)
        if policy is not None and policy.document is None:
            d.problem(f"{where}: no default version document (iam list-policies output?); "
                      "skipped: give get-account-authorization-details output", what)
        elif policy is not None:
            d.out.managed_policies.append(policy)
    return True


def _targets(d: AwsDocument, value: Any, what: str) -> list[str]:
    """Target ids: ``["111122223333"]`` or list-targets-for-policy's ``[{"TargetId": ...}]``."""
    targets = []
    for index, target in enumerate(value if isinstance(value, list) else [value]):
        target_id = target.get("TargetId") if isinstance(target, dict) else target
        if isinstance(target_id, int | str) and not isinstance(target_id, bool):
            targets.append(str(target_id))
        else:
            d.problem(f"Targets[{index}]: not a target id; ignored", what)
    return targets


def policy(d: AwsDocument, key: str, value: Any) -> bool:
    """``Policy``: an SCP (organizations describe-policy), a bucket policy with ``Bucket``
    added, or a key policy with ``KeyId`` added."""
    if isinstance(value, dict) and ("Content" in value or "PolicySummary" in value):
        summary = value.get("PolicySummary")
        summary = summary if isinstance(summary, dict) else {}
        what = name_of(summary, "SCP", ("Name", "Id"), key)
        kind = summary.get("Type", "SERVICE_CONTROL_POLICY")
        if kind != "SERVICE_CONTROL_POLICY":
            d.problem(f"Policy.PolicySummary.Type is {kind}, not an SCP; ignored", what)
            return True
        scp = d.model(ServiceControlPolicy, {
            "Id": summary.get("Id", ""), "Arn": summary.get("Arn", ""),
            "Name": summary.get("Name", ""), "Content": value.get("Content"),
            "Targets": _targets(d, d.doc["Targets"], what) if "Targets" in d.doc else []},
            key, what)
        if scp is not None:
            d.out.scps.append(scp)
        return True
    if isinstance(value, dict) and "Statement" not in value:
        return False  # iam get-policy and the like: metadata, no document
    key_id, bucket = d.text("KeyId"), d.text("Bucket")
    if key_id is not None:
        document = d.policy(value, key, f"KMS key {key_id}")
        if document is not None:
            d.out.pending_key_policies[key_id] = document
    elif bucket is not None:
        document = d.policy(value, key, f"S3 bucket {bucket}")
        if document is not None:
            d.out.pending_bucket_policies[bucket] = document
    elif "PolicyName" in d.doc:
        d.problem('kms get-key-policy output does not name its key: add "KeyId": "<key id '
                  'or ARN>" to the document; skipped')
    else:
        d.problem('s3api get-bucket-policy output does not name its bucket: add "Bucket": '
                  '"<bucket name>" to the document; skipped')
    return True


def caller_identity(d: AwsDocument, key: str, value: Any) -> bool:
    """sts get-caller-identity: the account the rest of the input was read from."""
    account = d.doc.get("Account")
    if not isinstance(account, str) or not account.isdigit():
        return False
    d.out.known_accounts.add(account)
    return True


# EC2 -----------------------------------------------------------------------------------


def reservations(d: AwsDocument, key: str, value: Any) -> bool:
    """ec2 describe-instances: the account is the reservation's, the region the zone's."""
    for r_index, reservation in enumerate(d.items(key, value)):
        if not isinstance(reservation, dict):
            d.problem(f"{key}[{r_index}]: expected an object; skipped")
            continue
        owner = reservation.get("OwnerId")
        instances = reservation.get("Instances") or []
        for index, data in enumerate(instances if isinstance(instances, list) else []):
            where = f"{key}[{r_index}].Instances[{index}]"
            what = name_of(data, "EC2 instance", ("InstanceId",), where)
            if isinstance(data, dict):
                data = {**data, "Account": owner or "", "Region": _region(data)}
            instance = d.model(Ec2Instance, data, where, what)
            if instance is None:
                continue
            d.out.instances.append(instance)
            if not instance.account or not instance.region:
                d.problem(f"{where}: no reservation OwnerId or Placement.AvailabilityZone, so "
                          "the instance's account or region (and ARN) is unknown", what)
    return True


def _region(instance: dict[str, Any]) -> str:
    """``us-east-1`` for zone ``us-east-1a`` (and for Local Zone ``us-east-1-bos-1a``)."""
    placement = instance.get("Placement")
    zone = placement.get("AvailabilityZone") if isinstance(placement, dict) else None
    found = _REGION.match(zone) if isinstance(zone, str) else None
    return found.group() if found else ""


# EKS -----------------------------------------------------------------------------------


def pod_identity_summaries(d: AwsDocument, key: str, value: Any) -> bool:
    """eks list-pod-identity-associations: summaries name no role unless they carry one."""
    without_role = []
    for index, data in enumerate(d.items(key, value)):
        if isinstance(data, dict) and "roleArn" not in data:
            without_role.append(data)
            continue
        where = f"{key}[{index}]"
        association = d.model(PodIdentityAssociation, data, where, name_of(
            data, "pod identity association", ("associationId",), where))
        if association is not None:
            d.out.pod_identity_associations.append(association)
    if without_role:
        first = without_role[0]
        d.problem(f"{len(without_role)} pod identity association(s) listed without roleArn "
                  "(list-pod-identity-associations gives summaries only); skipped: give "
                  "eks describe-pod-identity-association output for each instead",
                  f"pod identity association {first.get('namespace')}/"
                  f"{first.get('serviceAccount')}")
    return True


def access_entry_list(d: AwsDocument, key: str, value: Any) -> bool:
    """eks list-access-entries, with the ``clusterName`` it was asked for added."""
    cluster = d.text("clusterName")
    if cluster is None:
        d.problem('eks list-access-entries output does not name its cluster: add '
                  '"clusterName": "<cluster>" to the document; skipped')
        return True
    for index, arn in enumerate(d.items(key, value)):
        if isinstance(arn, str) and arn.startswith("arn:"):
            d.out.access_entries.append(AccessEntry(cluster_name=cluster, principal_arn=arn))
        else:
            d.problem(f"{key}[{index}]: not a principal ARN; skipped")
    return True


def access_policies(d: AwsDocument, key: str, value: Any) -> bool:
    """eks list-associated-access-policies, joined to the access entry later."""
    cluster, principal = d.text("clusterName"), d.text("principalArn")
    if cluster is None or principal is None:
        d.problem("eks list-associated-access-policies output without clusterName and "
                  "principalArn; skipped")
        return True
    what = f"EKS access entry {principal}"
    found = [d.model(AssociatedAccessPolicy, data, f"{key}[{index}]", what)
             for index, data in enumerate(d.items(key, value))]
    d.out.pending_access_policies.setdefault((cluster, principal), []).extend(
        p for p in found if p is not None)
    return True


# Data stores ---------------------------------------------------------------------------


def parameters(d: AwsDocument, key: str, value: Any) -> bool:
    """ssm describe-parameters; an ARN missing (older CLIs) is built from another
    parameter's in the same document, when one has it."""
    items = d.items(key, value)
    known = next((p["ARN"] for p in items if isinstance(p, dict)
                  and isinstance(p.get("ARN"), str) and p["ARN"].count(":") >= 5), None)
    region_account = ":".join(known.split(":")[3:5]) if known else None
    for index, data in enumerate(items):
        where = f"{key}[{index}]"
        what = name_of(data, "SSM parameter", ("Name",), where)
        name = data.get("Name") if isinstance(data, dict) else None
        if isinstance(data, dict) and "ARN" not in data and isinstance(name, str):
            if region_account is None:
                d.problem(f"{where}: no ARN, and the document names no region and account to "
                          "build it from; skipped", what)
                continue
            separator = "" if name.startswith("/") else "/"
            data = {**data, "ARN": f"arn:aws:ssm:{region_account}:parameter{separator}{name}"}
        parameter = d.model(SsmParameter, data, where, what)
        if parameter is not None:
            d.out.parameters.append(parameter)
    return True


_POLICY_OUTPUT_KEYS = frozenset({"ARN", "Name", "ResourcePolicy"})


def secret(d: AwsDocument, key: str, value: Any) -> bool:
    """secretsmanager get-resource-policy (``ResourcePolicy``, joined later) or
    describe-secret (the secret itself)."""
    if not isinstance(value, str) or ":secretsmanager:" not in value:
        return False
    what = f"secret {d.doc.get('Name') or value}"
    if _POLICY_OUTPUT_KEYS.issuperset(d.doc):
        document = d.policy(d.doc.get("ResourcePolicy"), "ResourcePolicy", what)
        if document is not None:
            d.out.pending_secret_policies[value] = document
        return True
    found = d.model(SecretsManagerSecret, d.doc, "", what)
    if found is not None:
        d.out.secrets.append(found)
    return True


def repository_policy(d: AwsDocument, key: str, value: Any) -> bool:
    """ecr get-repository-policy."""
    name = d.text("repositoryName")
    if name is None:
        d.problem("ecr get-repository-policy output without repositoryName; skipped")
        return True
    document = d.policy(value, key, f"ECR repository {name}")
    if document is not None:
        d.out.pending_repository_policies[name] = document
    return True


def key_metadata(d: AwsDocument, key: str, value: Any) -> bool:
    """kms describe-key."""
    data = {"KeyId": value.get("KeyId"), "KeyArn": value.get("Arn")} \
        if isinstance(value, dict) else value
    found = d.model(KmsKey, data, key, name_of(value, "KMS key", ("KeyId",), key))
    if found is not None:
        d.out.kms_keys.append(found)
    return True



# RDS -----------------------------------------------------------------------------------

#: Per list: the database kind, how problems name one, and its CLI fields -> RdsDatabase's.
#: Clusters have no PubliclyAccessible (their member instances do), so it stays False.
_RDS: dict[str, tuple[str, str, dict[str, str]]] = {
    "DBInstances": ("instance", "RDS instance", {
        "DBInstanceIdentifier": "Identifier", "DBInstanceArn": "Arn", "Engine": "Engine",
        "PubliclyAccessible": "PubliclyAccessible", "VpcSecurityGroups": "VpcSecurityGroups"}),
    "DBClusters": ("cluster", "RDS cluster", {
        "DBClusterIdentifier": "Identifier", "DBClusterArn": "Arn", "Engine": "Engine",
        "Endpoint": "Endpoint", "Port": "Port", "VpcSecurityGroups": "VpcSecurityGroups"}),
}


def databases(d: AwsDocument, key: str, value: Any) -> bool:
    """rds describe-db-instances (``Endpoint`` an object, the VPC in ``DBSubnetGroup``) and
    describe-db-clusters (``Endpoint`` the address, ``Port`` beside it)."""
    kind, label, fields = _RDS[key]
    required = list(fields)[:2]  # the identifier and the ARN
    for index, data in enumerate(d.items(key, value)):
        where = f"{key}[{index}]"
        what = name_of(data, label, tuple(required), where)
        if isinstance(data, dict):
            missing = [f for f in required if not isinstance(data.get(f), str) or not data[f]]
            if missing:
                d.problem(f"{where}: no {' or '.join(missing)}; skipped", what)
                continue
            endpoint = data.get("Endpoint") if kind == "instance" else None
            subnets = data.get("DBSubnetGroup")
            data = {"Kind": kind, **{ours: data[cli] for cli, ours in fields.items()
                                     if data.get(cli) is not None},
                    **({"Endpoint": endpoint.get("Address"), "Port": endpoint.get("Port")}
                       if isinstance(endpoint, dict) else {}),
                    **({"VpcId": subnets["VpcId"]} if isinstance(subnets, dict)
                       and subnets.get("VpcId") else {})}
        database = d.model(RdsDatabase, data, where, what)
        if database is not None:
            d.out.databases.append(database)
    return True
