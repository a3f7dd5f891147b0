"""Image references read as the container runtime reads them: registry, tag and digest."""

from __future__ import annotations

import re
from typing import NamedTuple

#: Private ECR registries: ``<account>.dkr.ecr.<region>.amazonaws.com`` (and ``.com.cn``).
PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


class ImageRef(NamedTuple):
    registry: str
    repository: str
    tag: str | None
    digest: str | None


def parse_image(image: str) -> ImageRef:
    """Split a reference; a first part without a dot, a colon or ``localhost`` is a Docker
    Hub namespace, not a registry.

    >>> parse_image("nginx")
    ImageRef(registry='docker.io', repository='nginx', tag=None, digest=None)
    >>> parse_image("localhost:5000/app:1.2@sha256:ab").tag
    '1.2'
    """
    rest, _, digest = image.partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    name, colon, tag = path.rpartition(":") if ":" in path else (path, "", "")
    return ImageRef(registry, name, tag if colon else None, digest or None)
