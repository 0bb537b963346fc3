"""From the master password to key material: Argon2id, with its cost stored in each file.

The cost lives in the file header, so raising DEFAULT_KDF later only affects files written
afterwards (a save with a new password, `config passwd`); older files still open with the cost
they were written with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

KEY_MATERIAL_BYTES = 64  # 32 for AES-256-GCM + 32 for the password verifier (see envelope.py)
SALT_BYTES = 16

# Bounds accepted when reading a header. A header is untrusted input: without an upper bound a
# modified file could ask for terabytes of memory before anything is authenticated.
MAX_ITERATIONS = 64
MAX_LANES = 64
MAX_MEMORY_KIB = 2 * 1024 * 1024  # 2 GiB
MIN_SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost: passes over memory, memory in KiB, parallel lanes."""

    iterations: int
    memory_kib: int
    lanes: int

    def acceptable(self) -> bool:
        return (
            1 <= self.iterations <= MAX_ITERATIONS
            and 1 <= self.lanes <= MAX_LANES
            and 8 * self.lanes <= self.memory_kib <= MAX_MEMORY_KIB
        )


# RFC 9106 §4, second recommended option (64 MiB, 3 passes, 4 lanes): about 0.2-0.3 s per
# unlock on the reference desk machine (`nexus-tui bench --only vault`).
PRODUCT_KDF = KdfParams(iterations=3, memory_kib=64 * 1024, lanes=4)
# The cost new files are written with. A global on purpose: tests lower it (tests/conftest.py)
# so that they stay fast; product code never does.
DEFAULT_KDF = PRODUCT_KDF
# The cheapest cost Argon2id allows; only for tests.
TEST_KDF = KdfParams(iterations=1, memory_kib=8, lanes=1)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def derive_key_material(password: str, salt: bytes, params: KdfParams) -> bytes:
    """64 bytes of key material from the password. Slow on purpose (that is the point)."""
    kdf = Argon2id(
        salt=salt,
        length=KEY_MATERIAL_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(password.encode("utf-8"))
