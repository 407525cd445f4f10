"""Keyed pseudonyms for resident IDs.

One function for every department, so the same person links across extracts. A plain hash would not
do: the ID space is small enough to enumerate, so only a secret key makes the pseudonym one-way.
"""

import hashlib
import hmac

PID_HEX_CHARS = 32  # 128 bits: collision-free at national scale, half the storage of the full digest


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("pseudonymisation key must hold at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:  # the key must never reach a log line
        return "Pseudonymiser(<key hidden>)"

    def pid(self, canonical_id: str) -> str:
        digest = hmac.new(self._key, canonical_id.encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:PID_HEX_CHARS]
