"""One seed rule for the whole simulator: the same text always gives the same media and ids."""

from __future__ import annotations

import hashlib


def seed_from(text: str) -> int:
    """A stable 32-bit seed; hash() changes between processes, sha256 does not."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")
