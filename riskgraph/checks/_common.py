"""Helpers the check families share: one finding per object that holds a pod spec."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from riskgraph.checks import Finding
from riskgraph.confidence import Confidence, weakest
from riskgraph.models import Container, Pod
from riskgraph.techniques._shared.common import containers, spec_source

#: A container's verdict: (reason, evidence, confidence), or None when it passes.
Verdict = tuple[str, tuple[str, ...], Confidence] | None


def container_findings(pods: Iterable[Pod],
                       judge: Callable[[Pod, Container, str], Verdict]) -> Iterator[Finding]:
    """One finding per object holding a pod spec (the Deployment, not its template pod),
    gathering the verdicts of its failing containers; the weakest confidence wins."""
    for pod in pods:
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
            yield Finding(spec_source(pod)[0], "; ".join(reasons), tuple(proof), confidence)
