"""ecr.scan-on-push: an ECR repository does not scan images as they are pushed.

Read from ``imageScanningConfiguration.scanOnPush``; a repository whose entry leaves it out
is not judged (registry-level enhanced scanning is not in the input).
"""

from __future__ import annotations

from collections.abc import Iterator

from riskgraph.checks import Check, Example, Finding
from riskgraph.estate.inventory import Inventory


def find(inv: Inventory) -> Iterator[Finding]:
    for repository in inv.aws.repositories:
        config = repository.image_scanning_configuration
        if config is not None and not config.get("scanOnPush", False):
            yield Finding(repository.arn, f"repository {repository.repository_name} does not "
                          "scan images on push",
                          (f"{repository.arn}: imageScanningConfiguration.scanOnPush=false",),
                          "likely")


_REPOSITORY = """
{"repositories": [{"repositoryArn": "arn:aws:ecr:us-east-1:111122223333:repository/api",
  "repositoryName": "api", "imageScanningConfiguration": {"scanOnPush": %s}}]}
"""

CHECK = Check(
    id="ecr.scan-on-push",
    title="ECR repository does not scan on push",
    severity="low",
    remediation="Turn on scanOnPush for the repository, or enhanced scanning for the "
                "registry.",
    find=find,
    examples=(
        Example("scan off", _REPOSITORY % "false",
                frozenset({"arn:aws:ecr:us-east-1:111122223333:repository/api"})),
        Example("scan on", _REPOSITORY % "true"),
    ),
)
