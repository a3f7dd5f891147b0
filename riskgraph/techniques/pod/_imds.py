"""The roles ``pod.imds`` finds a pod reaching from its placements, worked out once per
placement and role (a node is one placement of many pods)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from riskgraph import ids
from riskgraph.confidence import CONFIDENCE_ORDER, Confidence, weakest
from riskgraph.estate.scheduling import Placement
from riskgraph.techniques._shared.aws_nodes import PlaceRole, imds_reach, role_name


class Reach(NamedTuple):
    """One role a pod with some placements reaches; ``reason`` follows "container X"."""

    arn: str
    confidence: Confidence
    reason: str
    evidence: tuple[str, ...]


class Reaches:
    """The roles placements reach, each placement's and each role's part worked out once:
    a node is one placement of many pods."""

    def __init__(self, roles: dict[str, list[PlaceRole]]) -> None:
        self._roles = roles
        self._places: dict[tuple[Placement, bool, bool], list[Reach]] = {}
        self._imds: dict[tuple[int, bool], tuple[Confidence, str, str, tuple[str, ...]]
                         | None] = {}

    def of(self, places: Iterable[Placement], host_network: bool, via_hub: bool
           ) -> list[Reach]:
        """The roles reached from some placements, each once at its best confidence.
        Through a hub the pods behind it differ in kind, so the reason names only the
        pool."""
        best: dict[str, Reach] = {}
        for place in places:
            key = (place, host_network, via_hub)
            reaches = self._places.get(key)
            if reaches is None:
                reaches = self._places[key] = self._place(place, host_network, via_hub)
            for reach in reaches:
                held = best.get(reach.arn)
                if held is None or CONFIDENCE_ORDER.index(reach.confidence) < \
                        CONFIDENCE_ORDER.index(held.confidence):
                    best[reach.arn] = reach
        return list(best.values())

    def _place(self, place: Placement, host_network: bool, via_hub: bool) -> list[Reach]:
        found = []
        for role in self._roles.get(place.target, ()):
            key = (id(role), host_network)  # the roles outlive this
            if key not in self._imds:
                reached = imds_reach(role, host_network)
                self._imds[key] = None if reached is None else (
                    reached[0], f"reads the credentials of IAM role {role_name(role.arn)} "
                    "from the instance metadata service: ",
                    f", where {reached[1].why}; {role.reason}",
                    (*reached[1].evidence, *role.evidence))
            part = self._imds[key]
            if part is None:
                continue
            level, head, tail, proof = part
            where = f"it may land on pool {ids.parse(place.target).name}" if via_hub \
                else place.reason
            found.append(Reach(role.arn, weakest(level, place.confidence),
                               f"{head}{where}{tail}", proof))
        return found
