"""A batch's plaintext tokens, kept only while its outputs can be downloaded (ANONYMITY.md A.6,
R13).

At issue time the tokens are encrypted (AES-GCM under `Keys.token_plaintext`, derived from the
server secret, which never sits in the database) into one `batch_secret` row that expires after
`settings.token_download_hours` (24 h by default). Until then the PDF sheet, the single cards and
"show on screen" can be produced again from it; afterwards `batch_tokens` raises
`OutputsGone` (HTTP 410) and `purge_expired` deletes the row, so only the keyed hashes remain.
Re-issuing means revoking the batch and issuing a new one.

API for the staff pages (positional arguments; `now` always passed in, timezone-aware):

    issue_batch(session, ..., plaintext_key=keys.token_plaintext,
                download_hours=settings.token_download_hours)   # app/issuance/service.py
    store_tokens(session, key, batch_id, tokens, expires_at)  # called by issue_batch
    batch_tokens(session, keys, batch, now) -> list[str]       # raises OutputsGone (410)
    downloadable_until(session, batch, now) -> datetime | None # for the batch page
    forget_tokens(session, batch_id)                           # on revoke
    purge_expired(session, now) -> int                         # periodic task + `lyssna purge`
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete
from sqlmodel import Session

from app.errors import LyssnaError
from app.keys import Keys
from app.models import Batch, BatchSecret

_NONCE = 12


class OutputsGone(LyssnaError):
    """The batch's plaintext tokens are destroyed (download window over, or batch revoked):
    nothing can be printed or shown any more; revoke and issue a new batch instead."""

    status_code = 410
    template = "errors/outputs_gone.html"

    def __init__(self) -> None:
        super().__init__("outputs_gone")


def _aad(batch_id: int) -> bytes:
    return f"lyssna batch {batch_id}".encode()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def store_tokens(
    session: Session, key: bytes, batch_id: int, tokens: list[str], expires_at: datetime
) -> None:
    """Keep the plaintext encrypted until `expires_at`, so outputs can be downloaded again."""
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, "\n".join(tokens).encode("ascii"), _aad(batch_id))
    session.add(BatchSecret(batch_id=batch_id, ciphertext=nonce + sealed,
                            expires_at=_utc(expires_at)))


def batch_tokens(session: Session, keys: Keys, batch: Batch, now: datetime) -> list[str]:
    """The batch's tokens in issue order, while downloadable; OutputsGone (410) afterwards."""
    secret = session.get(BatchSecret, batch.id)
    if secret is None or batch.revoked or _utc(secret.expires_at) <= _utc(now):
        raise OutputsGone()
    blob = secret.ciphertext
    try:
        plain = AESGCM(keys.token_plaintext).decrypt(blob[:_NONCE], blob[_NONCE:],
                                                     _aad(batch.id))  # type: ignore[arg-type]
    except InvalidTag:  # another server secret, or a row copied to another batch
        raise OutputsGone() from None
    return plain.decode("ascii").split("\n")


def downloadable_until(session: Session, batch: Batch, now: datetime) -> datetime | None:
    """When the outputs stop being downloadable, or None if they already are gone."""
    secret = session.get(BatchSecret, batch.id)
    if secret is None or batch.revoked or _utc(secret.expires_at) <= _utc(now):
        return None
    return _utc(secret.expires_at)


def forget_tokens(session: Session, batch_id: int) -> None:
    """Destroy the plaintext now (revocation); the token hashes and counts stay."""
    session.execute(delete(BatchSecret).where(BatchSecret.batch_id == batch_id))  # type: ignore[arg-type]


def purge_expired(session: Session, now: datetime) -> int:
    """Delete every batch's plaintext whose download window has passed; returns how many."""
    result = session.execute(
        delete(BatchSecret).where(BatchSecret.expires_at <= _utc(now))  # type: ignore[arg-type]
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
