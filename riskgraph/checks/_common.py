"""Helpers the check families share: one finding per object that holds a pod spec."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from riskgraph import ids
from riskgraph.checks import Finding
from riskgraph.confidence import Confidence, weakest
from riskgraph.estate.replicas import controller_of
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import containers, namespace_of, spec_source

#: A container's verdict: (reason, evidence, confidence), or None when it passes.
Verdict = tuple[str, tuple[str, ...], Confidence] | None


def owner_of(pod: Pod) -> str:
    """The object a person changes to fix a pod's spec: the workload holding the template
    (the Deployment, not its template pod), and for a live replica its controller's
    workload, so that a thousand replicas make one finding."""
    if pod.template_of is None and (owner := controller_of(pod.metadata)) is not None:
        kind, _, name = owner.partition("/")
        return ids.k8s_id(kind, name, namespace_of(pod))
    return spec_source(pod)[0]


def container_findings(pods: Iterable[Pod],
                       judge: Callable[[Pod, Container, str], Verdict]) -> Iterator[Finding]:
    """One finding per object holding a pod spec (see :func:`owner_of`), gathering the
    verdicts of its failing containers; the weakest confidence wins."""
    seen: set[str] = set()
    for pod in pods:
        owner = owner_of(pod)
        if owner in seen:
            continue
        reasons: list[str] = []
        proof: list[str] = []
        confidence: Confidence = "certain"
        for container, path in containers(pod):
            verdict = judge(pod, container, path)
            if verdict is not None:
                reasons.append(verdict[0])
                proof.extend(verdict[1])
                confidence = weakest(confidence, verdict[2])
        if reasons:
            seen.add(owner)
            yield Finding(owner, "; ".join(reasons), tuple(proof), confidence)
