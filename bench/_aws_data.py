"""The data stores of the synthetic AWS account: S3 buckets (a quarter with a bucket policy),
Secrets Manager secrets, SSM parameters, ECR repositories and KMS keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bench._iam import IamDocuments
from bench._iam_docs import allow, arn, deny, doc
from bench._plan import ACCOUNT, OTHER_ACCOUNT, REGION, TEAMS


class DataStores(IamDocuments):
    """The list (and policy) documents of the account's data stores."""

    def data_stores(self) -> Iterator[Iterator[str]]:
        yield from self.buckets_and_policies()
        yield self.document([("SecretList", self.secret_list())])
        yield self.document([("Parameters", self.parameter_list())])
        yield self.document([("repositories", (
            {"repositoryArn": arn("ecr", f"repository/{name}"), "registryId": ACCOUNT,
             "repositoryName": name,
             "repositoryUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}",
             "createdAt": self.when(), "imageTagMutability": "MUTABLE",
             "imageScanningConfiguration": {"scanOnPush": self.rng.random() < 0.5},
             "encryptionConfiguration": {"encryptionType": "AES256"}}
            for name in self.repositories))])
        yield self.document([("Keys", ({"KeyId": key, "KeyArn": arn("kms", f"key/{key}")}
                                       for key in self.kms_keys))])

    def buckets_and_policies(self) -> Iterator[Iterator[str]]:
        names = self.bucket_names()
        yield self.document([("Buckets", ({"Name": name, "CreationDate": self.when()}
                                          for name in names)),
                             ("Owner", {"DisplayName": "estate-prod-aws", "ID": self.hex(256)})])
        grantees = [r.arn for r in self.role_by_family("irsa", "lambda", "ecs")]
        for name in names:
            if self.rng.random() >= 0.25:
                continue
            resources = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
            statements = [{"Sid": "DenyInsecureTransport", "Principal": "*", **deny(
                "s3:*", resources, {"Bool": {"aws:SecureTransport": "false"}})}]
            draw = self.rng.random()
            if draw < 0.15:
                grant = {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}
            elif draw < 0.25 and grantees:
                grant = {"AWS": self.rng.choice(grantees)}
            elif draw < 0.28:
                grant = {"AWS": "*"}  # public: the mistake bucket policies are known for
            else:
                grant = {}
            if grant:
                statements.append({"Principal": grant, **allow(
                    ["s3:GetObject", "s3:ListBucket"], resources)})
            yield self.document([("Bucket", name),
                                 ("Policy", json.dumps(doc(*statements)))])

    def secret_list(self) -> Iterator[dict[str, Any]]:
        for team in TEAMS:
            for name, secret_arn in self.secrets[team]:
                secret: dict[str, Any] = {"ARN": secret_arn, "Name": name,
                                          "Description": f"{name} of team {team}"}
                if self.rng.random() < 0.3:
                    secret["KmsKeyId"] = arn("kms", f"key/{self.rng.choice(self.kms_keys)}")
                yield {**secret, "LastChangedDate": self.when(), "LastAccessedDate":
                       self.when(), "Tags": [{"Key": "team", "Value": team}],
                       "SecretVersionsToStages": {self.uuid(): ["AWSCURRENT"]},
                       "CreatedDate": self.when()}

    def parameter_list(self) -> Iterator[dict[str, Any]]:
        for team in TEAMS:
            for name in self.parameters[team]:
                draw = self.rng.random()
                kind = "SecureString" if draw < 0.35 else "StringList" if draw < 0.4 else \
                    "String"
                parameter: dict[str, Any] = {"Name": name, "ARN": arn("ssm", f"parameter{name}"),
                                             "Type": kind}
                if kind == "SecureString":
                    parameter["KeyId"] = "alias/aws/ssm"
                yield {**parameter, "LastModifiedDate": self.when(),
                       "LastModifiedUser": f"arn:aws:iam::{ACCOUNT}:user/ci-deployer",
                       "Version": self.rng.randint(1, 9), "Tier": "Standard", "Policies": [],
                       "DataType": "text"}
