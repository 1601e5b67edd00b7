"""Purpose-bound keys derived from the one server secret (kept outside the database).

Deriving separate keys means a leak of, say, a session signature never helps forge a token hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive(secret: bytes, purpose: str, *, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose.encode()).derive(
        secret
    )


@dataclass(frozen=True)
class Keys:
    token_hmac: bytes
    draft: bytes
    session: bytes
    token_plaintext: bytes  # AES-GCM key for a batch's plaintext tokens while downloadable

    @classmethod
    def from_secret(cls, secret: str) -> Keys:
        raw = secret.encode()
        return cls(
            token_hmac=derive(raw, "lyssna token hmac v1"),
            draft=derive(raw, "lyssna draft v1"),
            session=derive(raw, "lyssna session v1"),
            token_plaintext=derive(raw, "lyssna token plaintext v1"),
        )
