"""ecr.tag-mutability: an ECR repository lets a pushed tag be overwritten.

Read from ``imageTagMutability`` of ``ecr describe-repositories``; a repository whose entry
leaves it out is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory


def find(inv: Inventory) -> Iterator[Finding]:
    for repository in inv.aws.repositories:
        if repository.image_tag_mutability == "MUTABLE":
            yield Finding(repository.arn, f"repository {repository.repository_name} lets "
                          "anyone who can push move a tag to other content",
                          (f"{repository.arn}: imageTagMutability=MUTABLE",))


_REPOSITORY = """
{"repositories": [{"repositoryArn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
  "repositoryName": "api", "imageTagMutability": "%s"}]}
"""

CHECK = Check(
    id="ecr.tag-mutability",
    title="ECR repository tags are mutable",
    severity="medium",
    remediation="Set imageTagMutability to IMMUTABLE (aws ecr put-image-tag-mutability).",
    find=find,
    examples=(
        Example("mutable", _REPOSITORY % "MUTABLE",
                frozenset({"arn:aws:ecr:us-east-1:111122223333:repository/api"})),
        Example("immutable", _REPOSITORY % "IMMUTABLE"),
    ),
)
