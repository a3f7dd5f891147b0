"""How sure riskgraph is of an attacker step."""

from __future__ import annotations

from typing import Literal

Confidence = Literal["certain", "likely", "possible"]

#: From strongest to weakest; a path is as confident as its weakest step.
CONFIDENCE_ORDER: tuple[Confidence, ...] = ("certain", "likely", "possible")


def weakest(*levels: Confidence) -> Confidence:
    """The weakest of some confidence levels.

    >>> weakest("certain", "likely")
    'likely'
    """
    return max(levels, key=CONFIDENCE_ORDER.index)
