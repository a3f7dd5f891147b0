"""What every AWS model shares: the two spellings of CLI output, decoded policy documents,
ARN accounts and tags."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel, to_pascal

PolicyJson = dict[str, Any]


def decode_policy(value: Any) -> Any:
    """A policy document from the CLI (already decoded), boto3, or the raw API (URL-encoded
    JSON text); ``None`` and ``""`` stand for no policy."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{"):
            text = unquote(text)
        return json.loads(text)
    return value


PolicyDocument = Annotated[PolicyJson, BeforeValidator(decode_policy)]


class AwsModel(BaseModel):
    """PascalCase output (IAM, EC2, Secrets Manager, SSM, S3, KMS, Organizations)."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True,
                              extra="ignore", coerce_numbers_to_str=True)


class EksModel(BaseModel):
    """camelCase output (EKS, ECR)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              extra="ignore", coerce_numbers_to_str=True)


def account_of(arn: str) -> str:
    """The account id field of an ARN (``""`` for S3 buckets and other account-less ARNs).

    >>> account_of("arn:aws:iam::111122223333:role/batch")
    '111122223333'
    """
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""


class Tag(AwsModel):
    key: str
    value: str = ""
