"""What riskgraph reads of each AWS service, as the documents ``aws ... --output json``
prints: one generator of (source, document) per service group (see ``ingest.aws_live``);
the databases and caches pods may reach are read in ``ingest._aws_endpoint_reads``.

Responses stay as AWS sends them, but for the keys the CLI user would have to add by hand
to say what a response is about: ``"Bucket"`` on ``get-bucket-policy``, ``"KeyId"`` on
``get-key-policy``, ``"clusterName"`` and ``"principalArn"`` on each page of
``list-associated-access-policies``, and ``"Targets"`` on an SCP's ``describe-policy``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ingest._aws_calls import Calls
from ingest._scrub import strip_launch_templates

__all__ = ["NOT_FOUND", "Documents", "Templates", "data_stores", "ec2", "eks", "iam",
           "organizations", "s3"]

Documents = Iterator[tuple[str, dict[str, Any]]]
#: Launch templates node groups use: (``LaunchTemplateId`` or ``LaunchTemplateName``, its
#: value) -> the versions to read.
Templates = dict[tuple[str, str], set[str]]

#: Error codes that mean the thing asked about does not exist (absent, not a failure).
NOT_FOUND = ("ResourceNotFoundException", "NotFoundException")
_AWS_MANAGED = ":iam::aws:policy/"
_MAX_OU_DEPTH = 6  # Organizations nests organizational units at most five deep under a root


# Global services -----------------------------------------------------------------------


def _aws_managed_arns(page: dict[str, Any]) -> set[str]:
    """The AWS managed policies the principals of one page use (attached or as boundary)."""
    found = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for principal in page.get(key) or ():
            for attached in principal.get("AttachedManagedPolicies") or ():
                found.add(attached.get("PolicyArn", ""))
            boundary = principal.get("PermissionsBoundary") or {}
            found.add(boundary.get("PermissionsBoundaryArn", ""))
    return {arn for arn in found if _AWS_MANAGED in arn}


def iam(calls: Calls) -> Documents:
    """Principals and customer managed policies, the AWS managed policies they use, and
    the OIDC providers (IRSA)."""
    details = calls.operation("iam", "get_account_authorization_details", None,
                              "IAM users, groups, roles and customer managed policies")
    used: set[str] = set()
    for page in details.pages(("UserDetailList", "GroupDetailList", "RoleDetailList",
                               "Policies"), Filter=["User", "Role", "Group", "LocalManagedPolicy"]):
        used |= _aws_managed_arns(page)
        yield details.source, page
    if used:
        yield from _aws_managed_policies(calls, used)
    providers = calls.operation("iam", "list_open_id_connect_providers", None,
                                "OIDC identity providers (IRSA trust)")
    document = providers.call()
    if document is not None:
        yield providers.source, document


def _aws_managed_policies(calls: Calls, used: set[str]) -> Documents:
    """The default version of each AWS managed policy in ``used``, as one document shaped
    like ``get-account-authorization-details --filter AWSManagedPolicy``."""
    listing = calls.operation("iam", "list_policies", None, "AWS managed policies in use")
    summaries = {policy["Arn"]: policy
                 for policy in listing.items_of("Policies", Scope="AWS", OnlyAttached=True) or ()
                 if policy["Arn"] in used}
    get_policy = calls.operation("iam", "get_policy", None, "AWS managed boundary policies",
                                 ("NoSuchEntity",))
    for arn in sorted(used - summaries.keys()):  # boundaries do not count as attached
        found = get_policy.call(arn, PolicyArn=arn)
        if found is not None:
            summaries[arn] = found["Policy"]
    versions = calls.operation("iam", "get_policy_version", None,
                               "documents of AWS managed policies", ("NoSuchEntity",))
    policies = []
    for arn, summary in sorted(summaries.items()):
        version = versions.call(arn, PolicyArn=arn, VersionId=summary["DefaultVersionId"])
        if version is not None:
            policies.append({**summary, "PolicyVersionList": [
                {**version["PolicyVersion"], "IsDefaultVersion": True}]})
    if policies:
        yield versions.source, {"UserDetailList": [], "GroupDetailList": [],
                                "RoleDetailList": [], "Policies": policies}


def organizations(calls: Calls) -> Documents:
    """Service control policies, from the management account or a delegated administrator.

    ``Targets`` lists the ids the policy is attached to, plus the account read when the
    policy reaches it through its organizational units or the root.
    """
    listing = calls.operation("organizations", "list_policies", None,
                              "service control policies", ("AWSOrganizationsNotInUseException",))
    summaries = listing.items_of("Policies", Filter="SERVICE_CONTROL_POLICY") or []
    if not summaries:
        return
    above = _ancestors(calls)
    describe = calls.operation("organizations", "describe_policy", None,
                               "service control policies", ("PolicyNotFoundException",))
    targets_of = calls.operation("organizations", "list_targets_for_policy", None,
                                 "service control policies (their targets)")
    for summary in summaries:
        targets = targets_of.items_of("Targets", summary["Name"], PolicyId=summary["Id"])
        document = describe.call(summary["Name"], PolicyId=summary["Id"])
        if targets is None or document is None:
            continue  # a policy without its targets would seem to apply everywhere
        ids = [target["TargetId"] for target in targets]
        if calls.account and calls.account not in ids and above & set(ids):
            ids.append(calls.account)
        yield describe.source, {**document, "Targets": ids}


def _ancestors(calls: Calls) -> set[str]:
    """The organizational units and root the account sits under."""
    parents = calls.operation("organizations", "list_parents", None,
                              "organizational units above the account")
    found: set[str] = set()
    child = calls.account
    while child and len(found) < _MAX_OU_DEPTH:
        listed = parents.items_of("Parents", child, ChildId=child) or []
        if not listed:
            break
        found.add(listed[0]["Id"])
        child = None if listed[0].get("Type") == "ROOT" else listed[0]["Id"]
    return found


def s3(calls: Calls) -> Documents:
    """Every bucket, and the policy of each that has one (asked in the bucket's region)."""
    listing = calls.operation("s3", "list_buckets", None, "S3 buckets")
    buckets: list[tuple[str, str | None]] = []
    for page in listing.pages("Buckets"):
        buckets += [(b["Name"], b.get("BucketRegion")) for b in page.get("Buckets") or ()]
        yield listing.source, page
    for name, region in buckets:
        policy = calls.operation("s3", "get_bucket_policy", region, "bucket policies",
                                 ("NoSuchBucketPolicy", "NoSuchBucket"))
        document = policy.call(name, Bucket=name)
        if document is not None:
            yield policy.source, {"Bucket": name, **document}


# Regional services ---------------------------------------------------------------------


def eks(calls: Calls, region: str, templates: Templates) -> Documents:
    """Each cluster with its node groups, Pod Identity associations and access entries;
    the launch templates the node groups use go into ``templates``."""
    clusters = calls.operation("eks", "list_clusters", region, "EKS clusters").items_of(
        "clusters") or []
    describe = calls.operation("eks", "describe_cluster", region, "EKS clusters", NOT_FOUND)
    for name in clusters:
        document = describe.call(name, name=name)
        if document is not None:
            yield describe.source, document
        for source, nodegroup in _each(calls, region, name, "nodegroup", "list_nodegroups",
                                       "nodegroups", "nodegroupName", "EKS node groups"):
            template = nodegroup["nodegroup"].get("launchTemplate") or {}
            ref = ("LaunchTemplateId", template["id"]) if template.get("id") else \
                ("LaunchTemplateName", template.get("name") or "")
            if ref[1]:
                templates.setdefault(ref, {"$Default", "$Latest"}).add(
                    template.get("version") or "$Default")
            yield source, nodegroup
        yield from _each(calls, region, name, "pod_identity_association",
                         "list_pod_identity_associations", "associations", "associationId",
                         "EKS Pod Identity associations")
        yield from _each(calls, region, name, "addon", "list_addons", "addons", "addonName",
                         "EKS add-ons (the VPC CNI's network policy switch)")
        yield from _access_entries(calls, region, name)


def _each(calls: Calls, region: str, cluster: str, thing: str, listing: str, key: str,
          param: str, what: str) -> Documents:
    """``describe-<thing>`` of each item the ``listing`` of one cluster gives (node groups,
    Pod Identity associations: the lists give names and ids only)."""
    listed = calls.operation("eks", listing, region, what).items_of(
        key, cluster, clusterName=cluster)
    describe = calls.operation("eks", f"describe_{thing}", region, what, NOT_FOUND)
    for item in listed or ():
        ident = item[param] if isinstance(item, dict) else item
        document = describe.call(f"{cluster}/{ident}", clusterName=cluster, **{param: ident})
        if document is not None:
            yield describe.source, document


def _access_entries(calls: Calls, region: str, cluster: str) -> Documents:
    """Each access entry and its access policies; the policies are read also when the
    entry cannot be described, since they alone grant Kubernetes access."""
    what = "EKS access entries"
    principals = calls.operation("eks", "list_access_entries", region, what).items_of(
        "accessEntries", cluster, clusterName=cluster)
    describe = calls.operation("eks", "describe_access_entry", region, what, NOT_FOUND)
    listing = calls.operation("eks", "list_associated_access_policies", region,
                              "EKS access policies of access entries", NOT_FOUND)
    for principal in principals or ():
        about = f"{cluster}/{principal}"
        document = describe.call(about, clusterName=cluster, principalArn=principal)
        if document is not None:
            yield describe.source, document
        for page in listing.pages("associatedAccessPolicies", about, clusterName=cluster,
                                  principalArn=principal):
            if page.get("associatedAccessPolicies"):
                yield listing.source, {"clusterName": cluster, "principalArn": principal,
                                       **page}


def ec2(calls: Calls, region: str, templates: Templates) -> Documents:
    """Instances, security groups, VPCs, VPC endpoints, and the launch template versions
    in ``templates``."""
    for name, key, what in (
            ("describe_instances", "Reservations", "EC2 instances (node roles, IMDS)"),
            ("describe_security_groups", "SecurityGroups", "security groups"),
            ("describe_vpcs", "Vpcs", "VPCs (address ranges)"),
            ("describe_vpc_endpoints", "VpcEndpoints", "VPC endpoints (private ECR pulls)")):
        operation = calls.operation("ec2", name, region, what)
        for page in operation.pages(key):
            yield operation.source, page
    versions = calls.operation("ec2", "describe_launch_template_versions", region,
                               "launch templates of node groups (IMDS settings)",
                               ("InvalidLaunchTemplateId.NotFound",
                                "InvalidLaunchTemplateName.NotFoundException"))
    for (param, ref), wanted in sorted(templates.items()):
        for page in versions.pages("LaunchTemplateVersions", ref,
                                   **{param: ref, "Versions": sorted(wanted)}):
            strip_launch_templates(page)  # bootstrap scripts often hold credentials
            yield versions.source, page


def data_stores(calls: Calls, region: str) -> Documents:
    """Secrets (with resource policies), SSM parameters, ECR repositories and KMS keys (with
    their policies); names and metadata only, never a value."""
    secrets = calls.operation("secretsmanager", "list_secrets", region,
                              "Secrets Manager secrets")
    arns = []
    for page in secrets.pages("SecretList"):
        arns += [secret["ARN"] for secret in page.get("SecretList") or ()]
        yield secrets.source, page
    policy = calls.operation("secretsmanager", "get_resource_policy", region,
                             "secret resource policies", NOT_FOUND)
    for arn in arns:
        document = policy.call(arn, SecretId=arn)
        if document is not None and document.get("ResourcePolicy"):
            yield policy.source, document
    parameters = calls.operation("ssm", "describe_parameters", region, "SSM parameters")
    for page in parameters.pages("Parameters"):
        for parameter in page.get("Parameters") or ():
            # Older APIs (and moto) leave the ARN out of describe-parameters.
            parameter.setdefault("ARN", f"arn:{calls.partition}:ssm:{region}:{calls.account}"
                                        f":parameter/{parameter['Name'].removeprefix('/')}")
        yield parameters.source, page
    yield from _with_policies(
        calls, region, "ecr", "describe_repositories", "repositories", "ECR repositories",
        "get_repository_policy", ("RepositoryPolicyNotFoundException",),
        lambda r: {"repositoryName": r["repositoryName"], "registryId": r["registryId"]})
    yield from _with_policies(
        calls, region, "kms", "list_keys", "Keys", "KMS keys", "get_key_policy", (),
        lambda k: {"KeyId": k["KeyId"], "PolicyName": "default"})


def _with_policies(calls: Calls, region: str, service: str, list_name: str, key: str,
                   what: str, policy_name: str, absent: tuple[str, ...],
                   params: Callable[[dict[str, Any]], dict[str, Any]]) -> Documents:
    """A paginated list, then the resource policy of each item it held."""
    listing = calls.operation(service, list_name, region, what)
    items: list[dict[str, Any]] = []
    for page in listing.pages(key):
        items += page.get(key) or ()
        yield listing.source, page
    policy = calls.operation(service, policy_name, region, f"policies of {what}",
                             absent + NOT_FOUND)
    for item in items:
        wanted = params(item)
        document = policy.call(next(iter(wanted.values())), **wanted)
        if document is not None:
            yield policy.source, {**wanted, **document}
