"""Helpers every technique shares: ids, evidence paths and escape targets of pods."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring_ascii
from typing import Any

from riskgraph import ids
from riskgraph.confidence import Confidence, weakest
from riskgraph.estate.inventory import Inventory
from riskgraph.models import Container, Pod
from riskgraph.techniques import Edge

_SPEC_PATH = {
    None: "spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
}


def namespace_of(pod: Pod) -> str:
    return pod.metadata.namespace or "default"


def pod_id(pod: Pod) -> str:
    """``k8s:Pod:<ns>/<name>``; for a template the name is the workload's."""
    return ids.k8s_id("Pod", pod.name, namespace_of(pod))


def container_vertex(pod: Pod, container: Container) -> str:
    return ids.container_id(namespace_of(pod), pod.name, container.name)


def spec_source(pod: Pod) -> tuple[str, str]:
    """(id of the object that holds the pod spec, JSON path of the spec inside it).

    Evidence names the object the user wrote: the Deployment, not the template pod; for a
    class of live replicas, its first pod.
    """
    if pod.template_of is None:
        if pod.replicas:
            return ids.k8s_id("Pod", next(iter(pod.replicas)), namespace_of(pod)), "spec"
        return pod_id(pod), "spec"
    kind = pod.template_kind or ""
    return (ids.k8s_id(kind, pod.name, namespace_of(pod)),
            _SPEC_PATH.get(kind, "spec.template.spec"))


def json_value(value: Any) -> str:
    """Compact JSON of an evidence value, as ``json.dumps(value, separators=(",", ":"))``.

    Nearly every value is a string, a boolean or a number: those are encoded directly,
    because hundreds of thousands of evidence strings each paid for a JSONEncoder.
    """
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if kind is list and all(type(item) is int for item in value):  # declared port numbers
        return f"[{','.join(map(str, value))}]"
    return json.dumps(value, separators=(",", ":"))


def evidence(pod: Pod, path: str, value: Any) -> str:
    """``<object id>: <json path>=<value>`` for a field of the pod spec."""
    owner, spec_path = spec_source(pod)
    return f"{owner}: {spec_path}.{path}={json_value(value)}"


def node_evidence(pod: Pod, replica: str, node: str) -> str:
    """``<pod id>: spec.nodeName=<node>`` of the live pod (``replica``, for a class of
    replicas) that runs on ``node``."""
    return f"{ids.k8s_id('Pod', replica, namespace_of(pod))}: spec.nodeName={json_value(node)}"


def runs_on(pod: Pod, replica: str) -> str:
    """Who runs on a node, for a reason: ``pod web``, or ``api's replica api-5d8-x2``."""
    return f"pod {pod.name}" if replica == pod.name else f"{pod.name}'s replica {replica}"


def _container_groups(pod: Pod) -> tuple[tuple[str, list[Container]], ...]:
    """The pod's container lists with their JSON names: containers, init, ephemeral."""
    spec = pod.spec
    return (("containers", spec.containers), ("initContainers", spec.init_containers),
            ("ephemeralContainers", spec.ephemeral_containers))


def containers(pod: Pod) -> Iterator[tuple[Container, str]]:
    """Every container of the pod with its JSON path inside the spec."""
    for json_name, group in _container_groups(pod):
        for index, container in enumerate(group):
            yield container, f"{json_name}[{index}]"


def containers_with_security_context(pods: Iterable[Pod]) -> Iterator[tuple[Pod, Container, str]]:
    """(pod, container, JSON path) for every container that sets a ``securityContext``.

    Only those can be privileged or add capabilities, and they are few: skipping the rest
    without building their paths keeps the escape techniques' walks over every pod cheap.
    """
    for pod in pods:
        # One pass over the flat list settles most pods before any path is built.
        if not [c for c in pod.spec.all_containers if c.security_context is not None]:
            continue
        for json_name, group in _container_groups(pod):
            for index, container in enumerate(group):
                if container.security_context is not None:
                    yield pod, container, f"{json_name}[{index}]"


def escape_edges(
    inv: Inventory,
    pod: Pod,
    container: Container,
    reason: str,
    proof: tuple[str, ...],
    confidence: Confidence = "certain",
) -> Iterator[Edge]:
    """Container -> the node it runs on, or each node pool it may land on."""
    source = container_vertex(pod, container)
    for place in inv.placements(pod):
        yield Edge(source, place.target, f"{reason}; {place.reason}", proof,
                   weakest(confidence, place.confidence))


def capabilities_added(container: Container) -> frozenset[str]:
    """Added capabilities, upper-case and without ``CAP_``."""
    context = container.security_context
    if context is None or context.capabilities is None:
        return frozenset()
    return frozenset(c.upper().removeprefix("CAP_") for c in context.capabilities.add)


def has_capability(container: Container, capability: str) -> bool:
    """True when the container adds ``capability`` (or ``ALL``)."""
    added = capabilities_added(container)
    return capability in added or "ALL" in added


def is_privileged(container: Container) -> bool:
    context = container.security_context
    return bool(context is not None and context.privileged)


def automount_decision(inv: Inventory, pod: Pod) -> tuple[bool, str]:
    """Whether the API server mounts the pod's service-account token into its containers,
    and evidence of the field that decided it (the pod's setting wins over its service
    account's; the default is to mount)."""
    ns, account = namespace_of(pod), pod.spec.effective_service_account
    if pod.spec.automount_service_account_token is not None:
        value = pod.spec.automount_service_account_token
        return value, evidence(pod, "automountServiceAccountToken", value)
    sa = inv.service_account(ns, account)
    if sa is not None and sa.automount_service_account_token is not None:
        value = sa.automount_service_account_token
        return value, (f"{ids.k8s_id('ServiceAccount', account, ns)}: "
                       f"automountServiceAccountToken={json_value(value)}")
    return True, evidence(pod, "serviceAccountName", account)


def api_token_volumes(pod: Pod) -> dict[str, int]:
    """Volumes that project a service-account token the API server accepts: name -> index.

    A token projected for another audience (``audience: vault``, ``sts.amazonaws.com``)
    is refused by the API server, so it does not make the pod its service account.
    """
    return {volume.name: index for index, volume in enumerate(pod.spec.volumes)
            if volume.projected is not None
            and any(s.service_account_token is not None and not s.service_account_token.audience
                    for s in volume.projected.sources)}
