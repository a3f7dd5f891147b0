"""How confined a container is: its added capabilities, seccomp and AppArmor profiles.

Capability escapes depend on these; each helper returns the evidence that decided, or None.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques import Edge
from riskgraph.techniques._shared.common import (
    containers_with_security_context,
    escape_edges,
    evidence,
    has_capability,
    spec_source,
)
from riskgraph.techniques.escape._identity import non_root, raised_only_by_files

UNCONFINED = "Unconfined"
#: The deprecated per-container AppArmor annotation, still honoured by the kubelet.
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _annotation_evidence(pod: Pod, key: str, value: str) -> str:
    owner, spec_path = spec_source(pod)
    metadata_path = spec_path.removesuffix("spec") + "metadata"
    return f"{owner}: {metadata_path}.annotations[{json.dumps(key)}]={json.dumps(value)}"


def capability_evidence(pod: Pod, container: Container, path: str) -> str:
    """Evidence naming the container's ``capabilities.add`` list as written."""
    context = container.security_context
    added = context.capabilities.add if context and context.capabilities else []
    return evidence(pod, f"{path}.securityContext.capabilities.add", added)


def seccomp_unconfined(pod: Pod, container: Container, path: str) -> str | None:
    """Evidence that the container's effective seccomp profile is Unconfined, else None.

    The container's own ``seccompProfile`` wins over the pod's.
    """
    own = container.security_context and container.security_context.seccomp_profile
    if own:
        field = f"{path}.securityContext.seccompProfile.type"
        return evidence(pod, field, own.type) if own.type == UNCONFINED else None
    pod_level = pod.spec.security_context and pod.spec.security_context.seccomp_profile
    if pod_level and pod_level.type == UNCONFINED:
        return evidence(pod, "securityContext.seccompProfile.type", pod_level.type)
    return None


def apparmor_unconfined(pod: Pod, container: Container, path: str) -> str | None:
    """Evidence that the container's effective AppArmor profile is Unconfined, else None.

    Precedence as the kubelet applies it: the container's ``appArmorProfile``, then the
    container's annotation, then the pod's ``appArmorProfile``.
    """
    own = container.security_context and container.security_context.app_armor_profile
    if own:
        field = f"{path}.securityContext.appArmorProfile.type"
        return evidence(pod, field, own.type) if own.type == UNCONFINED else None
    key = APPARMOR_ANNOTATION + container.name
    annotation = pod.metadata.annotations.get(key)
    if annotation is not None:
        return _annotation_evidence(pod, key, annotation) if annotation == "unconfined" else None
    pod_level = pod.spec.security_context and pod.spec.security_context.app_armor_profile
    if pod_level and pod_level.type == UNCONFINED:
        return evidence(pod, "securityContext.appArmorProfile.type", pod_level.type)
    return None


def capability_escapes(inv: Inventory, capability: str, consequence: str) -> Iterator[Edge]:
    """Escape edges of every container that adds ``capability``, whatever its confinement.

    ``consequence`` completes the reason: "container web/app has CAP_X, so it <consequence>".
    """
    for pod, container, path in containers_with_security_context(inv.pods):
        if has_capability(container, capability):
            # A non-root process loses added capabilities on exec, unless raised again.
            user = non_root(pod, container, path)
            why, proof = ("", ()) if user is None else (
                raised_only_by_files(user[0], capability), user[1])
            yield from escape_edges(
                inv, pod, container,
                f"container {pod.name}/{container.name} has CAP_{capability}, so it "
                f"{consequence}{why}", (capability_evidence(pod, container, path), *proof),
                "certain" if user is None else "likely")
