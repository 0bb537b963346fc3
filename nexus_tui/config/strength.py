"""A quick estimate of how hard a master password is to guess, for a warning at creation.

Deliberately simple (no dictionary beyond the worst offenders): it estimates the guessing
entropy from length and character variety, discounts repeats and keyboard/alphabet runs, and
flags the passwords every cracker tries first. Scores follow the familiar 0..4 scale.
"""

from __future__ import annotations

import itertools
import math
import string

_COMMON = frozenset(
    {
        "password", "passw0rd", "p@ssw0rd", "123456", "12345678", "123456789", "1234567890",
        "qwerty", "qwertyuiop", "azerty", "letmein", "welcome", "admin", "iloveyou", "monkey",
        "dragon", "football", "baseball", "master", "sunshine", "trustno1", "abc123", "111111",
        "000000", "changeme", "secret", "bitcoin", "crypto", "binance", "satoshi", "nexus",
        "nexustui", "hunter2",
    }
)  # fmt: skip
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm")
_HINTS = (
    "very weak: a guess away; use four or more random words, or 12+ mixed characters",
    "weak: longer is stronger; add words or characters rather than symbols at the end",
    "fair: adding a word or a few characters makes it much stronger",
    "good",
    "strong",
)


def _alphabet_size(password: str) -> int:
    size = 0
    if any(c in string.ascii_lowercase for c in password):
        size += 26
    if any(c in string.ascii_uppercase for c in password):
        size += 26
    if any(c in string.digits for c in password):
        size += 10
    if any(c in string.punctuation or c == " " for c in password):
        size += 33
    if any(ord(c) > 127 for c in password):
        size += 100
    return max(size, 1)


def _predictable_chars(password: str) -> int:
    """Characters that add little: repeats of the previous one, or a step of an obvious run."""
    lowered = password.lower()
    count = 0
    for previous, current in itertools.pairwise(lowered):
        if current == previous or any(previous + current in run for run in _RUNS):
            count += 1
    return count


def password_strength(password: str) -> tuple[int, str]:
    """(score 0..4, one-line hint). 0 means trivially guessable; 3 or more is fine for the desk."""
    if not password:
        return 0, "empty: choose a master password"
    lowered = password.lower()
    if lowered in _COMMON or lowered.rstrip(string.digits + "!") in _COMMON:
        return 0, "very weak: one of the most common passwords; choose something unguessable"
    effective = max(len(password) - _predictable_chars(password), 1)
    bits = effective * math.log2(_alphabet_size(password))
    score = 0 if bits < 28 else 1 if bits < 40 else 2 if bits < 60 else 3 if bits < 80 else 4
    return score, _HINTS[score]
