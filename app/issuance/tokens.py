"""One-time tokens: 128 random bits, a short checksum so a mistyped or half-scanned code fails
early with a clear page, and only an HMAC of the token in the database (ANONYMITY.md R1).

Tokens use Crockford's base32 in lower case (no i, l, o, u), so they survive being read aloud and
typed from paper; when parsing, dashes and spaces are ignored and look-alikes are mapped.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"i": "1", "l": "1", "o": "0"})
BODY_CHARS = 26  # 130 bits of base32 carry the 128 random bits
CHECK_CHARS = 4  # 20 bits of CRC-32
TOKEN_CHARS = BODY_CHARS + CHECK_CHARS


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(ALPHABET[rem])
    return "".join(reversed(out))


def _checksum(body: str) -> str:
    return _encode(zlib.crc32(body.encode()) & 0xFFFFF, CHECK_CHARS)


def new_token() -> str:
    body = _encode(int.from_bytes(secrets.token_bytes(16), "big"), BODY_CHARS)
    return body + _checksum(body)


def normalise(raw: str) -> str | None:
    """The canonical token for user input, or None if it cannot be a token of ours."""
    text = raw.strip().lower().replace("-", "").replace(" ", "").translate(_LOOKALIKES)
    if len(text) != TOKEN_CHARS or any(c not in _INDEX for c in text):
        return None
    body, check = text[:BODY_CHARS], text[BODY_CHARS:]
    if not hmac.compare_digest(_checksum(body), check):
        return None
    return text


def grouped(token: str, size: int = 5) -> str:
    """The token in groups for typing from paper: abcde-fghjk-…"""
    return "-".join(token[i : i + size] for i in range(0, len(token), size))


def token_hash(key: bytes, token: str) -> bytes:
    return hmac.new(key, token.encode(), hashlib.sha256).digest()
