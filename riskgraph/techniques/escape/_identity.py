"""Who a container's process is on the host's files: root, a known non-root user, or
whatever user the image names.

The node's credential files, the kubelet's pod directories and the runtime sockets belong
to root and are closed to other users (``/etc/shadow`` 0000, keys 0600, sockets 0660
``root:root``, directories 0700 or 0750). A non-root process opens them only with
``CAP_DAC_OVERRIDE`` (read or write) or ``CAP_DAC_READ_SEARCH`` (read). So a container
proven non-root (``runAsUser`` above 0, or ``runAsNonRoot`` without one, which the kubelet
enforces against the image) that adds neither reaches nothing there; one that adds one
holds it only through ambient or file capabilities (the runtime clears a non-root process's
effective set on exec): ``likely``. Without ``runAsUser`` or ``runAsNonRoot`` the image
decides, and most images run as root: ``likely``. Root, or privileged, as found.

Assumed: the image carries no setuid-root program a non-root process could become root
through (``allowPrivilegeEscalation: false`` rules that out for any image).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from riskgraph.confidence import Confidence
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import evidence, is_privileged


class Need(Enum):
    """What the step does to a root-only file, and the capabilities that let others do it."""

    READ = ("DAC_OVERRIDE", "DAC_READ_SEARCH")
    WRITE = ("DAC_OVERRIDE",)


@dataclass(frozen=True)
class Access:
    """How sure it is that the process can open root-only files, why, and the fields read."""

    confidence: Confidence
    why: str
    proof: tuple[str, ...]


ROOT = Access("certain", "", ())


def _user(pod: Pod, container: Container, path: str) -> tuple[int | None, bool, tuple[str, ...]]:
    """(runAsUser, runAsNonRoot, their evidence): the container's field wins over the pod's."""
    own, shared = container.security_context, pod.spec.security_context
    uid: int | None = None
    proven = False
    proof: list[str] = []
    if own is not None and own.run_as_user is not None:
        uid = own.run_as_user
        proof.append(evidence(pod, f"{path}.securityContext.runAsUser", uid))
    elif shared is not None and shared.run_as_user is not None:
        uid = shared.run_as_user
        proof.append(evidence(pod, "securityContext.runAsUser", uid))
    if own is not None and own.run_as_non_root is not None:
        proven = own.run_as_non_root
        proof.append(evidence(pod, f"{path}.securityContext.runAsNonRoot", proven))
    elif shared is not None and shared.run_as_non_root is not None:
        proven = shared.run_as_non_root
        proof.append(evidence(pod, "securityContext.runAsNonRoot", proven))
    return uid, proven, tuple(proof)


def _dac_added(container: Container, need: Need) -> str | None:
    """The first capability of ``need`` the container adds (and does not drop by name)."""
    own = container.security_context
    if own is None or own.capabilities is None:
        return None
    added = {c.upper().removeprefix("CAP_") for c in own.capabilities.add}
    dropped = {c.upper().removeprefix("CAP_") for c in own.capabilities.drop}
    capabilities: tuple[str, ...] = need.value
    for capability in capabilities:
        if (capability in added or "ALL" in added) and capability not in dropped:
            return capability
    return None


def raised_only_by_files(who: str, capability: str) -> str:
    """Why an added capability of a non-root process is only ``likely`` to be held."""
    return (f"; it runs as {who}, whose added CAP_{capability} counts only if the runtime "
            "or the program's file capabilities raise it")


def non_root(pod: Pod, container: Container, path: str) -> tuple[str, tuple[str, ...]] | None:
    """(who, evidence) when the container provably runs as a user other than root and is
    not privileged; None otherwise."""
    if is_privileged(container):
        return None
    uid, proven, proof = _user(pod, container, path)
    if uid == 0 or (uid is None and not proven):
        return None
    return (f"user {uid}" if uid is not None else "a non-root user"), proof


def root_file_access(pod: Pod, container: Container, path: str, need: Need) -> Access | None:
    """Whether the container's process can read or write root-only host files; None when it
    provably cannot.

    Parameters
    ----------
    pod, container
        The container and its pod (pod-level ``securityContext`` is the default).
    path
        JSON path of the container in the pod spec (``containers[0]``), for evidence.
    need
        Reading or writing (connecting to a socket is a write).
    """
    if is_privileged(container) or _user(pod, container, path)[0] == 0:
        return ROOT
    found = non_root(pod, container, path)
    if found is None:
        return Access("likely", "; the image decides its user (no runAsUser or runAsNonRoot), "
                                "assumed root", ())
    who, proof = found
    capability = _dac_added(container, need)
    if capability is None:
        return None
    return Access("likely", raised_only_by_files(who, capability),
                  (*proof, evidence(pod, f"{path}.securityContext.capabilities.add",
                                    _own_adds(container))))


def _own_adds(container: Container) -> list[str]:
    own = container.security_context
    return list(own.capabilities.add) if own and own.capabilities else []
