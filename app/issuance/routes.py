"""Ambassador pages (phone and laptop): create a batch of codes, list one's batches with their
issued / opened / answered counts, revoke a batch and extend its expiry. Admins see every batch.

A batch of another user (or an id that does not exist) is a 404 either way, so guessing ids
tells nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session, select

from app.auth import audit, csrf
from app.auth.dependencies import (
    Role,
    holds,
    municipality_scope,
    require_roles,
    staff_language,
)
from app.auth.routes import CSRF_MESSAGE
from app.auth.web import render_staff
from app.errors import NotFound
from app.i18n.locales import LANGUAGES, Language
from app.i18n.templating import gettext as _
from app.issuance.forms import BatchForm, choices_for, validate
from app.issuance.plaintext import batch_tokens, downloadable_until
from app.issuance.service import (
    IssueError,
    batch_counts,
    extend_batch,
    issue_batch,
    revoke_batch,
)
from app.issuance.sheets import card_png, card_svg, display_url, screen_svg, sheet_pdf
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


def _local(request: Request, moment: datetime | None) -> datetime | None:
    """A moment in the region's time zone, for display."""
    return moment.astimezone(request.app.state.clock.timezone) if moment else None


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
    """The batch if this user may see it, else 404: admins see all; an ambassador sees their
    own batches in the municipalities still assigned to them."""
    batch = session.get(Batch, batch_id)
    scope = municipality_scope(user, Role.ambassador)
    if batch is None or not (scope is None or (
            batch.created_by == user.id and batch.municipality_id in scope)):
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
    scope = municipality_scope(user, Role.ambassador)
    if scope is not None:
        query = query.where(Batch.created_by == user.id).where(
            Batch.municipality_id.in_(scope))  # type: ignore[attr-defined]
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
            plaintext_key=request.app.state.keys.token_plaintext,
            download_hours=request.app.state.settings.token_download_hours,
            now=request.app.state.clock.now(),
        )
    except IssueError:  # e.g. the questionnaire is not published
        session.rollback()
        return _form_page(request, session, user, form, status_code=400, error=_(
            "The questionnaire for this intervention is not published yet. Ask an admin."))
    audit.record(session, user_id=user.id, action="batch_issued", now=request.app.state.clock.now(),
                 target=f"batch {batch.id}: {valid.municipality.slug}/{valid.intervention.slug}, "
                        f"{valid.count} codes, {valid.channel}")
    return RedirectResponse(f"/staff/batches/{batch.id}?created=1", status_code=303)


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
        "until": _local(request, downloadable_until(session, batch,
                                                    request.app.state.clock.now())),
        "created": request.query_params.get("created") == "1",
        **context,
    }, status_code=status_code)


@router.get("/{batch_id}", name="batch")
def batch_detail(request: Request, session: SessionDep, user: Issuer, batch_id: int) -> Response:
    return _detail_page(request, session, user, visible_batch(session, user, batch_id))


@router.post("/{batch_id}/revoke")
def revoke(request: Request, session: SessionDep, user: Issuer, batch_id: int,
           csrf_token: CsrfField = "", confirm: Annotated[str, Form()] = "") -> Response:
    """Revoking cannot be undone, so the first press only asks (no JavaScript needed)."""
    batch = visible_batch(session, user, batch_id)
    if not csrf.valid(request, csrf_token):
        return _detail_page(request, session, user, batch, status_code=400,
                            error=_(CSRF_MESSAGE))
    if confirm != "yes":
        return _detail_page(request, session, user, batch, confirm_revoke=True)
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
    if batch.tokens_purged_at is not None:
        return _detail_page(request, session, user, batch, status_code=409, error=_(
            "This batch has ended: its codes were deleted once its results were published. "
            "Create a new batch instead."))
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


# -- outputs: PDF sheet, single cards, show on screen (app/issuance/sheets.py) ----------------

CARDS_PER_PAGE = 50


def _outputs(request: Request, session: Session, user: StaffUser, batch_id: int,
             ) -> tuple[Batch, list[str], list[Language]]:
    """The batch (404 if not visible), its plaintext tokens (410 once the download window is
    over or the batch is revoked) and its invitation languages."""
    batch = visible_batch(session, user, batch_id)
    tokens = batch_tokens(session, request.app.state.keys, batch, request.app.state.clock.now())
    return batch, tokens, batch_languages(batch)


def batch_languages(batch: Batch) -> list[Language]:
    return [LANGUAGES[c] for c in batch.languages.split(",") if c in LANGUAGES] or [
        LANGUAGES["sv"]]


def _download(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "content-disposition": f'attachment; filename="{filename}"'})


@router.get("/{batch_id}/sheet.pdf", name="batch_sheet")
def sheet(request: Request, session: SessionDep, user: Issuer, batch_id: int,
          per_page: int = 12, fold: bool = False) -> Response:
    batch, tokens, languages = _outputs(request, session, user, batch_id)
    settings = request.app.state.settings
    municipality = session.get(Municipality, batch.municipality_id)
    intervention = session.get(Intervention, batch.intervention_id)
    pdf = sheet_pdf(
        tokens, base_url=settings.base_url, languages=languages,
        locale_dir=settings.locale_dir, per_page=8 if per_page == 8 else 12, fold=fold,
        title=" · ".join(filter(None, [municipality.name, intervention.name,  # type: ignore[union-attr]
                                       f"#{batch.id}", batch.label])),
        downloadable_until=downloadable_until(session, batch, request.app.state.clock.now()),
    )
    audit.record(session, user_id=user.id, action="batch_sheet_downloaded",
                 target=f"batch {batch.id}, {per_page} per page{', fold-over' if fold else ''}",
                 now=request.app.state.clock.now())
    return _download(pdf, "application/pdf", f"lyssna-batch-{batch.id}.pdf")


@router.get("/{batch_id}/cards", name="batch_cards")
def cards(request: Request, session: SessionDep, user: Issuer, batch_id: int,
          page: int = 0) -> Response:
    """Single cards to send through messaging apps, a page of CARDS_PER_PAGE at a time."""
    batch, tokens, _languages = _outputs(request, session, user, batch_id)
    pages = max(1, -(-len(tokens) // CARDS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * CARDS_PER_PAGE
    return render_staff(request, "issuance/cards.html", {
        "batch": batch, "numbers": range(first + 1, min(first + CARDS_PER_PAGE, len(tokens)) + 1),
        "page": page, "pages": pages})


def _card_token(tokens: list[str], number: int) -> str:
    if not 1 <= number <= len(tokens):
        raise NotFound()
    return tokens[number - 1]


@router.get("/{batch_id}/cards/{number}.png", name="batch_card_png")
def card_as_png(request: Request, session: SessionDep, user: Issuer, batch_id: int,
                number: int) -> Response:
    batch, tokens, languages = _outputs(request, session, user, batch_id)
    settings = request.app.state.settings
    png = card_png(_card_token(tokens, number), base_url=settings.base_url,
                   languages=languages, locale_dir=settings.locale_dir)
    audit.record(session, user_id=user.id, action="batch_card_downloaded",
                 target=f"batch {batch.id}, card {number} (PNG)",
                 now=request.app.state.clock.now())
    return _download(png, "image/png", f"lyssna-{batch.id}-{number}.png")


@router.get("/{batch_id}/cards/{number}.svg", name="batch_card_svg")
def card_as_svg(request: Request, session: SessionDep, user: Issuer, batch_id: int,
                number: int) -> Response:
    batch, tokens, languages = _outputs(request, session, user, batch_id)
    settings = request.app.state.settings
    svg = card_svg(_card_token(tokens, number), base_url=settings.base_url,
                   languages=languages, locale_dir=settings.locale_dir)
    audit.record(session, user_id=user.id, action="batch_card_downloaded",
                 target=f"batch {batch.id}, card {number} (SVG)",
                 now=request.app.state.clock.now())
    return _download(svg, "image/svg+xml", f"lyssna-{batch.id}-{number}.svg")


@router.get("/{batch_id}/screen/{number}", name="batch_screen")
def show_on_screen(request: Request, session: SessionDep, user: Issuer, batch_id: int,
                   number: int) -> Response:
    """One big QR code on the ambassador's phone; tapping it (a link) shows the next one."""
    batch, tokens, _languages = _outputs(request, session, user, batch_id)
    token = _card_token(tokens, number)
    if number == 1:
        audit.record(session, user_id=user.id, action="batch_shown_on_screen",
                     target=f"batch {batch.id}", now=request.app.state.clock.now())
    host, code = display_url(request.app.state.settings.base_url, token)
    return render_staff(request, "issuance/screen.html", {
        "batch": batch, "number": number, "total": len(tokens),
        "svg": Markup(screen_svg(tokens, number - 1,  # noqa: S704 (our own SVG, no user text)
                                 base_url=request.app.state.settings.base_url)),
        "host": host, "code": code})
