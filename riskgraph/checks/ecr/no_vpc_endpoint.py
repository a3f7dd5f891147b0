"""ecr.no-vpc-endpoint: the cluster's VPC pulls images from ECR without VPC endpoints.

Private pulls need interface endpoints for ``ecr.api`` and ``ecr.dkr`` and the S3 gateway
endpoint (image layers live in S3); without them, nodes reach ECR through a NAT gateway and
the internet. Judged only when an ``ec2 describe-vpc-endpoints`` answer is in the input (an
empty one counts), for the EKS cluster's VPC, else every VPC read.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory

NEEDED = ("ecr.api", "ecr.dkr", "s3")


def find(inv: Inventory) -> Iterator[Finding]:
    aws = inv.aws
    if not aws.vpc_endpoints_read:
        return
    cluster = aws.cluster
    vpc_ids = [cluster.resources_vpc_config.vpc_id] if cluster is not None \
        and cluster.resources_vpc_config.vpc_id else [v.vpc_id for v in aws.vpcs]
    for vpc_id in vpc_ids:
        # com.amazonaws.<region>.ecr.dkr -> ecr.dkr
        services = {e.service_name.split(".", 3)[-1] for e in aws.vpc_endpoints
                    if e.vpc_id == vpc_id and e.state.lower() in ("", "available")}
        missing = [name for name in NEEDED if name not in services]
        if missing:
            yield Finding(vpc_id, f"VPC {vpc_id} has no endpoint for {', '.join(missing)}, so "
                          "image pulls from ECR leave through the internet",
                          tuple(f"{vpc_id}: VpcEndpoints[ServiceName=*.{name}]=none"
                                for name in missing))


_VPC = """
{"Vpcs": [{"VpcId": "vpc-0abc", "CidrBlock": "10.0.0.0/16"}]}
{"VpcEndpoints": [%s]}
"""
_ENDPOINT = ('{"VpcEndpointId": "vpce-%d", "VpcId": "vpc-0abc", "State": "available", '
             '"ServiceName": "com.amazonaws.us-east-1.%s"}')

CHECK = Check(
    id="ecr.no-vpc-endpoint",
    title="No ECR VPC endpoints for private image pulls",
    severity="low",
    remediation="Create interface endpoints for com.amazonaws.<region>.ecr.api and "
                ".ecr.dkr and a gateway endpoint for S3 in the cluster's VPC.",
    find=find,
    examples=(
        Example("only the S3 gateway", _VPC % (_ENDPOINT % (1, "s3")),
                frozenset({"vpc-0abc"})),
        Example("all three", _VPC % ", ".join(
            _ENDPOINT % (i, name) for i, name in enumerate(NEEDED))),
        Example("endpoints not read", '{"Vpcs": [{"VpcId": "vpc-0abc"}]}'),
    ),
)
