"""Replica classes: the live pods of one workload that look alike become one pod.

Forty replicas of a Deployment are interchangeable for every technique but placement: they
run as the same service account, with the same containers, mounts, ports and labels. So
they become one pod named after the workload (``k8s:Pod:<ns>/<workload>``, the form a
workload template already has), whose ``replicas`` maps each live pod to its node: node
facts stay exact (which nodes the workload runs on, who shares a node with whom) while
everything else is worked out once per workload instead of once per replica.

When the workload's own template is in the input and its replicas match it, they join the
template pod. Replicas that match neither (a rollout in progress, a webhook that changed
them) form a class of their own, named after their revision (the ReplicaSet
``<deployment>-<pod-template-hash>``), or after their first pod when no name is free.

What sets replicas apart and is left out of the comparison: the node, the names of the
service-account token volumes the API server adds (``kube-api-access-<random>``), the
scheduling fields (a bound pod's placement is a fact; controllers pin DaemonSet pods to
their node by affinity), labels controllers add per revision or per replica (unless a
selector of the input names them), and annotations riskgraph does not read.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter

from riskgraph.models import Container, ObjectMeta, Pod, PodSpec

#: Labels controllers set per revision or per replica: no template holds them.
CONTROLLER_LABELS = ("pod-template-hash", "controller-revision-hash",
                     "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
                     "batch.kubernetes.io/job-completion-index")
#: The projected token volume the ServiceAccount admission plugin adds to each pod.
TOKEN_VOLUME_PREFIX = "kube-api-access-"
#: The only pod annotations riskgraph reads (sensitivity, suppressions).
READ_ANNOTATION_PREFIX = "riskgraph.io/"
#: Classes a replica is compared with before it starts a class of its own.
MAX_CLASSES = 32
_REVISION_LABELS = ("pod-template-hash", "controller-revision-hash")

_SCHEDULING = {"node_name", "node_selector", "affinity", "tolerations"}
_LISTED = {"containers", "init_containers", "ephemeral_containers", "volumes",
           "service_account", "service_account_name"}
_spec_fields = attrgetter(*sorted(f.name for f in dataclasses.fields(PodSpec)
                                  if f.name not in _SCHEDULING | _LISTED))
_container_fields = attrgetter(*sorted(f.name for f in dataclasses.fields(Container)
                                       if f.name != "volume_mounts"))


def _token_volumes(spec: PodSpec) -> frozenset[str]:
    return frozenset(v.name for v in spec.volumes
                     if v.name.startswith(TOKEN_VOLUME_PREFIX) and v.projected is not None)


def _same_containers(a: list[Container], b: list[Container], skip_a: frozenset[str],
                     skip_b: frozenset[str]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if _container_fields(x) != _container_fields(y):
            return False
        if x.volume_mounts == y.volume_mounts:
            continue
        if [m for m in x.volume_mounts if m.name not in skip_a] != \
                [m for m in y.volume_mounts if m.name not in skip_b]:
            return False
    return True


def same_spec(a: PodSpec, b: PodSpec) -> bool:
    """Whether two pod specs are alike to every technique but placement."""
    if _spec_fields(a) != _spec_fields(b) or \
            a.effective_service_account != b.effective_service_account:
        return False
    skip_a, skip_b = _token_volumes(a), _token_volumes(b)
    if [v for v in a.volumes if v.name not in skip_a] != \
            [v for v in b.volumes if v.name not in skip_b]:
        return False
    return all(_same_containers(x, y, skip_a, skip_b) for x, y in (
        (a.containers, b.containers), (a.init_containers, b.init_containers),
        (a.ephemeral_containers, b.ephemeral_containers)))


class ReplicaClasses:
    """Folds live replicas into classes; ``selected_text`` is the text of every selector
    of the input (policies, Services, ...), so a controller label one of them names keeps
    replicas apart."""

    def __init__(self, selected_text: str) -> None:
        self.ignored_labels = frozenset(k for k in CONTROLLER_LABELS if k not in selected_text)

    def _labels(self, pod: Pod) -> dict[str, str]:
        labels = pod.metadata.labels
        if self.ignored_labels.isdisjoint(labels):
            return labels
        return {k: v for k, v in labels.items() if k not in self.ignored_labels}

    def alike(self, a: Pod, b: Pod) -> bool:
        """Whether pods ``a`` and ``b`` (a replica or a template) are alike."""
        if self._labels(a) != self._labels(b):
            return False
        if a.metadata.annotations != b.metadata.annotations and _read(a) != _read(b):
            return False
        return same_spec(a.spec, b.spec)

    def fold(self, pods: list[Pod], owner_of: Callable[[Pod], str | None],
             known_alike: Mapping[int, int] | None = None) -> list[Pod]:
        """``pods`` with each workload's alike live replicas folded into one pod.

        ``known_alike`` maps ``id(pod)`` to a group for pods the reader knows to be alike
        (the same text but for their name, node and token volume names): a pod joins a class
        whose first pod is of its group without a comparison."""
        templates = {(p.metadata.namespace, p.template_of): p for p in pods if p.template_of}
        taken = {(p.metadata.namespace, p.name) for p in pods if p.template_of}
        by_owner: dict[tuple[str | None, str], list[Pod]] = defaultdict(list)
        kept: list[Pod] = []
        for pod in pods:
            owner = None if pod.template_of or not pod.spec.node_name else owner_of(pod)
            if owner is None:
                kept.append(pod)
            else:
                by_owner[(pod.metadata.namespace, owner)].append(pod)
        taken.update((p.metadata.namespace, p.name) for p in kept if not p.template_of)
        joined: dict[int, dict[str, str]] = {}
        for (namespace, owner), replicas in by_owner.items():
            template = templates.get((namespace, owner))
            for members in self._classes(replicas, known_alike or {}):
                if template is not None and id(template) not in joined \
                        and self.alike(template, members[0]):
                    joined[id(template)] = _nodes(members)
                    continue
                name = _class_name(members, owner.split("/", 1)[1], namespace, taken)
                taken.add((namespace, name))
                kept.append(_class_pod(members, name))
        if not joined:
            return kept
        return [p.model_copy(update={"replicas": joined[id(p)]}) if id(p) in joined else p
                for p in kept]

    def _classes(self, replicas: list[Pod], known_alike: Mapping[int, int]
                 ) -> list[list[Pod]]:
        classes: list[list[Pod]] = []
        # Being alike is an equivalence, and classes only ever join the end: the class a
        # pod of a group found is the one every other pod of the group would find.
        found: dict[int, int] = {}
        for pod in replicas:
            group = known_alike.get(id(pod))
            index = found.get(group) if group is not None else None
            if index is None:
                # A workload whose replicas all differ must not cost a comparison per pair.
                index = next((i for i, c in enumerate(classes[:MAX_CLASSES])
                              if self.alike(c[0], pod)), len(classes))
                if index == len(classes):
                    classes.append([])
                if group is not None and index < MAX_CLASSES:
                    found[group] = index
            classes[index].append(pod)
        return classes


def controller_of(meta: ObjectMeta) -> str | None:
    """The workload a live pod's replicas come from, as ``Kind/name``: its controller, and
    for a ReplicaSet the Deployment that names it ``<deployment>-<pod-template-hash>``.

    >>> from riskgraph.models import ObjectMeta
    >>> from riskgraph.models.base import OwnerReference
    >>> controller_of(ObjectMeta(name="api-5d8-x2", labels={"pod-template-hash": "5d8"},
    ...     owner_references=[OwnerReference(kind="ReplicaSet", name="api-5d8", controller=True)]))
    'Deployment/api'
    """
    for ref in meta.owner_references:
        if not ref.controller:
            continue
        suffix = f"-{meta.labels.get('pod-template-hash', '')}"
        if ref.kind == "ReplicaSet" and len(suffix) > 1 and ref.name.endswith(suffix):
            return f"Deployment/{ref.name.removesuffix(suffix)}"
        return f"{ref.kind}/{ref.name}"
    return None


def _read(pod: Pod) -> dict[str, str]:
    return {k: v for k, v in pod.metadata.annotations.items()
            if k.startswith(READ_ANNOTATION_PREFIX)}


def _nodes(members: Iterable[Pod]) -> dict[str, str]:
    return {pod.name: pod.spec.node_name or "" for pod in members}


def _class_name(members: list[Pod], workload: str, namespace: str | None,
                taken: set[tuple[str | None, str]]) -> str:
    """The workload's name; else its revision's (``<workload>-<hash>``); else the first
    pod's, whichever is free in the namespace."""
    revision = next((members[0].metadata.labels[k] for k in _REVISION_LABELS
                     if k in members[0].metadata.labels), None)
    for name in (workload, f"{workload}-{revision}" if revision else None):
        if name and (namespace, name) not in taken:
            return name
    return members[0].name


def _class_pod(members: list[Pod], name: str) -> Pod:
    first = members[0]
    return first.model_copy(update={
        "metadata": dataclasses.replace(first.metadata, name=name),
        "spec": dataclasses.replace(first.spec, node_name=None),
        "replicas": _nodes(members)})
