"""What every part of the synthetic AWS account shares: its random generator, the random
names AWS gives things, and how documents are encoded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring_ascii
from typing import Any

from bench._plan import EstatePlan, indented

EPOCH = datetime(2022, 1, 1, tzinfo=UTC)


class AwsEncoding:
    """Random ids and times from the estate's AWS generator, and the document encoder."""

    def __init__(self, plan: EstatePlan) -> None:
        self.plan = plan
        self.rng = plan.aws_rng
        self.indent = plan.indent
        self.profile_ids: dict[str, str] = {}

    # Random names --------------------------------------------------------------------------

    def hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def upper_hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}X}"

    def uuid(self) -> str:
        h = self.hex(128)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def profile_id(self, name: str) -> str:
        """The id of an instance profile, the same wherever it is named."""
        return self.profile_ids.setdefault(name, "AIPA" + self.token(17))

    def token(self, length: int) -> str:
        return "".join(self.rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", k=length))

    # Encoding ------------------------------------------------------------------------------

    def enc(self, obj: Any, pad: str) -> str:
        """One value inside a document, indented as ``aws --output json`` prints when the
        estate is indented (4 spaces, nested at ``pad``)."""
        return indented(obj, pad) if self.indent else json.dumps(obj, separators=(",", ":"))

    def document(self, fields: list[tuple[str, Any]]) -> Iterator[str]:
        """One CLI output document, an item of the file's top-level array; a field whose value
        is an iterator of objects is encoded one object at a time."""
        pad, inner, item = ("    ", "        ", "            ") if self.indent else ("",) * 3
        nl, colon = ("\n", ": ") if self.indent else ("", ":")
        yield f"{pad}{{{nl}"
        for index, (key, value) in enumerate(fields):
            yield f"{',' + nl if index else ''}{inner}{encode_basestring_ascii(key)}{colon}"
            if not isinstance(value, Iterator):
                yield self.enc(value, inner)
                continue
            empty = True
            for count, obj in enumerate(value):
                yield f"{',' if count else '['}{nl}{item}{self.enc(obj, item)}"
                empty = False
            yield "[]" if empty else f"{nl}{inner}]"
        yield f"{nl}{pad}}}"

    def when(self, days: int = 900) -> str:
        """A creation or modification time in the account's past."""
        return (EPOCH + timedelta(days=self.rng.randrange(days),
                                  seconds=self.rng.randrange(86400))).isoformat()
