"""Issuing token batches and revoking them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, select

from app.issuance.plaintext import forget_tokens, store_tokens
from app.issuance.tokens import new_token, token_hash
from app.models import (
    Batch,
    Channel,
    ClosedPeriod,
    Intervention,
    Municipality,
    QuestionnaireVersion,
    Token,
)
from app.models.token import TokenState

MAX_BATCH = 5000


class IssueError(ValueError):
    """Input that cannot make a batch; the message names the field."""


def find_municipality(session: Session, slug: str) -> Municipality:
    found = session.exec(select(Municipality).where(Municipality.slug == slug)).first()
    if found is None:
        raise IssueError(f"unknown municipality '{slug}'")
    return found


def find_intervention(session: Session, slug: str) -> Intervention:
    found = session.exec(select(Intervention).where(Intervention.slug == slug)).first()
    if found is None:
        raise IssueError(f"unknown intervention '{slug}'")
    return found


def active_version(session: Session, questionnaire_id: str) -> QuestionnaireVersion:
    found = session.exec(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.version.desc())  # type: ignore[attr-defined]
    ).first()
    if found is None:
        raise IssueError(
            f"questionnaire '{questionnaire_id}' is not published (run lyssna migrate)"
        )
    return found


def issue_batch(
    session: Session,
    *,
    token_key: bytes,
    municipality: Municipality,
    intervention: Intervention,
    count: int,
    channel: Channel,
    expires_on: date,
    today: date,
    label: str = "",
    created_by: int | None = None,
    languages: list[str] | tuple[str, ...] = (),
    plaintext_key: bytes | None = None,
    download_hours: int = 24,
    now: datetime | None = None,
) -> tuple[Batch, list[str]]:
    """Create a batch and its tokens; the plaintext tokens are returned once and, given
    `plaintext_key` (Keys.token_plaintext), kept encrypted for `download_hours` so the sheet and
    cards can be downloaded again (app/issuance/plaintext.py); never stored in the clear."""
    if not 1 <= count <= MAX_BATCH:
        raise IssueError(f"count must be between 1 and {MAX_BATCH}")
    if expires_on < today:
        raise IssueError("the expiry date is in the past")
    version = active_version(session, intervention.questionnaire_id)
    batch = Batch(
        municipality_id=municipality.id,  # type: ignore[arg-type]
        intervention_id=intervention.id,  # type: ignore[arg-type]
        questionnaire_version_id=version.id,  # type: ignore[arg-type]
        channel=channel,
        expires_on=expires_on,
        created_at=now or datetime.now(UTC),
        label=label,
        issued=count,
        created_by=created_by,
        languages=",".join(languages),
    )
    session.add(batch)
    session.flush()
    tokens = [new_token() for _ in range(count)]
    session.execute(
        insert(Token),
        [{"hash": token_hash(token_key, t), "batch_id": batch.id, "state": "unused"}
         for t in tokens],
    )
    if plaintext_key is not None:
        store_tokens(session, plaintext_key, batch.id, tokens,  # type: ignore[arg-type]
                     batch.created_at + timedelta(hours=download_hours))
    return batch, tokens


def revoke_batch(session: Session, batch: Batch) -> None:
    """Unused tokens stop working; answered ones stay counted; the plaintext is destroyed."""
    batch.revoked = True
    forget_tokens(session, batch.id)  # type: ignore[arg-type]
    session.add(batch)
    session.execute(
        update(Token)
        .where(Token.batch_id == batch.id)  # type: ignore[arg-type]
        .where(Token.state.in_([TokenState.unused, TokenState.opened]))  # type: ignore[attr-defined]
        .values(state=TokenState.revoked)
    )


def batch_counts(session: Session, batch_ids: list[int]) -> dict[int, dict[str, int]]:
    """Opened and answered counts per batch, computed from token states at read time.

    answered = tokens in state `used`, which only the flush sets: the count moves in steps of
    whole flushes, never per submission (ANONYMITY.md L14). opened counts every token that has
    been opened at some point (opened, consumed, used), so a submission does not move it either.
    """
    counts = {i: {"opened": 0, "answered": 0} for i in batch_ids}
    if not batch_ids:
        return counts
    for batch_id, opened, answered in session.execute(
        select(Batch.id, Batch.opened_count, Batch.answered_count)
        .where(Batch.id.in_(batch_ids), Batch.tokens_purged_at.is_not(None))  # type: ignore[union-attr,attr-defined]
    ):
        counts[batch_id] = {"opened": opened or 0, "answered": answered or 0}
    rows = session.execute(
        select(Token.batch_id, Token.state, func.count())
        .where(Token.batch_id.in_(batch_ids))  # type: ignore[attr-defined]
        .group_by(Token.batch_id, Token.state)
    ).all()
    for batch_id, state, n in rows:
        if state in (TokenState.opened, TokenState.consumed, TokenState.used):
            counts[batch_id]["opened"] += n
        if state == TokenState.used:
            counts[batch_id]["answered"] += n
    return counts


def purge_spent_tokens(session: Session, *, now: datetime) -> int:
    """Delete the token rows of expired batches once every period they can feed is published
    (ANONYMITY.md R13), keeping the final counts on the batch; returns the batches purged.

    A token works until the end of its batch's last day; an answer then counts in the month it
    was given, or the first open month after it. So once the latest closed month is at least
    the expiry month *and* was closed after the expiry, every answer the batch could give is in
    a closed, published month, and the rows (hash, state, batch) have nothing left to do.
    """
    latest = session.execute(
        select(ClosedPeriod.period, ClosedPeriod.closed_at)
        .order_by(ClosedPeriod.period.desc()).limit(1)  # type: ignore[attr-defined]
    ).first()
    if latest is None:
        return 0
    mark, closed_at = latest
    if closed_at.tzinfo is None:
        closed_at = closed_at.replace(tzinfo=UTC)
    candidates = session.execute(
        select(Batch).where(Batch.tokens_purged_at.is_(None),  # type: ignore[union-attr]
                            Batch.expires_on < now.date())
    ).scalars().all()
    spent = [b for b in candidates if b.expires_on.strftime("%Y-%m") <= mark
             and closed_at > datetime.combine(b.expires_on + timedelta(days=1), time(),
                                               tzinfo=UTC)]
    counts = batch_counts(session, [b.id for b in spent])  # type: ignore[misc]
    for batch in spent:
        batch.opened_count = counts[batch.id]["opened"]  # type: ignore[index]
        batch.answered_count = counts[batch.id]["answered"]  # type: ignore[index]
        batch.tokens_purged_at = now
        session.add(batch)
        session.execute(delete(Token).where(Token.batch_id == batch.id))  # type: ignore[arg-type]
    return len(spent)


def extend_batch(batch: Batch, *, expires_on: date, today: date) -> None:
    """A later last day; tokens already used or revoked stay as they are."""
    if batch.revoked:
        raise IssueError("a revoked batch cannot be extended")
    if batch.tokens_purged_at is not None:
        raise IssueError("the tokens of this batch were deleted after its results were published")
    if expires_on < today or expires_on <= batch.expires_on:
        raise IssueError("the new expiry date must be later than the current one")
    batch.expires_on = expires_on
