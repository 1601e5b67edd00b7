"""Reviewed free-text export (ANONYMITY.md R20, B.5.7).

Off unless LYSSNA_FREE_TEXT_EXPORT is set. Then an admin reads, for the whole region and one
closed period, the written answers to one free-text question, if at least
`free_text_min_group` people wrote one (else none is shown); in a fresh random order every time,
with no other field of the response. The admin unticks any text that could identify someone and
downloads the rest as CSV, shuffled again. The page signs the hashes of what it showed, so the
download holds only texts the admin has read, and it is audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.auth import audit, csrf
from app.auth.dependencies import require_roles, staff_language
from app.auth.roles import Role
from app.auth.routes import CSRF_MESSAGE
from app.auth.web import render_staff
from app.i18n.templating import gettext as _
from app.keys import derive
from app.models import Intervention, StaffUser
from app.questionnaires.schema import SOURCE_LANGUAGE, FreeText
from app.reports import periods, queries
from app.storage.session import SessionDep

router = APIRouter(prefix="/results", dependencies=[Depends(staff_language)])
Admin = Annotated[StaffUser, Depends(require_roles(Role.admin))]
REVIEW_SECONDS = 3600


class Unavailable(Exception):
    def __init__(self, message: str, status_code: int = 404) -> None:
        self.message, self.status_code = message, status_code


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _signer(request: Request) -> URLSafeTimedSerializer:
    key = derive(request.app.state.settings.secret_key.encode(), "lyssna free text review v1")
    return URLSafeTimedSerializer(key, salt="free-text")


def _texts(request: Request, session: SessionDep, intervention: str, period: str,
           question: str) -> tuple[FreeText, list[str] | None]:
    """The question and its texts in random order (None: fewer than the minimum group)."""
    settings = request.app.state.settings
    if not settings.free_text_export:
        raise Unavailable(_("Free-text answers are not exported here: the setting "
                            "LYSSNA_FREE_TEXT_EXPORT is off."))
    found = session.execute(select(Intervention).where(Intervention.slug == intervention)
                            ).scalar_one_or_none()
    if found is None:
        raise Unavailable(_("Unknown intervention."))
    questionnaire = request.app.state.registry.latest(found.questionnaire_id)
    item = next((q for q in questionnaire.questions()
                 if isinstance(q, FreeText) and q.id == question), None)
    if item is None:
        raise Unavailable(_("Choose a free-text question of this questionnaire."), 400)
    closed = queries.closed_periods(session)
    if not periods.is_period(period) or not periods.is_closed(period, max(closed, default=None)):
        raise Unavailable(_("Results are published only for closed periods. This period is "
                            "not closed yet."))
    texts = queries.free_texts(session, questionnaire_id=questionnaire.id,
                               version=questionnaire.version, intervention_id=found.id,  # type: ignore[arg-type]
                               months=periods.months_of(period), question=question)
    if len(texts) < settings.free_text_min_group:
        return item, None
    secrets.SystemRandom().shuffle(texts)
    return item, texts


def _unavailable(request: Request, exc: Unavailable) -> Response:
    return render_staff(request, "reports/refused.html", {"message": exc.message},
                        status_code=exc.status_code)


@router.get("/{intervention}/free-text", name="free_text_review")
def review(request: Request, session: SessionDep, admin: Admin, intervention: str,
           period: str = "", question: str = "") -> Response:
    try:
        item, texts = _texts(request, session, intervention, period, question)
    except Unavailable as exc:
        return _unavailable(request, exc)
    shown = _signer(request).dumps([_fingerprint(t) for t in texts or []])
    return render_staff(request, "reports/free_text.html", {
        "intervention": intervention, "period": period, "item": item,
        "question_text": item.text.get(SOURCE_LANGUAGE, item.id),
        "texts": texts, "shown": shown,
        "minimum": request.app.state.settings.free_text_min_group,
    })


@router.post("/{intervention}/free-text")
def download(request: Request, session: SessionDep, admin: Admin, intervention: str,
             period: Annotated[str, Form()] = "", question: Annotated[str, Form()] = "",
             shown: Annotated[str, Form()] = "",
             keep: Annotated[list[str] | None, Form()] = None,
             csrf_token: Annotated[str, Form(alias=csrf.FIELD)] = "") -> Response:
    if not csrf.valid(request, csrf_token):
        return _unavailable(request, Unavailable(_(CSRF_MESSAGE), 400))
    try:
        read = _signer(request).loads(shown, max_age=REVIEW_SECONDS)
        _item, texts = _texts(request, session, intervention, period, question)
    except BadSignature:
        return _unavailable(request, Unavailable(_(
            "The review is too old or was changed. Open the texts again and review them."), 400))
    except Unavailable as exc:
        return _unavailable(request, exc)
    wanted = {read[int(i)] for i in keep or [] if i.isdigit() and int(i) < len(read)}
    chosen = [t for t in texts or [] if _fingerprint(t) in wanted]
    secrets.SystemRandom().shuffle(chosen)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["question_id", "period", "text"])
    writer.writerows([question, period, t] for t in chosen)
    audit.record(session, user_id=admin.id, action="free_text_exported",
                 target=f"{intervention} {period} {question}: {len(chosen)} of {len(read)}",
                 now=request.app.state.clock.now())
    name = f"lyssna-{intervention}-{period}-{question}-reviewed.csv"
    return Response(out.getvalue().encode(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})
