"""The AWS half of the Inventory: every AWS resource read, joined up and indexed.

``ingest`` fills the lists (from ``aws ... --output json`` files or boto3) in any order;
:meth:`AwsInventory.finish` then joins what arrived in separate documents
(:mod:`riskgraph.estate.aws_joins`: access policies to their access entries, bucket and key
policies to their resources) and builds the indexes techniques look things up in. Problems
(a managed policy attached but not in the input, two EKS clusters and no way to tell which
one the Kubernetes input is) are recorded, never raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from riskgraph.errors import Problem
from riskgraph.estate.aws_joins import (
    CLUSTER_TAG_PREFIX,
    CLUSTER_TAGS,
    check_references,
    choose_cluster,
    dedupe,
    join_policies,
)
from riskgraph.estate.aws_records import AwsRecords
from riskgraph.models.aws import (
    AttachedPolicy,
    Ec2Instance,
    EcrRepository,
    EksCluster,
    EksNodegroup,
    IamRole,
    IamUser,
    KmsKey,
    LaunchTemplateVersion,
    ManagedPolicy,
    PolicyJson,
    S3Bucket,
    SecretsManagerSecret,
    SsmParameter,
    UserCredentials,
    Vpc,
    account_of,
)
from riskgraph.models.k8s import Node

#: Node label EKS managed node groups put on their nodes.
NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"
#: Node label of Fargate nodes (one pod each; no instance metadata reachable).
COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type"

__all__ = ["CLUSTER_TAGS", "CLUSTER_TAG_PREFIX", "COMPUTE_TYPE_LABEL", "NODEGROUP_LABEL",
           "AwsInventory", "DataResource", "IamPrincipal", "instance_id_of"]

IamPrincipal = IamRole | IamUser
DataResource = SecretsManagerSecret | SsmParameter | S3Bucket | EcrRepository | KmsKey


def instance_id_of(node: Node) -> str | None:
    """The EC2 instance id in a node's ``spec.providerID`` (``aws:///us-east-1a/i-0abc``).

    >>> from riskgraph.models import Node
    >>> instance_id_of(Node.model_validate({"spec": {"providerID": "aws:///eu-west-1a/i-0a1"}}))
    'i-0a1'
    """
    provider = node.spec.provider_id or ""
    if not provider.startswith("aws://"):
        return None
    last = provider.rsplit("/", 1)[-1]
    return last if last.startswith("i-") else None


@dataclass
class AwsInventory(AwsRecords):
    """Everything read from AWS, joined and indexed. Empty when the input holds no AWS data."""

    # Joining -------------------------------------------------------------------------

    def finish(self, nodes: Iterable[Node] = ()) -> list[Problem]:
        """Join documents read apart, build the indexes, and pick the EKS cluster.

        Returns the problems found; call once, after every input was added.
        """
        dedupe(self)
        problems = join_policies(self)
        self._index()
        problems += choose_cluster(self, nodes, self.instance_for)
        problems += check_references(self, self.managed_policy)
        return problems

    def _index(self) -> None:
        self._roles = {r.arn: r for r in self.roles}
        self._users = {u.arn: u for u in self.users}
        self._groups = {(g.arn.split(":")[4], g.group_name): g for g in self.groups}
        self._policies = {p.arn: p for p in self.managed_policies}
        self._instances = {i.instance_id: i for i in self.instances}
        self._vpcs = {v.vpc_id: v for v in self.vpcs}
        self._credentials = {c.arn: c for c in self.credential_reports}
        self._profiles: dict[str, list[IamRole]] = defaultdict(list)
        for role in self.roles:
            for profile in role.instance_profile_list:
                self._profiles[profile.arn].append(role)
                self._profiles[profile.instance_profile_name].append(role)
        self._nodegroups = {(g.cluster_name, g.nodegroup_name): g for g in self.nodegroups}
        self._templates: dict[str, list[LaunchTemplateVersion]] = defaultdict(list)
        for template in self.launch_templates:
            self._templates[template.launch_template_id].append(template)
            if template.launch_template_name:
                self._templates[template.launch_template_name].append(template)

    # Lookups -------------------------------------------------------------------------

    @property
    def principals(self) -> Iterator[IamPrincipal]:
        """Every IAM role and user."""
        yield from self.roles
        yield from self.users

    @property
    def accounts(self) -> set[str]:
        """Every account id the input names."""
        found = {p.account for p in self.principals} | set(self.known_accounts)
        found |= {i.account for i in self.instances if i.account}
        found |= {account_of(c.arn) for c in self.clusters}
        return {a for a in found if a}

    def role(self, arn: str) -> IamRole | None:
        return self._roles.get(arn)

    def user(self, arn: str) -> IamUser | None:
        return self._users.get(arn)

    def principal(self, arn: str) -> IamPrincipal | None:
        return self._roles.get(arn) or self._users.get(arn)

    def managed_policy(self, arn: str) -> ManagedPolicy | None:
        return self._policies.get(arn)

    def identity_policies(self, principal: IamPrincipal) -> list[tuple[str, PolicyJson]]:
        """(where it comes from, document) of every identity policy that applies to a
        principal: inline, attached managed, and for a user those of its groups."""
        found: list[tuple[str, PolicyJson]] = []
        if isinstance(principal, IamRole):
            inline, attached = principal.role_policy_list, principal.attached_managed_policies
        else:
            inline, attached = principal.user_policy_list, principal.attached_managed_policies
            for group_name in principal.group_list:
                group = self._groups.get((principal.account, group_name))
                if group is not None:
                    found.extend((f"{group.arn} inline {p.policy_name}", p.policy_document)
                                 for p in group.group_policy_list)
                    found.extend(self._attached(group.attached_managed_policies))
        found.extend((f"{principal.arn} inline {p.policy_name}", p.policy_document)
                     for p in inline)
        found.extend(self._attached(attached))
        return found

    def _attached(self, attached: Iterable[AttachedPolicy]) -> list[tuple[str, PolicyJson]]:
        found = []
        for item in attached:
            policy = self._policies.get(item.policy_arn)
            if policy is not None and policy.document is not None:
                found.append((item.policy_arn, policy.document))
        return found

    def boundary(self, principal: IamPrincipal) -> tuple[str, PolicyJson] | None:
        """The permissions boundary document, when one is set and in the input."""
        if principal.permissions_boundary is None:
            return None
        arn = principal.permissions_boundary.permissions_boundary_arn
        policy = self._policies.get(arn)
        return (arn, policy.document) if policy and policy.document is not None else None

    def scps_for(self, account: str) -> list[tuple[str, PolicyJson]]:
        """The SCPs that apply to an account: those attached to it, to an organizational
        unit the input places it under (``list-accounts-for-parent`` and
        ``list-organizational-units-for-parent`` with their ``ParentId``), or to the
        organization root (``r-...``), and those without targets.

        An SCP attached to an OU the input does not place the account under is not
        applied: riskgraph would rather show a path an SCP might block than hide one it
        does not.
        """
        above, current = {account}, account
        while (parent := self.organization_parents.get(current)) is not None \
                and parent not in above:
            above.add(parent)
            current = parent
        return [(scp.arn or scp.name, scp.content) for scp in self.scps
                if not scp.targets or above & set(scp.targets)
                or any(t.startswith("r-") for t in scp.targets)]

    def instance_for(self, node: Node) -> Ec2Instance | None:
        """The EC2 instance behind a Kubernetes node (through ``spec.providerID``)."""
        instance_id = instance_id_of(node)
        return self._instances.get(instance_id) if instance_id else None

    def credentials(self, user_arn: str) -> UserCredentials | None:
        """The user's credential-report row, when the input holds the report."""
        return self._credentials.get(user_arn)

    def vpc(self, vpc_id: str) -> Vpc | None:
        """A VPC read from ``ec2 describe-vpcs``, by id."""
        return self._vpcs.get(vpc_id)

    def roles_of_profile(self, profile_arn_or_name: str) -> list[IamRole]:
        """The roles of an instance profile, by ARN or name."""
        roles = self._profiles.get(profile_arn_or_name)
        if roles is None and "/" in profile_arn_or_name:
            roles = self._profiles.get(profile_arn_or_name.rsplit("/", 1)[-1])
        return roles or []

    @property
    def cluster(self) -> EksCluster | None:
        """The EKS cluster the Kubernetes input is, when the input says or shows which."""
        return next((c for c in self.clusters if c.name == self.cluster_name), None)

    def nodegroup(self, name: str) -> EksNodegroup | None:
        """A node group of :attr:`cluster` by name."""
        return self._nodegroups.get((self.cluster_name or "", name))

    def launch_template(self, id_or_name: str, version: str | None = None
                        ) -> LaunchTemplateVersion | None:
        """A launch template version: the one named, else the default, else the latest."""
        versions = self._templates.get(id_or_name, [])
        if version and version.isdigit():
            return next((v for v in versions if v.version_number == int(version)), None)
        if version == "$Latest" or not versions:
            return max(versions, key=lambda v: v.version_number, default=None)
        return next((v for v in versions if v.default_version),
                    max(versions, key=lambda v: v.version_number))

    @property
    def data_resources(self) -> Iterator[DataResource]:
        """Every data store read: secrets, parameters, buckets, repositories, keys."""
        yield from self.secrets
        yield from self.parameters
        yield from self.buckets
        yield from self.repositories
        yield from self.kms_keys


#: The fields that hold what was read, as lists (every one but the pending joins).
