"""The respondent's path: open a link, keep a draft, submit once.

Submitting consumes the token and puts the answers in the inbox in one transaction; the flush
(app/storage/flush.py) later moves them into `response` in random order. Nothing here writes a
time, an IP address or anything else that could link an answer to its token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from app.errors import TokenError
from app.i18n.locales import negotiate
from app.issuance.tokens import normalise, token_hash
from app.keys import Keys
from app.models import Batch, Draft, QuestionnaireVersion, ResponseInbox, Token, TokenState
from app.questionnaires.loader import Registry
from app.questionnaires.schema import Questionnaire
from app.reports.service import first_open_period
from app.respondent import drafts
from app.respondent.answers import final_answers, missing_required
from app.respondent.drafts import DraftState
from app.respondent.randomise import draw_arms, draw_variant

OPEN_STATES = (TokenState.unused, TokenState.opened)

# Built once: the respondent path runs these on every request.
_TOKEN_AND_BATCH = (
    select(Token, Batch)
    .join(Batch, Batch.id == Token.batch_id)  # type: ignore[arg-type]
    .where(Token.hash == bindparam("digest"))
)
_TOKEN_BATCH_AND_DRAFT = (
    select(Token, Batch, Draft)
    .join(Batch, Batch.id == Token.batch_id)  # type: ignore[arg-type]
    .outerjoin(Draft, Draft.token_hash == Token.hash)  # type: ignore[arg-type]
    .where(Token.hash == bindparam("digest"))
)


@dataclass
class Visit:
    """A respondent's link and draft, checked and decrypted for one request."""

    token: str
    token_hash: bytes
    batch: Batch
    questionnaire: Questionnaire
    state: DraftState
    device: str  # the cookie secret: part of the draft key


@dataclass(frozen=True)
class Clock:
    """The region's local time; `fixed` pins it (tests, replays)."""

    timezone: ZoneInfo
    fixed: datetime | None = None

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed.astimezone(self.timezone)
        return datetime.now(self.timezone)

    def today(self) -> date:
        return self.now().date()

    def period(self) -> str:
        """The month a submission is counted in: the only time a response carries."""
        return self.now().strftime("%Y-%m")


class RespondentService:
    def __init__(self, *, keys: Keys, registry: Registry, clock: Clock, draft_days: int):
        self.keys = keys
        self.registry = registry
        self.clock = clock
        self.draft_days = draft_days
        self._versions: dict[int, tuple[str, int]] = {}

    # -- links ----------------------------------------------------------------------------

    def parse(self, raw: str) -> tuple[str, bytes]:
        token = normalise(raw)
        if token is None:
            raise TokenError("malformed")
        return token, token_hash(self.keys.token_hmac, token)

    def _load(self, session: Session, digest: bytes, *, lock: bool = False,
              refresh: bool = False) -> tuple[Token, Batch]:
        query = _TOKEN_AND_BATCH
        if refresh:
            query = query.execution_options(populate_existing=True)
        if lock:
            query = query.with_for_update(of=Token)  # type: ignore[arg-type]
        row = session.execute(query, {"digest": digest}).first()
        if row is None:
            raise TokenError("unknown")
        token, batch = row
        self._check(token, batch)
        return token, batch

    def _check(self, token: Token, batch: Batch) -> None:
        if token.state in (TokenState.consumed, TokenState.used):
            raise TokenError("used")
        if batch.revoked or token.state == TokenState.revoked:
            raise TokenError("revoked")
        if batch.expires_on < self.clock.today():
            raise TokenError("expired")

    def questionnaire_for(self, session: Session, batch: Batch) -> Questionnaire:
        key = self._versions.get(batch.questionnaire_version_id)
        if key is None:
            row = session.get(QuestionnaireVersion, batch.questionnaire_version_id)
            assert row is not None
            key = self._versions[batch.questionnaire_version_id] = (
                row.questionnaire_id,
                row.version,
            )
        return self.registry.get(*key)

    def open_link(
        self, session: Session, raw: str, device: str, *, language: str | None, restart: bool,
        accept_language: str | None = None,
    ) -> None:
        """First visit binds a new draft to this device; a later visit from it resumes.

        Another device gets TokenError('other_device') and never sees the answers, unless it
        explicitly starts over, which deletes the draft.
        """
        token, digest = self.parse(raw)
        row, batch = self._load(session, digest)
        draft = session.get(Draft, digest)
        bound = drafts.device_hash(self.keys.draft, device, digest)
        if draft is not None and not restart:
            if secrets.compare_digest(draft.device_hash, bound):
                return
            raise TokenError("other_device")
        if draft is not None:
            session.delete(draft)
            session.flush()
        questionnaire = self.questionnaire_for(session, batch)
        offered = self.registry.languages(questionnaire)
        if accept_language is not None:  # the phone's best match among what is offered
            language = negotiate(accept_language, offered)
        state = DraftState(
            language=language if language in offered else None,
            variant=draw_variant(questionnaire),
            arms=draw_arms(questionnaire),
        )
        session.add(
            Draft(
                token_hash=digest,
                device_hash=bound,
                ciphertext=drafts.seal(self.keys.draft, token, device, digest, state),
                expires_on=min(batch.expires_on, self.clock.today() + timedelta(self.draft_days)),
            )
        )
        if row.state == TokenState.unused:
            row.state = TokenState.opened
            session.add(row)

    # -- drafts ---------------------------------------------------------------------------

    def visit(self, session: Session, raw: str | None, device: str | None) -> Visit:
        if not raw or not device:
            raise TokenError("no_session")
        token, digest = self.parse(raw)
        # one query for the token, its batch and the draft (the draft stays in the session's
        # identity map, so save() finds it without another query)
        row = session.execute(_TOKEN_BATCH_AND_DRAFT, {"digest": digest}).first()
        if row is None:
            raise TokenError("unknown")
        token_row, batch, draft = row
        self._check(token_row, batch)
        if draft is None:
            # On PostgreSQL each statement sees the latest commits: a submit that won a race
            # between the two reads above consumed the token and deleted the draft. Re-read the
            # token so the respondent gets "already used", not "open your link again".
            self._load(session, digest, refresh=True)
            raise TokenError("no_session")
        if not secrets.compare_digest(
            draft.device_hash, drafts.device_hash(self.keys.draft, device, digest)
        ):
            raise TokenError("other_device")
        state = drafts.unseal(self.keys.draft, token, device, digest, draft.ciphertext)
        return Visit(token, digest, batch, self.questionnaire_for(session, batch), state, device)

    def save(self, session: Session, visit: Visit) -> None:
        draft = session.get(Draft, visit.token_hash)
        assert draft is not None
        draft.ciphertext = drafts.seal(self.keys.draft, visit.token, visit.device, visit.token_hash,
                                       visit.state)
        session.add(draft)

    def offered_languages(self, visit: Visit) -> tuple[str, ...]:
        return self.registry.languages(visit.questionnaire)

    # -- submit ---------------------------------------------------------------------------

    def submit(self, session: Session, raw: str | None, device: str | None) -> None:
        """Consume the token and store the answers in the inbox, in one transaction.

        The caller's session must be fresh: on SQLite it begins with BEGIN IMMEDIATE, on
        PostgreSQL the token row is locked, so of two racing submits exactly one succeeds and
        the other sees TokenError('used'). Only the token, inbox and draft are written
        (ANONYMITY.md R12): no batch counter, no time.
        """
        if not raw or not device:
            raise TokenError("no_session")
        token, digest = self.parse(raw)
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        row, batch = self._load(session, digest, lock=True)
        draft = session.get(Draft, digest)
        if draft is None:
            raise TokenError("no_session")
        if not secrets.compare_digest(
            draft.device_hash, drafts.device_hash(self.keys.draft, device, digest)
        ):
            raise TokenError("other_device")
        state = drafts.unseal(self.keys.draft, token, device, digest, draft.ciphertext)
        questionnaire = self.questionnaire_for(session, batch)
        if missing_required(questionnaire, state.answers, arms=state.arms):
            raise IncompleteAnswers()
        session.execute(
            update(Token)
            .where(Token.hash == digest, Token.state.in_(OPEN_STATES))  # type: ignore[attr-defined]
            .values(state=TokenState.consumed)
        )
        session.add(
            ResponseInbox(
                questionnaire_id=questionnaire.id,
                questionnaire_version=questionnaire.version,
                municipality_id=batch.municipality_id,
                intervention_id=batch.intervention_id,
                channel=batch.channel,
                language=state.language or "sv",
                period=first_open_period(session, self.clock.period()),
                promise_variant=state.variant,
                arms=state.arms,
                answers=final_answers(questionnaire, state.answers, arms=state.arms),
            )
        )
        session.delete(draft)
        session.commit()


class IncompleteAnswers(Exception):
    """Required answers are missing; the respondent is sent back to the review page."""
