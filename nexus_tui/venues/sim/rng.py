"""Stable seeds for the simulator's random streams.

Python's `hash()` of a string changes from one process to the next, so every stream is seeded
from a BLAKE2 digest of its name instead: the same seed gives the same market on every machine
and every run. Each series (a symbol's funding, a symbol's price, a venue's latency, ...) gets its
own `random.Random`, so adding symbols or venues never changes the paths of the others.
"""

from __future__ import annotations

import hashlib
import random


def stable_seed(*parts: object) -> int:
    """A 64-bit integer that depends only on `parts` (their str forms)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def stream(seed: int, *parts: object) -> random.Random:
    """An independent random stream named by `parts` under `seed`."""
    return random.Random(stable_seed(seed, *parts))


def unit_hash(*parts: object) -> float:
    """A fixed number in [0, 1) for `parts`: per-symbol traits that do not depend on the seed."""
    return stable_seed(*parts) / 2.0**64
