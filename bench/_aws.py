"""The synthetic AWS account behind an estate, as ``aws ... --output json`` documents.

One file holds a JSON array of CLI outputs: ``iam get-account-authorization-details``,
``iam list-open-id-connect-providers``, ``eks describe-cluster``, one ``eks
describe-nodegroup`` per node group, ``ec2 describe-launch-template-versions``, ``ec2
describe-instances`` (one instance per node, matching its providerID, and a few more),
``eks describe-access-entry`` and ``list-associated-access-policies`` per access entry,
``eks describe-pod-identity-association`` per association, ``s3api list-buckets`` and
``get-bucket-policy`` (with the bucket's name), ``secretsmanager list-secrets``, ``ssm
describe-parameters``, ``ecr describe-repositories``, ``kms list-keys``, and last the VPC
network services (``elasticache describe-cache-clusters`` and ``describe-serverless-caches``,
``opensearch describe-domains``, ``redshift describe-clusters``) with ``ec2
describe-security-groups`` of their groups (``bench._aws_endpoints``), then the credential
report, the organization and the resources that run with a role (``bench._aws_services``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TextIO

from bench._aws_services import Services
from bench._iam_docs import arn
from bench._plan import (
    ACCOUNT,
    CLUSTER,
    OTHER_ACCOUNT,
    REGION,
    TEAMS,
    NodePlan,
    node_role_name,
    role_arn,
)

#: (HttpTokens, hop limit) of node group launch templates, and how common each is.
IMDS_SETTINGS = (("required", 2), ("required", 1), ("optional", 2), ("optional", 1))
IMDS_WEIGHTS = (0.4, 0.3, 0.2, 0.1)
EKS_POLICY = "arn:aws:eks::aws:cluster-access-policy/"


class AwsAccount(Services):
    """Every AWS document of the account, one encoded piece at a time."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.vpc = f"vpc-0{self.hex(64)}"
        self.subnets = {f"{REGION}{z}": f"subnet-0{self.hex(64)}" for z in "abc"}
        self.node_sg = f"sg-0{self.hex(64)}"
        # (launch template id, versions, pinned version, IMDS settings of the pinned one)
        self.templates: dict[str, tuple[str, int, int, tuple[str, int]]] = {}
        for group in self.plan.groups:
            versions = self.rng.randint(1, 3)
            pinned = versions if self.rng.random() < 0.85 else 1
            imds = self.rng.choices(IMDS_SETTINGS, IMDS_WEIGHTS)[0] if pinned == versions else \
                ("optional", 2)
            self.templates[group] = (f"lt-0{self.hex(64)}", versions, pinned, imds)

    def documents(self) -> Iterator[Iterator[str]]:
        yield self.authorization_details()
        yield self.document([("OpenIDConnectProviderList", [
            {"Arn": self.oidc_provider},
            {"Arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{self.staging_issuer}"}])])
        yield self.document([("cluster", self.cluster())])
        for group in self.plan.groups:
            yield self.document([("nodegroup", self.nodegroup(group))])
        yield self.document([("LaunchTemplateVersions", self.launch_templates())])
        yield self.document([("Reservations", self.reservations())])
        yield from self.access_entries()
        for app, spec in self.pod_identity:
            association: dict[str, Any] = {
                "clusterName": CLUSTER, "namespace": app.namespace,
                "serviceAccount": app.service_account, "roleArn": spec.arn,
                "associationArn": arn("eks", f"podidentityassociation/{CLUSTER}/a-"
                                      f"{self.token(17).lower()}"),
                "associationId": f"a-{self.token(17).lower()}", "tags": {},
                "createdAt": self.when(), "modifiedAt": self.when()}
            if self.rng.random() < 0.05:
                association["targetRoleArn"] = role_arn(f"{app.name}-target", OTHER_ACCOUNT)
            yield self.document([("association", association)])
        yield from self.data_stores()
        yield from self.endpoints()  # late: its random draws leave the rest as it was
        yield from self.services()  # last, for the same reason

    # EKS -----------------------------------------------------------------------------------

    def cluster(self) -> dict[str, Any]:
        return {
            "name": CLUSTER, "arn": arn("eks", f"cluster/{CLUSTER}"), "createdAt": self.when(),
            "version": "1.29", "endpoint": f"https://{self.cluster_id}.gr7.{REGION}.eks."
                                            "amazonaws.com",
            "roleArn": role_arn(f"{CLUSTER}-cluster"),
            "resourcesVpcConfig": {"subnetIds": list(self.subnets.values()),
                                   "securityGroupIds": [self.node_sg], "vpcId": self.vpc,
                                   "endpointPublicAccess": True, "endpointPrivateAccess": True,
                                   "publicAccessCidrs": ["0.0.0.0/0"]},
            "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"},
            "identity": {"oidc": {"issuer": f"https://{self.issuer}"}},
            "status": "ACTIVE", "platformVersion": "eks.7", "tags": {},
            "accessConfig": {"bootstrapClusterCreatorAdminPermissions": True,
                             "authenticationMode": "API_AND_CONFIG_MAP"}}

    def nodegroup(self, group: str) -> dict[str, Any]:
        template_id, _, pinned, _ = self.templates[group]
        spot = "-spot-" in group
        return {
            "nodegroupName": group, "nodegroupArn": arn(
                "eks", f"nodegroup/{CLUSTER}/{group}/{self.uuid()}"),
            "clusterName": CLUSTER, "version": "1.29", "releaseVersion": "1.29.0-20240129",
            "createdAt": self.when(), "modifiedAt": self.when(), "status": "ACTIVE",
            "capacityType": "SPOT" if spot else "ON_DEMAND",
            "scalingConfig": {"minSize": 1, "maxSize": 1000, "desiredSize": sum(
                1 for n in self.plan.nodes if n.group == group)},
            "instanceTypes": ["m6i.2xlarge"], "subnets": list(self.subnets.values()),
            "amiType": "AL2_x86_64_GPU" if "-gpu-" in group else "AL2_x86_64",
            "nodeRole": role_arn(node_role_name(group)), "labels": {},
            "resources": {"autoScalingGroups": [{"name": f"eks-{group}-{self.uuid()}"}]},
            "health": {"issues": []}, "updateConfig": {"maxUnavailable": 1},
            "launchTemplate": {"name": f"{CLUSTER}-{group}", "version": str(pinned),
                               "id": template_id},
            "tags": {}}

    def launch_templates(self) -> Iterator[dict[str, Any]]:
        for group, (template_id, versions, pinned, imds) in self.templates.items():
            for number in range(versions, 0, -1):
                tokens, hops = imds if number == pinned else ("optional", 2)
                yield {"LaunchTemplateId": template_id,
                       "LaunchTemplateName": f"{CLUSTER}-{group}", "VersionNumber": number,
                       "CreateTime": self.when(), "DefaultVersion": number == versions,
                       "LaunchTemplateData": {
                           "InstanceType": "m6i.2xlarge", "SecurityGroupIds": [self.node_sg],
                           "UserData": "TUlNRS1WZXJzaW9uOiAxLjA=",
                           "MetadataOptions": {"HttpTokens": tokens,
                                               "HttpPutResponseHopLimit": hops,
                                               "HttpEndpoint": "enabled"}}}

    def access_entries(self) -> Iterator[Iterator[str]]:
        """Node roles as EC2_LINUX entries, then people and pipelines with access policies."""
        for group in self.plan.groups:
            yield self.document([("accessEntry", self._entry(
                role_arn(node_role_name(group)), "EC2_LINUX",
                "system:node:{{EC2PrivateDNSName}}", ["system:nodes"]))])
        candidates = [(r.arn, r.team) for r in self.role_by_family(
            "human", "sso", "deployer", "admin", "ci", "chain")]
        candidates += [(f"arn:aws:iam::{ACCOUNT}:user/{u.name}", u.team) for u in self.users]
        wanted = max(20, self.n_roles // 40) - len(self.plan.groups)
        namespaces: dict[str, list[str]] = {t: [] for t in TEAMS}
        for ns in self.plan.namespaces:
            namespaces[ns.rsplit("-", 1)[0]].append(ns)
        for principal, team in self.rng.sample(candidates, min(wanted, len(candidates))):
            groups = [f"{team}-developers"] if self.rng.random() < 0.4 else []
            name = principal.rsplit("/", 1)[-1]
            username = principal if ":user/" in principal else \
                f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{{{{SessionName}}}}"
            yield self.document([("accessEntry", self._entry(principal, "STANDARD", username,
                                                             groups))])
            draw = self.rng.random()
            if draw > 0.85:
                continue
            policy, scope = ("AmazonEKSClusterAdminPolicy", []) if draw < 0.05 else (
                "AmazonEKSAdminPolicy" if draw < 0.2 else "AmazonEKSEditPolicy" if draw < 0.5
                else "AmazonEKSViewPolicy", self.rng.sample(
                    namespaces[team], min(len(namespaces[team]), self.rng.randint(0, 4))))
            when = self.when()
            yield self.document([
                ("clusterName", CLUSTER), ("principalArn", principal),
                ("associatedAccessPolicies", [{
                    "policyArn": EKS_POLICY + policy, "accessScope": {
                        "type": "namespace" if scope else "cluster", "namespaces": scope},
                    "associatedAt": when, "modifiedAt": when}])])

    def _entry(self, principal: str, kind: str, username: str,
               groups: list[str]) -> dict[str, Any]:
        kind_path = "user" if ":user/" in principal else "role"
        return {"clusterName": CLUSTER, "principalArn": principal, "kubernetesGroups": groups,
                "accessEntryArn": arn("eks", f"access-entry/{CLUSTER}/{kind_path}/{ACCOUNT}/"
                                      f"{principal.rsplit('/', 1)[-1]}/{self.hex(32)}"),
                "createdAt": self.when(), "modifiedAt": self.when(), "tags": {},
                "username": username, "type": kind}

    # EC2 -----------------------------------------------------------------------------------

    def reservations(self) -> Iterator[dict[str, Any]]:
        for node in self.plan.nodes:
            template_id, _, pinned, imds = self.templates[node.group]
            if self.rng.random() < 0.02:  # changed by hand after launch
                imds = ("optional", 2)
            tags = {"Name": f"{CLUSTER}-{node.group}-Node", "eks:cluster-name": CLUSTER,
                    "eks:nodegroup-name": node.group, f"kubernetes.io/cluster/{CLUSTER}": "owned",
                    "aws:ec2launchtemplate:id": template_id,
                    "aws:ec2launchtemplate:version": str(pinned)}
            yield self._reservation(node, self.node_profiles[node.group], imds, tags)
        extras = [r.profile for r in self.roles if r.profile and r.family in (
            "ec2", "admin", "ci")]
        for index in range(max(3, len(self.plan.nodes) // 25)):
            ip = f"10.200.{index // 250}.{index % 250 + 4}"
            node = NodePlan(f"ip-{ip.replace('.', '-')}.ec2.internal", ip, "",
                            f"{REGION}{'abc'[index % 3]}", f"i-0{self.hex(64)}")
            profile = "ci-runner" if index == 0 else self.rng.choice(extras) \
                if extras and index % 4 else None
            imds = ("optional", 1) if index % 3 == 1 else ("required", 2)
            yield self._reservation(node, profile, imds, {"Name": f"legacy-{index}"},
                                    public=index % 4 == 1)

    def _reservation(self, node: NodePlan, profile: str | None, imds: tuple[str, int],
                     tags: dict[str, str], public: bool = False) -> dict[str, Any]:
        subnet = self.subnets[node.zone]
        instance: dict[str, Any] = {
            "AmiLaunchIndex": 0, "ImageId": "ami-0b5e4b8c6ab4b7c9f",
            "InstanceId": node.instance_id, "InstanceType": "m6i.2xlarge",
            "LaunchTime": self.when(120), "Monitoring": {"State": "disabled"},
            "Placement": {"AvailabilityZone": node.zone, "GroupName": "", "Tenancy": "default"},
            "PrivateDnsName": node.name, "PrivateIpAddress": node.ip, "ProductCodes": [],
            "PublicDnsName": "", "State": {"Code": 16, "Name": "running"},
            "SubnetId": subnet, "VpcId": self.vpc, "Architecture": "x86_64",
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
                "AttachTime": self.when(120), "DeleteOnTermination": True,
                "Status": "attached", "VolumeId": f"vol-0{self.hex(64)}"}}],
            "EbsOptimized": True, "Hypervisor": "xen",
            "NetworkInterfaces": [{
                "Attachment": {"DeviceIndex": 0, "Status": "attached",
                               "DeleteOnTermination": True},
                "Groups": [{"GroupName": f"eks-cluster-sg-{CLUSTER}", "GroupId": self.node_sg}],
                "MacAddress": ":".join(f"{b:02x}" for b in self.rng.randbytes(6)),
                "NetworkInterfaceId": f"eni-0{self.hex(64)}", "OwnerId": ACCOUNT,
                "PrivateIpAddress": node.ip, "SubnetId": subnet, "VpcId": self.vpc,
                "Status": "in-use", "SourceDestCheck": True, "InterfaceType": "interface"}],
            "RootDeviceName": "/dev/xvda", "RootDeviceType": "ebs",
            "SecurityGroups": [{"GroupName": f"eks-cluster-sg-{CLUSTER}",
                                "GroupId": self.node_sg}],
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            "VirtualizationType": "hvm",
            "MetadataOptions": {"State": "applied", "HttpTokens": imds[0],
                                "HttpPutResponseHopLimit": imds[1], "HttpEndpoint": "enabled",
                                "HttpProtocolIpv6": "disabled", "InstanceMetadataTags":
                                "disabled"}}
        if profile is not None:
            instance["IamInstanceProfile"] = {
                "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{profile}",
                "Id": self.profile_id(profile)}
        if public:
            address = self.rng.getrandbits(16)
            instance["PublicIpAddress"] = f"54.{address >> 8}.{address & 255}.{node.ip[-1]}"
        return {"Groups": [], "Instances": [instance], "OwnerId": ACCOUNT,
                "RequesterId": "940372691376", "ReservationId": f"r-0{self.hex(64)}"}


def write_aws(account: AwsAccount, out: TextIO) -> None:
    """The account's documents as one JSON array, written a few thousand pieces at a time."""
    nl = "\n" if account.indent else ""
    out.write("[" + nl)
    batch: list[str] = []
    for index, document in enumerate(account.documents()):
        if index:
            batch.append("," + nl)
        for piece in document:
            batch.append(piece)
            if len(batch) > 2000:
                out.writelines(batch)
                batch.clear()
    out.writelines(batch)
    out.write(nl + "]\n")
