"""Known container-escape CVEs, and which of them the versions a node reports fall into.

The table is data (``riskgraph/data/runtime-cves.yaml``, dated): each entry names the flawed
component (runc, containerd, CRI-O or the kernel), its affected range and what the flaw
allows. A node reports ``status.nodeInfo.containerRuntimeVersion`` (``containerd://1.6.20``)
and ``status.nodeInfo.kernelVersion``; runc never appears there, so runc entries map onto the
runtime releases that bundle it. A version that does not parse never matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

from riskgraph.confidence import CONFIDENCE_ORDER, Confidence
from riskgraph.models import Container, Node, Pod
from riskgraph.techniques._shared.common import is_privileged

COMPONENTS = frozenset({"runc", "containerd", "cri-o", "kernel"})
#: Runtimes as the kubelet names them in ``containerRuntimeVersion``.
RUNTIMES = frozenset({"containerd", "cri-o", "docker"})
REQUIREMENTS = frozenset({"root", "hostNetwork", "seccomp-unconfined"})
CONFINING_SECCOMP = frozenset({"RuntimeDefault", "Localhost"})
KERNEL = "kernel"

_VERSION = re.compile(r"^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$")
_PRE_RELEASE = re.compile(r"^[-.~]?(alpha|beta|rc)[.-]?(\d*)", re.IGNORECASE)
_STAGES = {"alpha": 0, "beta": 1, "rc": 2}
_RELEASE = 3


@dataclass(frozen=True, order=True)
class Version:
    """A version as compared: numbers, then pre-release stage (a release sorts last).

    ``build`` is what follows the version proper (``-1.amzn2``, ``+bottlerocket``): a
    distribution's build of that upstream release, ignored when comparing.
    """

    numbers: tuple[int, int, int]
    stage: int = _RELEASE
    pre: int = 0
    build: str = field(default="", compare=False)

    @property
    def branch(self) -> tuple[int, int]:
        """The release branch, ``(major, minor)``."""
        return self.numbers[0], self.numbers[1]


def parse_version(text: str) -> Version | None:
    """Read a version as runtimes and kernels print it; None when it has no leading number.

    >>> parse_version("v1.0.0-rc93") < parse_version("1.0.0")
    True
    >>> parse_version("1.0-rc6") < parse_version("1.0.0-rc7")
    True
    >>> v = parse_version("5.10.210-201.852.amzn2.x86_64")
    >>> v.numbers, v.build
    ((5, 10, 210), '-201.852.amzn2.x86_64')
    >>> parse_version("unknown") is None
    True
    """
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch, rest = match.groups()
    numbers = (int(major), int(minor or 0), int(patch or 0))
    pre = _PRE_RELEASE.match(rest)
    if pre is None:
        return Version(numbers, build=rest)
    return Version(numbers, _STAGES[pre.group(1).lower()], int(pre.group(2) or 0),
                   rest[pre.end():])


def patch_level_hidden(version: Version) -> bool:
    """True for a distribution kernel whose version keeps patch 0 and counts its own builds
    (Ubuntu ``5.15.0-1051-aws``, RHEL ``4.18.0-372.el8``): the upstream fixes it carries
    cannot be read from it."""
    return version.numbers[2] == 0 and bool(version.build)


@dataclass(frozen=True)
class Range:
    """Affected versions: from ``introduced``, up to the fix of the version's branch.

    A version below every fix of its own branch and later branches is affected; a branch
    that got no fix (no longer maintained) is bounded by the next branch that did.
    """

    introduced: Version
    fixed: tuple[Version, ...]

    def contains(self, version: Version) -> bool:
        """Whether ``version`` is affected."""
        if version < self.introduced:
            return False
        bound = min((f for f in self.fixed if f.branch >= version.branch), default=None)
        return bound is not None and version < bound


@dataclass(frozen=True)
class Cve:
    """One table entry; ``shipped_in`` maps a bundled component onto runtime releases."""

    id: str
    component: str
    affected: Range
    allows: str
    source: str
    requires: frozenset[str] = frozenset()
    confidence: Confidence = "likely"
    precondition: str | None = None
    shipped_in: dict[str, Range] = field(default_factory=dict)

    def range_for(self, software: str) -> Range | None:
        """The affected range of ``software`` as a node reports it, if the entry has one."""
        if software == self.component:
            return self.affected
        return self.shipped_in.get(software)


@dataclass(frozen=True)
class CveTable:
    written: date
    cves: tuple[Cve, ...]


class Reported(NamedTuple):
    """A version a node reports: ``software`` is a runtime name or ``kernel``."""

    software: str
    version: Version
    field: str
    text: str


class Finding(NamedTuple):
    cve: Cve
    reported: Reported


# Loading -------------------------------------------------------------------------------

def _version(value: Any, where: str) -> Version:
    # A YAML number (5.10 read as 5.1) would silently change the range: demand text.
    parsed = parse_version(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"{where}: version {value!r} must be a quoted version string")
    return parsed


def _range(entry: dict[str, Any], where: str) -> Range:
    fixed = entry.get("fixed")
    if not isinstance(fixed, list) or not fixed:
        raise ValueError(f"{where}: 'fixed' must list at least one version")
    return Range(_version(entry.get("introduced"), f"{where}.introduced"),
                 tuple(sorted(_version(f, f"{where}.fixed") for f in fixed)))


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: '{key}' is required")
    return value.strip()


def _cve(entry: Any, where: str) -> Cve:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: an entry must be a mapping")
    where = f"{where} ({entry.get('id')})"
    component = _text(entry, "component", where)
    if component not in COMPONENTS:
        raise ValueError(f"{where}: component {component!r} is not one of {sorted(COMPONENTS)}")
    requires = frozenset(entry.get("requires") or ())
    if not requires <= REQUIREMENTS:
        raise ValueError(f"{where}: unknown requirement(s) {sorted(requires - REQUIREMENTS)}")
    confidence = entry.get("confidence", "likely")
    if confidence not in CONFIDENCE_ORDER:
        raise ValueError(f"{where}: confidence {confidence!r} is not one of {CONFIDENCE_ORDER}")
    shipped: dict[str, Range] = {}
    for index, bundle in enumerate(entry.get("shipped_in") or ()):
        if not isinstance(bundle, dict):
            raise ValueError(f"{where}.shipped_in[{index}]: must be a mapping")
        runtime = _text(bundle, "runtime", f"{where}.shipped_in[{index}]")
        if runtime not in RUNTIMES:
            raise ValueError(f"{where}: runtime {runtime!r} is not one of {sorted(RUNTIMES)}")
        shipped[runtime] = _range(bundle, f"{where}.shipped_in[{index}]")
    precondition = entry.get("precondition")
    return Cve(_text(entry, "id", where), component, _range(entry, where),
               _text(entry, "allows", where), _text(entry, "source", where), requires,
               confidence, precondition.strip() if isinstance(precondition, str) else None,
               shipped)


def parse_table(data: Any, name: str = "runtime-cves.yaml") -> CveTable:
    """Validate the table's parsed YAML; ``ValueError`` names the entry and field at fault."""
    if not isinstance(data, dict) or not isinstance(data.get("written"), date):
        raise ValueError(f"{name}: needs 'written' (the date the table was checked) and 'cves'")
    entries = data.get("cves")
    if not isinstance(entries, list):
        raise ValueError(f"{name}: 'cves' must be a list")
    return CveTable(data["written"],
                    tuple(_cve(entry, f"{name}: cves[{i}]") for i, entry in enumerate(entries)))


@cache
def load_table() -> CveTable:
    """The table shipped with riskgraph."""
    text = resources.files("riskgraph").joinpath("data/runtime-cves.yaml").read_text()
    return parse_table(yaml.safe_load(text))


# Matching ------------------------------------------------------------------------------

def reported_versions(node: Node) -> list[Reported]:
    """The runtime and kernel versions a node reports, where they parse."""
    info = node.status.get("nodeInfo")
    if not isinstance(info, dict):
        return []
    found = []
    runtime = info.get("containerRuntimeVersion")
    if isinstance(runtime, str) and "://" in runtime:
        name, _, text = runtime.partition("://")
        version = parse_version(text)
        if name.lower() in RUNTIMES and version is not None:
            found.append(Reported(name.lower(), version, "containerRuntimeVersion", runtime))
    kernel = info.get("kernelVersion")
    if isinstance(kernel, str):
        version = parse_version(kernel)
        if version is not None:
            found.append(Reported(KERNEL, version, "kernelVersion", kernel))
    return found


def findings(node: Node, table: CveTable | None = None) -> list[Finding]:
    """Every CVE of the table whose range holds a version the node reports."""
    cves = (table or load_table()).cves
    found = []
    for reported in reported_versions(node):
        for cve in cves:
            affected = cve.range_for(reported.software)
            if affected is not None and affected.contains(reported.version):
                found.append(Finding(cve, reported))
    return found


# What a container offers an exploit -------------------------------------------------------

def may_run_as_root(pod: Pod, container: Container) -> bool:
    """False only when the spec rules UID 0 out (``runAsNonRoot`` or a non-zero
    ``runAsUser``, the container's setting over the pod's); the image may default to root."""
    own, shared = container.security_context, pod.spec.security_context
    non_root = own.run_as_non_root if own and own.run_as_non_root is not None else (
        shared.run_as_non_root if shared else None)
    if non_root:
        return False
    user = own.run_as_user if own and own.run_as_user is not None else (
        shared.run_as_user if shared else None)
    return user is None or user == 0


def seccomp_confined(pod: Pod, container: Container) -> bool:
    """The effective seccomp profile filters syscalls (a privileged container has none)."""
    if is_privileged(container):
        return False
    own = container.security_context and container.security_context.seccomp_profile
    profile = own or (pod.spec.security_context and pod.spec.security_context.seccomp_profile)
    return bool(profile and profile.type in CONFINING_SECCOMP)


def requirements_met(pod: Pod, container: Container) -> frozenset[str]:
    """The table's ``requires`` values this container meets."""
    met = set()
    if may_run_as_root(pod, container):
        met.add("root")
    if pod.spec.host_network:
        met.add("hostNetwork")
    if not seccomp_confined(pod, container):
        met.add("seccomp-unconfined")
    return frozenset(met)
