"""Encrypted, device-bound drafts (ANONYMITY.md L13, R8).

The ambassador holds the plaintext token, and the database administrator holds the rows; neither
alone can read a draft. Its key is derived from the token, the server key *and* the random
secret in the first device's cookie, so even token + server key + a copy of the data files
(PostgreSQL keeps deleted rows as dead tuples for a while) cannot decrypt it. The draft is bound
to that device by a keyed hash of the same secret, so a second device with the same link sees
neither the answers nor a way to change them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.keys import derive


@dataclass
class DraftState:
    language: str | None = None
    step: str = "language"  # language | welcome | page | review
    page: int = 0
    answers: dict[str, list[str]] = field(default_factory=dict)
    seen: list[int] = field(default_factory=list)
    variant: int = 0  # promise variant shown (app/respondent/randomise.py)
    arms: dict[str, str] = field(default_factory=dict)  # split-ballot arm per item


def device_hash(draft_key: bytes, device_secret: str, token_hash: bytes) -> bytes:
    return hmac.new(draft_key, device_secret.encode() + token_hash, hashlib.sha256).digest()


def _aead(draft_key: bytes, token: str, device_secret: str) -> AESGCM:
    material = f"{token}\x00{device_secret}".encode()
    return AESGCM(derive(material, "lyssna draft content v2", salt=draft_key))


def seal(draft_key: bytes, token: str, device_secret: str, token_hash: bytes,
         state: DraftState) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps(asdict(state), separators=(",", ":"), ensure_ascii=False).encode()
    return nonce + _aead(draft_key, token, device_secret).encrypt(nonce, plain, token_hash)


def unseal(draft_key: bytes, token: str, device_secret: str, token_hash: bytes,
           blob: bytes) -> DraftState:
    plain = _aead(draft_key, token, device_secret).decrypt(blob[:12], blob[12:], token_hash)
    return DraftState(**json.loads(plain))
