"""Ambassador pages (phone and laptop): create a batch of codes, list one's batches with their
issued / opened / answered counts, revoke a batch and extend its expiry. Admins see every batch.

A batch of another user (or an id that does not exist) is a 404 either way, so guessing ids
tells nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from app.auth import audit, csrf
from app.auth.dependencies import Role, holds, require_roles, staff_language
from app.auth.routes import CSRF_MESSAGE
from app.auth.web import render_staff
from app.errors import NotFound
from app.i18n.locales import LANGUAGES
from app.i18n.templating import gettext as _
from app.issuance.forms import BatchForm, choices_for, validate
from app.issuance.service import (
    IssueError,
    batch_counts,
    extend_batch,
    issue_batch,
    revoke_batch,
)
from app.models import (
    Batch,
    Channel,
    Intervention,
    Municipality,
    QuestionnaireVersion,
    StaffUser,
)
from app.storage.session import SessionDep

router = APIRouter(prefix="/staff/batches", dependencies=[Depends(staff_language)])
Issuer = Annotated[StaffUser, Depends(require_roles(Role.ambassador, Role.admin))]
CsrfField = Annotated[str, Form(alias=csrf.FIELD)]


def _today(request: Request) -> date:
    return request.app.state.clock.today()


def channel_names() -> dict[str, str]:
    return {
        Channel.peer_ambassador: _("Peer ambassador (hand-out by me)"),
        Channel.staff_group: _("Staff, in a group (e.g. a class)"),
        Channel.staff_individual: _("Staff, one person at a time"),
        Channel.poster_self_service: _("Self-service poster or leaflet"),
        Channel.other: _("Other"),
    }


def visible_batch(session: Session, user: StaffUser, batch_id: int) -> Batch:
    """The batch if this user may see it (admin: all; ambassador: their own), else 404."""
    batch = session.get(Batch, batch_id)
    if batch is None or not (holds(user, Role.admin) or batch.created_by == user.id):
        raise NotFound()
    return batch


def _form_page(request: Request, session: Session, user: StaffUser, form: BatchForm, *,
               status_code: int = 200, error: str | None = None) -> Response:
    choices = choices_for(session, user)
    return render_staff(request, "issuance/new.html", {
        "form": form, "choices": choices, "channels": channel_names(),
        "all_languages": LANGUAGES, "error": error, "today": _today(request).isoformat(),
        "errors": {k: _(v) for k, v in form.errors.items()},
    }, status_code=status_code)


# -- list and create -------------------------------------------------------------------------


@router.get("", name="batches")
def batches(request: Request, session: SessionDep, user: Issuer) -> Response:
    query = select(Batch, Municipality.name, Intervention.name).join(
        Municipality, Municipality.id == Batch.municipality_id  # type: ignore[arg-type]
    ).join(Intervention, Intervention.id == Batch.intervention_id)  # type: ignore[arg-type]
    if not holds(user, Role.admin):
        query = query.where(Batch.created_by == user.id)
    rows = session.exec(query.order_by(Batch.id.desc())).all()  # type: ignore[union-attr]
    counts = batch_counts(session, [b.id for b, _, _ in rows])  # type: ignore[misc]
    return render_staff(request, "issuance/list.html", {
        "rows": [(b, m, i, counts[b.id]) for b, m, i in rows],  # type: ignore[index]
        "today": _today(request), "is_admin": holds(user, Role.admin),
    })


@router.get("/new", name="new_batch")
def new_batch(request: Request, session: SessionDep, user: Issuer) -> Response:
    days = request.app.state.settings.token_days_valid
    form = BatchForm(expires_on=(_today(request) + timedelta(days=days)).isoformat())
    choices = choices_for(session, user)
    if len(choices.municipalities) == 1:
        form.municipality = str(choices.municipalities[0].id)
    if len(choices.interventions) == 1:
        form.intervention = str(choices.interventions[0].id)
    return _form_page(request, session, user, form)


@router.post("/new")
def create_batch(
    request: Request,
    session: SessionDep,
    user: Issuer,
    municipality: Annotated[str, Form()] = "",
    intervention: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    count: Annotated[str, Form()] = "",
    expires_on: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
    languages: Annotated[list[str] | None, Form()] = None,
    csrf_token: CsrfField = "",
) -> Response:
    form = BatchForm(municipality=municipality, intervention=intervention, channel=channel,
                     count=count, expires_on=expires_on, label=label,
                     languages=list(languages or []))
    if not csrf.valid(request, csrf_token):
        return _form_page(request, session, user, form, status_code=400, error=_(CSRF_MESSAGE))
    today = _today(request)
    valid = validate(session, form, choices_for(session, user), today=today)
    if valid is None:
        return _form_page(request, session, user, form, status_code=400, error=_(
            "Nothing was created. Please correct the marked fields."))
    try:
        batch, tokens = issue_batch(
            session, token_key=request.app.state.keys.token_hmac,
            municipality=valid.municipality, intervention=valid.intervention,
            count=valid.count, channel=valid.channel, expires_on=valid.expires_on, today=today,
            label=valid.label, created_by=user.id, languages=valid.languages,
        )
    except IssueError:  # e.g. the questionnaire is not published
        session.rollback()
        return _form_page(request, session, user, form, status_code=400, error=_(
            "The questionnaire for this intervention is not published yet. Ask an admin."))
    audit.record(session, user_id=user.id, action="batch_issued", now=request.app.state.clock.now(),
                 target=f"batch {batch.id}: {valid.municipality.slug}/{valid.intervention.slug}, "
                        f"{valid.count} codes, {valid.channel}")
    return _detail_page(request, session, user, batch, tokens=tokens, created=True)


# -- one batch -------------------------------------------------------------------------------


def _detail_page(request: Request, session: Session, user: StaffUser, batch: Batch, *,
                 status_code: int = 200, **context: Any) -> Response:
    version = session.get(QuestionnaireVersion, batch.questionnaire_version_id)
    base = request.app.state.settings.base_url.rstrip("/")
    return render_staff(request, "issuance/detail.html", {
        "batch": batch,
        "municipality": session.get(Municipality, batch.municipality_id),
        "intervention": session.get(Intervention, batch.intervention_id),
        "version": version,
        "counts": batch_counts(session, [batch.id])[batch.id],  # type: ignore[list-item, index]
        "channels": channel_names(),
        "languages": [LANGUAGES[c] for c in batch.languages.split(",") if c in LANGUAGES],
        "base": base,
        "today": _today(request),
        **context,
    }, status_code=status_code)


@router.get("/{batch_id}", name="batch")
def batch_detail(request: Request, session: SessionDep, user: Issuer, batch_id: int) -> Response:
    return _detail_page(request, session, user, visible_batch(session, user, batch_id))


@router.post("/{batch_id}/revoke")
def revoke(request: Request, session: SessionDep, user: Issuer, batch_id: int,
           csrf_token: CsrfField = "") -> Response:
    batch = visible_batch(session, user, batch_id)
    if not csrf.valid(request, csrf_token):
        return _detail_page(request, session, user, batch, status_code=400,
                            error=_(CSRF_MESSAGE))
    if not batch.revoked:
        revoke_batch(session, batch)
        audit.record(session, user_id=user.id, action="batch_revoked",
                     target=f"batch {batch.id}", now=request.app.state.clock.now())
    return RedirectResponse(f"/staff/batches/{batch.id}", status_code=303)


@router.post("/{batch_id}/extend")
def extend(request: Request, session: SessionDep, user: Issuer, batch_id: int,
           expires_on: Annotated[str, Form()] = "", csrf_token: CsrfField = "") -> Response:
    batch = visible_batch(session, user, batch_id)
    if not csrf.valid(request, csrf_token):
        return _detail_page(request, session, user, batch, status_code=400,
                            error=_(CSRF_MESSAGE))
    try:
        new_date = date.fromisoformat(expires_on.strip())
        extend_batch(batch, expires_on=new_date, today=_today(request))
    except ValueError:  # IssueError is a ValueError too
        return _detail_page(request, session, user, batch, status_code=400, error=_(
            "Choose a new last day that is later than the current one (a revoked batch cannot "
            "be extended)."))
    session.add(batch)
    audit.record(session, user_id=user.id, action="batch_extended",
                 target=f"batch {batch.id} to {new_date.isoformat()}",
                 now=request.app.state.clock.now())
    return RedirectResponse(f"/staff/batches/{batch.id}", status_code=303)
