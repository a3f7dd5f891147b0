"""What a reachability question answers: per direction, who isolates and who allows."""

from __future__ import annotations

from dataclasses import dataclass, field

from riskgraph.netpol.ports import Port, PortSet, union


@dataclass(frozen=True, slots=True)
class Decision:
    """One direction's say: the source's egress or the target's ingress.

    ``isolating`` names (``namespace/name``) the policies that select the pod for this
    direction; ``allowing`` those of them that admit the traffic; ``ports`` the probed
    ports this direction lets through. An IP endpoint has no policies: ``is_pod`` False.
    """

    direction: str
    endpoint: str
    is_pod: bool
    isolating: tuple[str, ...]
    allowing: tuple[str, ...]
    ports: PortSet

    @property
    def isolated(self) -> bool:
        return bool(self.isolating)

    @property
    def allowed(self) -> bool:
        return bool(self.ports)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether ``source`` reaches ``target`` on ``port``, and which policies decide it.

    Traffic needs the source's egress and the target's ingress to allow it on a common
    port: ``ports`` is that common part of the probe (empty when blocked).
    """

    source: str
    target: str
    port: Port
    egress: Decision
    ingress: Decision
    ports: PortSet
    loopback: bool = False
    #: The node both run on, one of them on its host network: traffic between a pod and
    #: its own node is always allowed, whatever the policies say.
    own_node: str = ""
    #: Which of the two (``source`` or ``target``) uses the host network of ``own_node``.
    host_side: str = ""

    @property
    def allowed(self) -> bool:
        return self.loopback or bool(self.own_node) or bool(self.ports)

    @property
    def deciding_policies(self) -> tuple[str, ...]:
        """The policies that decide: those allowing it, or those isolating when blocked."""
        if self.loopback or self.own_node:
            return ()
        if self.allowed:
            return (*self.egress.allowing, *self.ingress.allowing)
        blocking = [d for d in (self.egress, self.ingress) if not d.allowed] \
            or [self.egress, self.ingress]
        return tuple(ref for d in blocking for ref in d.isolating)

    @property
    def because(self) -> str:
        """One sentence naming the policies that decide, e.g. ``blocked: y/b is isolated
        for ingress by y/deny-all, which allows nothing from x/a on 80/TCP``."""
        if self.loopback:
            return f"allowed: {self.source} always reaches itself"
        if self.own_node:
            host, other = (self.target, self.source) if self.host_side == "target" \
                else (self.source, self.target)
            return (f"allowed: {host} uses the host network of node {self.own_node}, "
                    f"where {other} runs, and traffic between a pod and its own node is "
                    "always allowed")
        if self.allowed:
            return "allowed" + _allowed_reason(self.egress, self.ingress)
        stops = [_blocked_reason(d, self._other(d)) for d in (self.egress, self.ingress)
                 if not d.allowed]
        if not stops:
            return (f"blocked: egress from {self.source} allows only {self.egress.ports} "
                    f"and ingress to {self.target} only {self.ingress.ports}")
        return "blocked: " + "; and ".join(stops)

    def _other(self, decision: Decision) -> str:
        peer = self.target if decision is self.egress else self.source
        return f"{'to' if decision is self.egress else 'from'} {peer} on {self.port}"


def _allowed_reason(egress: Decision, ingress: Decision) -> str:
    by = [f"{', '.join(d.allowing)} ({d.direction})" for d in (ingress, egress) if d.isolated]
    free = [f"{d.endpoint} is not isolated for {d.direction}"
            for d in (ingress, egress) if d.is_pod and not d.isolated]
    parts = []
    if by:
        parts.append(" by " + " and ".join(by))
    if free:
        parts.append(("; " if by else ": ") + " and ".join(free))
    return "".join(parts) or ": no pod policy applies"


def _blocked_reason(decision: Decision, traffic: str) -> str:
    return (f"{decision.endpoint} is isolated for {decision.direction} by "
            f"{', '.join(decision.isolating)}, which allow{'s' * (len(decision.isolating) == 1)}"
            f" nothing {traffic}")


@dataclass(frozen=True, slots=True)
class Allowed:
    """What the policies isolating a pod in one direction allow a peer: the probed ports
    each allows (by ``namespace/name``), and their union."""

    per_policy: tuple[tuple[str, PortSet], ...]
    isolating: tuple[str, ...]
    ports: PortSet
    #: The policies admitting some of the ports asked for, per ports asked for.
    _allowing: dict[PortSet, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def allowing(self, wanted: PortSet) -> tuple[str, ...]:
        """The policies allowing some port of ``wanted``."""
        found = self._allowing.get(wanted)
        if found is None:
            found = self._allowing[wanted] = tuple(
                ref for ref, ports in self.per_policy if ports & wanted)
        return found

    @classmethod
    def of(cls, per_policy: list[tuple[str, PortSet]]) -> Allowed:
        return cls(tuple(per_policy), tuple(ref for ref, _ in per_policy),
                   union(ports for _, ports in per_policy))


def decision(direction: str, name: str, is_pod: bool, allowed: Allowed | None,
             probe: PortSet, both: PortSet) -> Decision:
    """One direction's Decision (``allowed`` None: nothing isolates the endpoint); when
    traffic passes, ``allowing`` keeps only the policies admitting a port the other
    direction admits too."""
    if allowed is None:
        return Decision(direction, name, is_pod, (), (), probe)
    return Decision(direction, name, is_pod, allowed.isolating,
                    allowed.allowing(both or probe), allowed.ports)
