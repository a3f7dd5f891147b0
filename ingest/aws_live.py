"""Live AWS input: an account read with boto3 into the JSON documents ``aws ... --output
json`` prints, so that a live read, a snapshot of it and CLI output files all go through
one parser (``ingest.aws_files.parse_aws_document``).

What is read (global services once, the others in each region):

- ``sts get-caller-identity``: the account;
- ``iam get-account-authorization-details`` for users, groups, roles and customer managed
  policies, one document a page. AWS managed policies are read only when a principal uses
  one (attached, or as its permissions boundary): names and default versions from
  ``iam list-policies --scope AWS --only-attached`` (``get-policy`` for boundaries, which
  do not count as attached), each document from ``get-policy-version``, together one more
  document shaped like ``get-account-authorization-details --filter AWSManagedPolicy``.
  Reading all thousand-odd AWS managed policies would multiply the read for policies no
  principal has. Then ``iam list-open-id-connect-providers``, and ``iam
  generate-credential-report`` / ``get-credential-report`` (console passwords, access keys);
- ``organizations list-policies --filter SERVICE_CONTROL_POLICY`` and ``describe-policy``
  (allowed from the management account or a delegated administrator), ``describe-organization``
  and ``list-accounts`` (the accounts ``aws:PrincipalOrgID`` names);
- ``s3 list-buckets`` and ``get-bucket-policy``;
- per region: ``eks describe-cluster``, ``describe-nodegroup``,
  ``describe-pod-identity-association``, ``describe-access-entry``,
  ``list-associated-access-policies`` and ``describe-addon`` of every cluster; ``ec2
  describe-instances``, ``describe-security-groups``, ``describe-vpcs``,
  ``describe-vpc-endpoints`` and
  ``describe-launch-template-versions`` of the templates node groups use; ``secretsmanager
  list-secrets`` and ``get-resource-policy``; ``ssm describe-parameters``; ``ecr
  describe-repositories`` and ``get-repository-policy``; ``kms list-keys`` and
  ``get-key-policy``; ``rds describe-db-instances`` and ``describe-db-clusters``;
  ``elasticache describe-cache-clusters --show-cache-node-info`` and
  ``describe-serverless-caches``; ``opensearch list-domain-names`` and ``describe-domains``
  (five domains a call); ``redshift describe-clusters``; ``lambda list-functions``,
  ``cloudformation describe-stacks``, ``codebuild list-projects`` and ``batch-get-projects``,
  ``autoscaling describe-auto-scaling-groups`` (names and roles only).

No call returns a secret's or a parameter's value. A call that fails becomes a problem
naming the permission to grant, and the rest is still read (``ingest._aws_calls``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ingest import _aws_endpoint_reads as endpoint_reads
from ingest import _aws_reads as reads
from ingest import _aws_service_reads as service_reads
from ingest._aws_calls import CallRead, Calls
from ingest._objects import ParsedObjects
from ingest.aws_snapshot import parse_aws_response
from riskgraph._gc import gc_paused
from riskgraph.errors import InputError, Problem

if TYPE_CHECKING:
    import boto3
    from botocore.client import BaseClient

__all__ = ["AwsAccountReader", "AwsTarget", "CallRead"]


@dataclass(frozen=True)
class AwsTarget:
    """Which account to read: a named profile (the default credential chain when None),
    the regions to read (the profile's region when empty), and an endpoint other than AWS's
    (a local moto server in tests)."""

    profile: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_url: str | None = None


def _session(profile: str | None) -> boto3.Session:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound:
        raise InputError(f"AWS profile {profile!r} is not configured: create it with `aws "
                         f"configure --profile {profile}` (or `aws configure sso`), or give "
                         "an existing profile") from None


def _regions(target: AwsTarget, session: boto3.Session) -> tuple[str, ...]:
    regions = target.regions or ((session.region_name,) if session.region_name else ())
    if not regions:
        raise InputError("no AWS region to read: pass --region (e.g. --region eu-west-1), "
                         "or set one in the profile (`aws configure set region ...`) or in "
                         "AWS_REGION")
    known = {region for partition in session.get_available_partitions()
             for region in session.get_available_regions("ec2", partition)}
    unknown = [region for region in regions if region not in known]
    if unknown:
        raise InputError(f"unknown AWS region {', '.join(unknown)}: check --region (regions "
                         "are spelled like eu-west-1); if it is a new region, upgrade boto3")
    return tuple(dict.fromkeys(regions))


class AwsAccountReader:
    """One AWS account, read through one boto3 session (the profile's, or ``session``).

    Raises
    ------
    InputError
        When the profile is not configured, or no region (or an unknown one) is given.
    """

    def __init__(self, target: AwsTarget, session: boto3.Session | None = None) -> None:
        self.session = session if session is not None else _session(target.profile)
        self.regions = _regions(target, self.session)
        who = f"profile {target.profile}" if target.profile else "default AWS credentials"
        #: How messages name what is read: ``profile prod, eu-west-1``.
        self.label = f"{who}, {', '.join(self.regions)}"
        self._calls = Calls(self.session, self.label, self.regions[0], target.endpoint_url)

    @property
    def account(self) -> str | None:
        """The account id, known once :meth:`documents` has begun."""
        return self._calls.account

    @property
    def problems(self) -> list[Problem]:
        """What could not be read; complete once :meth:`documents` is exhausted."""
        return self._calls.problems

    def client(self, service: str, region: str | None = None) -> BaseClient:
        """The client the reader calls ``service`` in ``region`` with (None: global)."""
        return self._calls.client(service, region)

    def documents(self, progress: Callable[[CallRead], None] | None = None
                  ) -> reads.Documents:
        """(source, document) of every response read, shaped as the AWS CLI prints it;
        ``source`` names the call, as in ``aws:ec2 describe-instances eu-west-1``.

        Raises
        ------
        InputError
            When there are no credentials, AWS refuses them, or STS cannot be reached.
        """
        self._calls.progress, self._calls.problems = progress, []
        yield self._identity()
        templates: reads.Templates = {}
        sections: list[Callable[[], reads.Documents]] = [
            partial(reads.iam, self._calls), partial(service_reads.credential_report, self._calls),
            partial(reads.organizations, self._calls),
            partial(service_reads.organization, self._calls),
            partial(reads.s3, self._calls)]
        for region in self.regions:  # EKS first: its node groups name the launch templates
            sections += [partial(reads.eks, self._calls, region, templates),
                         partial(reads.ec2, self._calls, region, templates),
                         partial(reads.data_stores, self._calls, region),
                         partial(endpoint_reads.databases, self._calls, region),
                         partial(endpoint_reads.endpoints, self._calls, region),
                         partial(service_reads.role_runners, self._calls, region)]
        for section in sections:
            yield from section()
            self._calls.close()

    def read(self, progress: Callable[[CallRead], None] | None = None) -> ParsedObjects:
        """The account parsed into ``ParsedObjects.aws``; what failed in ``problems``.

        Raises
        ------
        InputError
            As :meth:`documents`.
        """
        out = ParsedObjects(sources=[self.label])
        with gc_paused():
            for source, document in self.documents(progress):
                parse_aws_response(document, source, out)
        out.problems.extend(self.problems)
        return out

    def _identity(self) -> tuple[str, dict[str, Any]]:
        operation = self._calls.operation("sts", "get_caller_identity", None, "the account")
        identity = operation.call()
        self._calls.close()
        if identity is None:
            code, message, _ = operation.failures[0]
            raise InputError(f"cannot reach AWS STS with {self.label} ({code}: {message}); "
                             "check the network (proxy, VPN) and --aws-profile")
        self._calls.account = str(identity.get("Account", ""))
        self._calls.partition = str(identity.get("Arn", "arn:aws")).split(":")[1]
        return operation.source, identity
