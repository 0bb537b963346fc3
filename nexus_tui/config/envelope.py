"""The byte layout of `config.enc`: seal a payload under a password, open it again.

    magic      8 bytes   b"NXVAULT1"
    hlen       2 bytes   big-endian length of the header
    header     hlen      JSON: {"cipher", "kdf": {"name", "salt", "iterations", "memory_kib",
                         "lanes"}, "nonce"}  (canonical: sorted keys, no spaces)
    verifier   32 bytes  HMAC-SHA256(verifier_key, VERIFIER_LABEL)
    sealed     n + 16    AES-256-GCM(encryption_key, nonce, payload, aad = magic|hlen|header)
    checksum   32 bytes  SHA-256 of everything above

Key material: Argon2id(password, salt, cost from the header) -> 64 bytes, split into the
AES-256-GCM key and the verifier key. Why each part:

- The header is GCM associated data, so the cost, salt, nonce and cipher cannot be changed
  without the tag failing.
- The checksum is unkeyed. It proves nothing against someone who rewrites it, but it makes any
  accidental damage (a flipped bit, a truncation) read as "damaged" before we spend a KDF run,
  whatever the password, including damage to the KDF parameters themselves.
- The verifier tells a wrong password from a deliberately modified file: with the checksum
  rewritten, a GCM failure with a matching verifier means the password was right and the
  content changed. It does not weaken the file: the verifier key is an independent half of
  the KDF output (so nothing about the AES key leaks), and checking a guess against it costs a
  full Argon2id run, exactly as trying the guess against the GCM tag would.
- What still reads as "wrong password": someone rewriting the salt or the cost and the checksum;
  the key itself then changes, and no format can tell that from a wrong password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nexus_tui.config.kdf import MIN_SALT_BYTES, KdfParams, derive_key_material
from nexus_tui.core.errors import DamagedVault, WrongPassword

MAGIC = b"NXVAULT1"
CIPHER = "aes-256-gcm"
KDF_NAME = "argon2id"
NONCE_BYTES = 12
TAG_BYTES = 16
VERIFIER_BYTES = 32
CHECKSUM_BYTES = 32
MAX_HEADER_BYTES = 4096
VERIFIER_LABEL = b"nexus-tui vault password verifier v1"
_HLEN = struct.Struct(">H")
MIN_FILE_BYTES = len(MAGIC) + _HLEN.size + 2 + VERIFIER_BYTES + TAG_BYTES + CHECKSUM_BYTES


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """The two keys derived from the password for one salt and cost. Never printed."""

    salt: bytes
    params: KdfParams
    encryption_key: bytes
    verifier_key: bytes

    def __repr__(self) -> str:
        return f"KeyMaterial(params={self.params!r})"

    @classmethod
    def derive(cls, password: str, salt: bytes, params: KdfParams) -> KeyMaterial:
        material = derive_key_material(password, salt, params)
        return cls(salt, params, material[:32], material[32:])

    def verifier(self) -> bytes:
        return hmac.new(self.verifier_key, VERIFIER_LABEL, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed file whose structure and checksum are intact (its content is not yet trusted)."""

    aad: bytes
    salt: bytes
    params: KdfParams
    nonce: bytes
    verifier: bytes
    sealed: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _header(salt: bytes, params: KdfParams, nonce: bytes) -> bytes:
    header = {
        "cipher": CIPHER,
        "kdf": {
            "name": KDF_NAME,
            "salt": _b64(salt),
            "iterations": params.iterations,
            "memory_kib": params.memory_kib,
            "lanes": params.lanes,
        },
        "nonce": _b64(nonce),
    }
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def seal(payload: bytes, keys: KeyMaterial) -> bytes:
    """The whole file for `payload` under `keys`, with a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    header = _header(keys.salt, keys.params, nonce)
    aad = MAGIC + _HLEN.pack(len(header)) + header
    sealed = AESGCM(keys.encryption_key).encrypt(nonce, payload, aad)
    body = aad + keys.verifier() + sealed
    return body + hashlib.sha256(body).digest()


def parse(data: bytes) -> Envelope:
    """Check structure and checksum; raises DamagedVault. Needs no password and runs no KDF."""
    if len(data) < MIN_FILE_BYTES or not data.startswith(MAGIC):
        raise DamagedVault()
    body, checksum = data[:-CHECKSUM_BYTES], data[-CHECKSUM_BYTES:]
    if not hmac.compare_digest(hashlib.sha256(body).digest(), checksum):
        raise DamagedVault()
    (hlen,) = _HLEN.unpack_from(body, len(MAGIC))
    start = len(MAGIC) + _HLEN.size
    if hlen > MAX_HEADER_BYTES or start + hlen + VERIFIER_BYTES + TAG_BYTES > len(body):
        raise DamagedVault()
    header_bytes = body[start : start + hlen]
    try:
        salt, params, nonce = _read_header(json.loads(header_bytes))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise DamagedVault() from None
    verifier_at = start + hlen
    return Envelope(
        aad=body[:verifier_at],
        salt=salt,
        params=params,
        nonce=nonce,
        verifier=body[verifier_at : verifier_at + VERIFIER_BYTES],
        sealed=body[verifier_at + VERIFIER_BYTES :],
    )


def _read_header(header: Any) -> tuple[bytes, KdfParams, bytes]:
    kdf = header["kdf"]
    if header["cipher"] != CIPHER or kdf["name"] != KDF_NAME:
        raise ValueError("unsupported cipher or kdf")
    numbers = (kdf["iterations"], kdf["memory_kib"], kdf["lanes"])
    if not all(type(n) is int for n in numbers):
        raise ValueError("kdf cost is not integers")
    params = KdfParams(*numbers)
    salt = base64.b64decode(kdf["salt"], validate=True)
    nonce = base64.b64decode(header["nonce"], validate=True)
    if not params.acceptable() or len(salt) < MIN_SALT_BYTES or len(nonce) != NONCE_BYTES:
        raise ValueError("kdf cost, salt or nonce out of bounds")
    return salt, params, nonce


def unlock(envelope: Envelope, password: str) -> tuple[bytes, KeyMaterial]:
    """Run the KDF for `password` and decrypt. Raises WrongPassword or DamagedVault."""
    keys = KeyMaterial.derive(password, envelope.salt, envelope.params)
    return decrypt(envelope, keys), keys


def decrypt(envelope: Envelope, keys: KeyMaterial) -> bytes:
    verifier_ok = hmac.compare_digest(keys.verifier(), envelope.verifier)
    try:
        payload = AESGCM(keys.encryption_key).decrypt(envelope.nonce, envelope.sealed, envelope.aad)
    except InvalidTag:
        raise (DamagedVault() if verifier_ok else WrongPassword()) from None
    if not verifier_ok:
        # The content authenticates under this key, so the password is right: the verifier
        # itself was changed.
        raise DamagedVault()
    return payload
