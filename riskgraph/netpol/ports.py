"""Ports: the probe a question asks about, and sets of port ranges policies allow.

>>> Port.parse("80/TCP"), Port.parse("udp")
(Port(number=80, protocol='TCP'), Port(number=None, protocol='UDP'))
>>> Port.parse("any")
Port(number=None, protocol=None)
>>> allowed = PortSet.of(("TCP", 80, 90)) | PortSet.of(("TCP", 85, 100), ("UDP", 53, 53))
>>> str(allowed), str(allowed & Port(95, "TCP").as_set())
('80-100/TCP, 53/UDP', '95/TCP')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Protocols NetworkPolicy governs, in the order explanations list them.
PROTOCOLS = ("TCP", "UDP", "SCTP")
_FIRST, _LAST = 1, 65535


@dataclass(frozen=True, slots=True)
class Port:
    """The traffic a question is about: a port number (None: some port) and a protocol
    (None: some protocol)."""

    number: int | None = None
    protocol: str | None = "TCP"

    @classmethod
    def parse(cls, text: str) -> Port:
        """``80/TCP``, ``53/udp``, ``80`` (TCP), ``tcp`` (any TCP port) or ``any``.

        Raises
        ------
        ValueError
            For an unknown protocol or a port outside 1-65535.
        """
        number_text, _, protocol_text = text.partition("/")
        if not protocol_text and not number_text.isdigit():
            number_text, protocol_text = "", number_text
        protocol = protocol_text.upper() or "TCP"
        if protocol == "ANY":
            protocol_or_none = None
        elif protocol in PROTOCOLS:
            protocol_or_none = protocol
        else:
            raise ValueError(f"unknown protocol {protocol_text!r} in {text!r}")
        number = int(number_text) if number_text and number_text != "any" else None
        if number is not None and not _FIRST <= number <= _LAST:
            raise ValueError(f"port {number} is out of range")
        return cls(number, protocol_or_none)

    def as_set(self) -> PortSet:
        """Every (protocol, port) this probe stands for."""
        protocols = PROTOCOLS if self.protocol is None else (self.protocol,)
        first, last = (_FIRST, _LAST) if self.number is None else (self.number, self.number)
        return PortSet.of(*((p, first, last) for p in protocols))

    def __str__(self) -> str:
        number = "any" if self.number is None else str(self.number)
        return f"{number}/{self.protocol or 'any'}"


@dataclass(frozen=True, slots=True)
class PortSet:
    """A set of (protocol, port) pairs, held as sorted, disjoint, non-adjacent ranges."""

    ranges: tuple[tuple[str, int, int], ...] = ()

    @classmethod
    def of(cls, *ranges: tuple[str, int, int]) -> PortSet:
        """The union of ``(protocol, first, last)`` ranges."""
        return cls(_normalise(ranges))

    @classmethod
    def every_port(cls, protocol: str | None = None) -> PortSet:
        """Every port of ``protocol``, or of every protocol when it is None."""
        return Port(None, protocol).as_set()

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __or__(self, other: PortSet) -> PortSet:
        return PortSet.of(*self.ranges, *other.ranges)

    def __and__(self, other: PortSet) -> PortSet:
        if not self.ranges or not other.ranges:
            return _EMPTY
        overlaps = [(p, max(a, c), min(b, d)) for p, a, b in self.ranges
                    for q, c, d in other.ranges if p == q and max(a, c) <= min(b, d)]
        return PortSet.of(*overlaps)

    def __str__(self) -> str:
        if not self.ranges:
            return "no port"
        return ", ".join(_describe(*r) for r in self.ranges)


_EMPTY = PortSet()


def union(sets: Iterable[PortSet]) -> PortSet:
    """The union of several port sets."""
    return PortSet.of(*(r for s in sets for r in s.ranges))


def _normalise(ranges: Iterable[tuple[str, int, int]]) -> tuple[tuple[str, int, int], ...]:
    given = tuple(ranges)
    if len(given) < 2:
        # One range is already sorted, disjoint and merged: the common case is worth it.
        return given
    merged: list[tuple[str, int, int]] = []
    for protocol, first, last in sorted(given, key=_order):
        if merged and merged[-1][0] == protocol and first <= merged[-1][2] + 1:
            merged[-1] = (protocol, merged[-1][1], max(last, merged[-1][2]))
        else:
            merged.append((protocol, first, last))
    return tuple(merged)


#: Each protocol's place in :data:`PROTOCOLS`; any other protocol sorts after them.
_RANK = {protocol: place for place, protocol in enumerate(PROTOCOLS)}


def _order(entry: tuple[str, int, int]) -> tuple[int, int, int]:
    return _RANK.get(entry[0], len(PROTOCOLS)), entry[1], entry[2]


def _describe(protocol: str, first: int, last: int) -> str:
    if (first, last) == (_FIRST, _LAST):
        return f"any/{protocol}"
    return f"{first}/{protocol}" if first == last else f"{first}-{last}/{protocol}"
