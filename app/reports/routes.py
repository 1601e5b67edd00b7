"""Results pages for staff: one lattice query per page, downloads of exactly what it shows."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from app.auth import audit, csrf
from app.auth.dependencies import Forbidden, Role, holds, staff_language
from app.auth.web import render_staff
from app.i18n.templating import current_language
from app.i18n.templating import gettext as _
from app.models import ApiToken, Intervention, StaffUser
from app.questionnaires.schema import SOURCE_LANGUAGE, Likert
from app.reports import charts, export, periods
from app.reports.api import create_token, now, revoke_token
from app.reports.lattice import LatticeError, parse_query
from app.reports.service import Publication, option_codes, publication
from app.reports.viewer import ResultsUser, ViewerDep
from app.storage.session import SessionDep

router = APIRouter(prefix="/results", dependencies=[Depends(staff_language)])


def _publication(request: Request, session: SessionDep, viewer: ViewerDep,
                 intervention: str, *, allow_format: bool = False) -> Publication:
    params = [(k, v) for k, v in request.query_params.multi_items()]
    if not allow_format and any(k == "format" for k, _v in params):
        raise LatticeError(_("Unknown parameter."))
    query = parse_query([("intervention", intervention), *params])
    state = request.app.state
    return publication(session, registry=state.registry, query=query, viewer=viewer,
                       k=state.settings.min_group_size, cache=state.results_cache,
                       with_bias=True)


def _refused(request: Request, exc: LatticeError) -> Response:
    return render_staff(request, "reports/refused.html", {"message": exc.message},
                        status_code=exc.status_code)


@router.get("", name="results_index")
def index(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    interventions = list(session.execute(select(Intervention).order_by(Intervention.name))
                         .scalars())
    return render_staff(request, "reports/index.html", {"interventions": interventions})


@router.get("/api-tokens", name="api_tokens")
def api_tokens(request: Request, session: SessionDep, viewer: ViewerDep,
               user: ResultsUser) -> Response:
    return _tokens_page(request, session, user, created=None)


@router.post("/api-tokens", name="api_tokens_create")
async def api_tokens_create(request: Request, session: SessionDep, viewer: ViewerDep,
                            user: ResultsUser) -> Response:
    form = await request.form()
    if not csrf.valid(request, str(form.get(csrf.FIELD, ""))):
        raise Forbidden()
    assert user.id is not None
    if form.get("revoke"):
        revoke_token(session, token_id=int(str(form["revoke"])), user_id=user.id)
        audit.record(session, user_id=user.id, action="api_token_revoke",
                     target=str(form["revoke"]), now=now())
        return _tokens_page(request, session, user, created=None)
    name = str(form.get("name", "")).strip() or _("API token")
    row, token = create_token(session, name=name, user_id=user.id, now=now())
    audit.record(session, user_id=user.id, action="api_token_create",
                 target=f"{row.prefix}… {name}", now=now())
    return _tokens_page(request, session, user, created=token)


def _tokens_page(request: Request, session: SessionDep, user: StaffUser,
                 created: str | None) -> Response:
    tokens = list(session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id,
                               ApiToken.revoked.is_(False))  # type: ignore[attr-defined]
        .order_by(ApiToken.id)).scalars())
    return render_staff(request, "reports/api_tokens.html",
                        {"tokens": tokens, "created": created})


@router.get("/{intervention}", name="results_page")
def page(request: Request, session: SessionDep, viewer: ViewerDep, user: ResultsUser,
         intervention: str) -> Response:
    try:
        pub = _publication(request, session, viewer, intervention)
    except LatticeError as exc:
        return _refused(request, exc)
    free_text = []  # links to the reviewed free-text export, for admins when it is on
    if request.app.state.settings.free_text_export and holds(user, Role.admin):
        free_text = [(q.id, _text(q.text)) for q in pub.questionnaire.questions()
                     if q.type == "text"]
    return render_staff(request, "reports/page.html", {
        "pub": pub, "items": _items(pub), "query_string": request.url.query,
        "pct": _pct, "num": _num, "period_choices": period_choices(pub.closed),
        "bias": pub.bias, "free_text": free_text,
    })


@router.get("/{intervention}/download", name="results_download")
def download(request: Request, session: SessionDep, viewer: ViewerDep,
             intervention: str) -> Response:
    fmt = request.query_params.get("format", "csv")
    if fmt not in export.MEDIA_TYPES:
        return _refused(request, LatticeError(_("Choose CSV, XLSX or JSON.")))
    try:
        pub = _publication(request, session, viewer, intervention, allow_format=True)
    except LatticeError as exc:
        return _refused(request, exc)
    name = f"lyssna-{pub.intervention.slug}-{pub.period}-{pub.breakdown}.{fmt}"
    return Response(export.render(pub, fmt), media_type=export.MEDIA_TYPES[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def period_choices(closed: list[str]) -> list[str]:
    """Closed months, quarters and years, newest first."""
    mark = max(closed) if closed else None
    years = sorted({m[:4] for m in closed}, reverse=True)
    out = [y for y in years if periods.is_closed(y, mark)]
    out += [f"{y}-Q{q}" for y in years for q in (4, 3, 2, 1)
            if periods.is_closed(f"{y}-Q{q}", mark) and f"{y}-{3 * q:02d}" in closed]
    return out + sorted(closed, reverse=True)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)} %"


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _text(text: dict[str, str]) -> str:
    return text.get(current_language().code) or text[SOURCE_LANGUAGE]


def _items(pub: Publication) -> list[dict[str, object]]:
    """Per question: its text, option labels, the groups' results and a chart."""
    q_all = pub.questionnaire
    rtl = current_language().direction == "rtl"
    special = {"_pna": _("Prefer not to answer"), "_dk": _("Don't know"),
               "_skip": _("Skipped")}
    out = []
    for index, q in enumerate(x for x in q_all.questions() if x.type != "text"):
        labels: dict[str, str] = {}
        if isinstance(q, Likert):
            labels = {str(i + 1): _text(p) for i, p in enumerate(q_all.scale(q.scale).points)}
        for option in getattr(q, "options", None) or []:
            labels[option.code] = _text(option.text)
        if q.type == "yesno":
            labels = {"yes": _("Yes"), "no": _("No")}
        codes = option_codes(q)
        results = [(g, g.items[index]) for g in pub.groups]
        chart = None
        if codes and q.type != "multiple":
            chart = charts.stacked_bars(
                chart_id=f"c-{q.id}", title=_text(q.text),
                desc=_("Share of each answer per group; the numbers are in the table."),
                rows=[(g.label, None if it.suppressed else
                       [o.share or 0.0 for o in it.options]) for g, it in results],
                legend=[labels.get(c, c) for c in codes], rtl=rtl,
                suppressed_text=_("fewer than %(k)s answers") % {"k": pub.k})
        out.append({"q": q, "text": _text(q.text), "labels": labels, "codes": codes,
                    "special": special, "results": results, "chart": chart})
    return out
