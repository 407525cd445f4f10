"""Keyed pseudonyms for resident IDs.

One function for every department, so the same person links across extracts. A plain hash would not
do: the ID space is small enough to enumerate, so only a secret key makes the pseudonym one-way.
"""

import hashlib
from collections.abc import Iterable

PID_HEX_CHARS = 32  # 128 bits: collision-free at national scale, half the storage of the full digest

_BLOCK = hashlib.sha256().block_size


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("pseudonymisation key must hold at least 32 bytes")
        # HMAC-SHA256 (RFC 2104) with the keyed inner and outer states computed once: each pseudonym
        # then costs two short SHA-256 updates instead of a full HMAC set-up.
        block = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
        block = block.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __repr__(self) -> str:  # the key must never reach a log line
        return "Pseudonymiser(<key hidden>)"

    def pid(self, canonical_id: str) -> str:
        return self.pids((canonical_id,))[0]

    def pids(self, canonical_ids: Iterable[str]) -> list[str]:
        """Pseudonyms of many IDs: HMAC-SHA256 of each (``hmac.new(key, id, sha256)``), truncated."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        out = []
        for value in canonical_ids:
            inner = inner_copy()
            inner.update(value.encode("ascii"))
            outer = outer_copy()
            outer.update(inner.digest())
            out.append(outer.hexdigest()[:PID_HEX_CHARS])
        return out
