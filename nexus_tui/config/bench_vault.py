"""Benchmarks of the vault: unlocking (dominated by the KDF, on purpose) and saving."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nexus_tui.bench.registry import BenchResult, bench, summarize, timed
from nexus_tui.config import kdf
from nexus_tui.config.vault import Vault

_PASSWORD = "bench master password"


@bench("vault.unlock", goal_ms=500, description="Open config.enc with the product's KDF cost")
def unlock() -> BenchResult:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        Vault.create(home, _PASSWORD)
        samples = timed(lambda: Vault.open(home, _PASSWORD), repeat=5, warmup=1)
    cost = kdf.DEFAULT_KDF
    return summarize(samples, 500, kdf=f"argon2id t={cost.iterations} m={cost.memory_kib}KiB p={cost.lanes}")


@bench("vault.save", goal_ms=50, description="Encrypt and atomically write the config (no KDF)")
def save() -> BenchResult:
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(Path(tmp), _PASSWORD)
        samples = timed(lambda: vault.save(vault.config), repeat=20, warmup=2)
    return summarize(samples, 50)
