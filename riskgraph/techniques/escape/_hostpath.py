"""hostPath rules: which host paths a container really sees, and which listed paths they cover.

A container reaches a hostPath volume only through its own volumeMounts; the host path a
mount exposes is the volume's ``hostPath.path`` joined with the mount's ``subPath``. A
mounted path *covers* a listed path when, after normalising, it is that path or one of its
ancestors; listed paths may hold ``fnmatch`` patterns per component (``/home/*/.ssh``).
Paths are compared as the node resolves them: ``/var/run`` is a symlink to ``/run`` (and
``/var/lock`` to ``/run/lock``) on the EKS node images, so ``/var/run/x`` and ``/run/x`` are
one path, and a mount of ``/var`` does not reach below ``/run``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from riskgraph.models import Container, Pod
from riskgraph.models.pod import VolumeMount
from riskgraph.techniques._shared.common import containers, evidence
from riskgraph.techniques.escape._identity import Access, Need, root_file_access

Components = tuple[str, ...]

#: The node OS's symlinks among the paths the techniques list, as the EKS-optimised Amazon
#: Linux 2 and 2023 AMIs (and Bottlerocket, Ubuntu) lay them out: ``/var/run`` -> ``/run``
#: and ``/var/lock`` -> ``/run/lock``.
NODE_SYMLINKS: dict[Components, Components] = {
    ("var", "run"): ("run",),
    ("var", "lock"): ("run", "lock"),
}


def normalise(path: str) -> str:
    """Absolute normalised form: single slashes, no trailing slash, ``.``/``..`` resolved.

    A relative path is taken from ``/`` (the kubelet's working directory).

    >>> normalise("//var//run/./docker.sock/")
    '/var/run/docker.sock'
    >>> normalise("/etc/kubernetes/../..")
    '/'
    """
    # normpath keeps exactly two leading slashes (POSIX allows them a meaning), so strip first.
    return posixpath.normpath("/" + path.lstrip("/"))


def components(path: str) -> Components:
    """The components of the normalised path; ``()`` for ``/``."""
    return tuple(part for part in normalise(path).split("/") if part)


def canonical(path: str) -> Components:
    """The components of the path the host really means, its symlinks resolved.

    The kubelet resolves a hostPath on the host, so ``/var/run/x`` is ``/run/x``. The
    symlink itself is not: mounted through an ancestor (``/var``), ``run`` is a link the
    container resolves in its own mount namespace, so ``/var`` holds no host socket.

    >>> canonical("/var/run/docker.sock"), canonical("/var/lib")
    (('run', 'docker.sock'), ('var', 'lib'))
    """
    parts = components(path)
    for link, target in NODE_SYMLINKS.items():
        if parts[:len(link)] == link:
            return target + parts[len(link):]
    return parts


def _is_prefix(mounted: Components, listed: Components) -> bool:
    return len(mounted) <= len(listed) and all(
        fnmatchcase(name, pattern) for name, pattern in zip(mounted, listed, strict=False))


def covers(mounted: str, listed: str) -> bool:
    """True when host path ``mounted`` is ``listed`` or one of its real ancestors.

    Both are compared as the host resolves them (:func:`canonical`). ``listed`` may use
    ``fnmatch`` patterns per component. A path strictly below ``listed`` does not cover it.

    >>> covers("/", "/etc/shadow"), covers("/run", "/var/run/docker.sock")
    (True, True)
    >>> covers("/home/bob", "/home/*/.ssh"), covers("/etc/foo", "/etc")
    (True, False)
    >>> covers("/var", "/var/run/docker.sock"), covers("/var/run", "/run/containerd")
    (False, True)
    """
    return _is_prefix(canonical(mounted), canonical(listed))


# A few distinct host paths recur across thousands of pods: answer each (path, list) once.
@lru_cache(maxsize=4096)
def covered(mounted: str, listed: tuple[str, ...]) -> tuple[str, ...]:
    """The paths of ``listed`` that ``mounted`` covers, in their given order.

    Two spellings of one path (``/run/x`` and ``/var/run/x``) count once, as first listed.
    """
    found: dict[Components, str] = {}
    for path in listed:
        key = canonical(path)
        if key not in found and covers(mounted, path):
            found[key] = path
    return tuple(found.values())


@dataclass(frozen=True)
class HostMount:
    """One volumeMount of a container that exposes a host directory or file."""

    volume_index: int
    volume_path: str
    mount_index: int
    mount: VolumeMount

    @property
    def host_path(self) -> str:
        """The normalised host path the container sees at its mountPath."""
        if self.mount.sub_path:
            # Joined as text: an (invalid) absolute subPath must not escape the volume.
            return normalise(f"{self.volume_path}/{self.mount.sub_path}")
        return normalise(self.volume_path)

    @property
    def writable(self) -> bool:
        return not self.mount.read_only


def hostpath_volumes(pod: Pod) -> dict[str, tuple[int, str]]:
    """The pod's hostPath volumes: name -> (index in ``spec.volumes``, ``hostPath.path``)."""
    found: dict[str, tuple[int, str]] = {}
    for index, volume in enumerate(pod.spec.volumes):
        if volume.host_path is not None:
            found.setdefault(volume.name, (index, volume.host_path.path))
    return found


def _mounts_of(volumes: dict[str, tuple[int, str]], container: Container) -> list[HostMount]:
    return [HostMount(*volumes[mount.name], mount_index, mount)
            for mount_index, mount in enumerate(container.volume_mounts)
            if mount.name in volumes]


def host_mounts(pod: Pod, container: Container) -> list[HostMount]:
    """The container's own mounts of the pod's hostPath volumes, in volumeMounts order."""
    return _mounts_of(hostpath_volumes(pod), container)


@dataclass(frozen=True)
class Exposure:
    """A container whose host mounts cover some listed paths."""

    pod: Pod
    container: Container
    container_path: str
    matches: tuple[tuple[HostMount, tuple[str, ...]], ...]
    #: Whether the container's user can open the root-only files there.
    access: Access

    def evidence(self) -> tuple[str, ...]:
        """The volume and the mount fields behind each match, and the user's fields."""
        proof: list[str] = []
        for host_mount, _ in self.matches:
            mount = host_mount.mount
            fields: dict[str, object] = {"name": mount.name, "mountPath": mount.mount_path,
                                         "readOnly": mount.read_only}
            if mount.sub_path:
                fields["subPath"] = mount.sub_path
            proof.append(evidence(self.pod, f"volumes[{host_mount.volume_index}].hostPath.path",
                                  host_mount.volume_path))
            proof.append(evidence(
                self.pod, f"{self.container_path}.volumeMounts[{host_mount.mount_index}]", fields))
        return (*proof, *self.access.proof)

    def describe(self) -> str:
        """``the host's /var/run (which holds /var/run/docker.sock)`` for every match."""
        parts = []
        for host_mount, paths in self.matches:
            depth = len(canonical(host_mount.host_path))
            shown = [p for p in paths if len(canonical(p)) > depth]
            if not shown:
                parts.append(f"the host's {host_mount.host_path}")
                continue
            more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
            listed = ", ".join(shown[:3]) + more
            parts.append(f"the host's {host_mount.host_path} (which holds {listed})")
        return " and ".join(parts)


def exposures(pods: Iterable[Pod], listed: tuple[str, ...], need: Need, *,
              writable_only: bool = False) -> Iterator[Exposure]:
    """Every container whose hostPath mounts cover one of ``listed`` (root-only files) and
    whose user may ``need`` them (:func:`~riskgraph.techniques.escape._identity.root_file_access`).

    With ``writable_only`` a mount marked ``readOnly`` does not count.
    """
    for pod in pods:
        volumes = hostpath_volumes(pod)
        if not volumes:
            continue
        for container, path in containers(pod):
            matches = []
            for host_mount in _mounts_of(volumes, container):
                if writable_only and not host_mount.writable:
                    continue
                hits = covered(host_mount.host_path, listed)
                if hits:
                    matches.append((host_mount, hits))
            if not matches:
                continue
            access = root_file_access(pod, container, path, need)
            if access is not None:
                yield Exposure(pod, container, path, tuple(matches), access)
