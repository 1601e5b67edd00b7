"""Respondent pages: /r/<token> opens a link, /s/… is the questionnaire itself.

The token appears in exactly one URL: the first GET moves it into an HttpOnly cookie and
redirects to /s, so it is never in a page, a later URL, a Referer header or browser history
beyond that first entry. Every form posts back to its own page and redirects (PRG), and every
page works without JavaScript.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Cookie, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.errors import NotFound, TokenError
from app.i18n.locales import LANGUAGES, negotiate
from app.issuance.tokens import normalise
from app.pages.routes import remember_language
from app.questionnaires.schema import DONT_KNOW, PREFER_NOT
from app.respondent.answers import (
    missing_required,
    read_page,
    visible_questions,
)
from app.respondent.service import IncompleteAnswers, RespondentService, Visit
from app.storage.flush import flush
from app.storage.session import EngineDep, SessionDep, WriteSessionDep, as_writer
from app.web import render

router = APIRouter()
TOKEN_COOKIE = "lyssna_t"
DEVICE_COOKIE = "lyssna_d"


async def get_service(request: Request) -> RespondentService:
    return request.app.state.respondents


Service = Annotated[RespondentService, Depends(get_service)]
TokenCookie = Annotated[str | None, Cookie(alias=TOKEN_COOKIE)]
DeviceCookie = Annotated[str | None, Cookie(alias=DEVICE_COOKIE)]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _cookie_args(request: Request) -> dict[str, Any]:
    secure = request.app.state.settings.base_url.startswith("https")
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


# -- entering a code -------------------------------------------------------------------------


@router.get("/r", name="enter_code")
def enter_code(request: Request, code: str | None = None) -> Response:
    """For people who type the address from paper: a form for the code under the QR."""
    if code is None:
        return render(request, "respondent/enter_code.html")
    token = normalise(code)
    if token is None:
        return render(request, "respondent/enter_code.html", {"invalid": True}, status_code=400)
    return _redirect(f"/r/{token}")


@router.get("/r/{token}", name="open_link")
def open_link(
    request: Request, token: str, session: WriteSessionDep, service: Service,
    device: DeviceCookie = None,
) -> Response:
    return _open(request, token, session, service, device, restart=False)


@router.post("/r/{token}", name="restart_link")
def restart_link(
    request: Request, token: str, session: SessionDep, service: Service,
    device: DeviceCookie = None,
) -> Response:
    """'Start over on this phone' from the other-device page: deletes the old draft."""
    return _open(request, token, session, service, device, restart=True)


def _open(request: Request, token: str, session: Session, service: RespondentService,
          device: str | None, *, restart: bool) -> Response:
    device = device or secrets.token_urlsafe(24)
    suggested = negotiate(request.headers.get("accept-language"), list(LANGUAGES))
    service.open_link(session, token, device, language=suggested, restart=restart,
                      accept_language=request.headers.get("accept-language", ""))
    response = _redirect("/s")
    args = _cookie_args(request)
    response.set_cookie(TOKEN_COOKIE, service.parse(token)[0], **args)
    response.set_cookie(DEVICE_COOKIE, device, max_age=400 * 24 * 3600, **args)
    return response


# -- the questionnaire -------------------------------------------------------------------------


def get_visit(
    request: Request, session: SessionDep, service: Service, token: TokenCookie = None,
    device: DeviceCookie = None,
) -> Visit:
    return service.visit(session, token, device)


async def visit_in_its_language(
    request: Request, visit: Annotated[Visit, Depends(get_visit)]
) -> Visit:
    """Activate the draft's language. Async on purpose: it runs in the request's own context,
    so the language reaches the (threadpool) route; a sync dependency's context would not."""
    if visit.state.language:
        request.app.state.i18n.activate(visit.state.language)
    return visit


VisitDep = Annotated[Visit, Depends(visit_in_its_language)]


def _redirect_to(request: Request, visit: Visit, url: str) -> RedirectResponse:
    """Redirect, remembering the draft's language on this phone, so pages outside the draft
    (thanks, errors) stay in the language the respondent chose."""
    response = _redirect(url)
    if visit.state.language:
        remember_language(request, response, visit.state.language)
    return response


def _step_url(visit: Visit) -> str:
    state = visit.state
    if state.step == "page":
        return f"/s/page/{state.page + 1}"
    return f"/s/{state.step}"


def _page_context(request: Request, visit: Visit, **extra: Any) -> dict[str, Any]:
    return {
        "q": visit.questionnaire,
        "state": visit.state,
        "offered": request.app.state.respondents.offered_languages(visit),
        "PREFER_NOT": PREFER_NOT,
        "DONT_KNOW": DONT_KNOW,
        **extra,
    }


def _switch_language(request: Request, visit: Visit, nav: str) -> bool:
    """Buttons `lang:xx` in the footer switch language from any page, keeping answers."""
    code = nav.removeprefix("lang:")
    if not nav.startswith("lang:") or code not in request.app.state.respondents.offered_languages(
        visit
    ):
        return False
    visit.state.language = code
    return True


@router.get("/s", name="resume")
def resume(visit: VisitDep) -> Response:
    return _redirect(_step_url(visit))


@router.get("/s/language", name="language")
def language_page(request: Request, visit: VisitDep) -> Response:
    return render(request, "respondent/language.html", _page_context(request, visit))


@router.post("/s/language")
def choose_language(
    request: Request, visit: VisitDep, session: SessionDep, service: Service,
    nav: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "",
) -> Response:
    if not _switch_language(request, visit, nav):
        return render(request, "respondent/language.html",
                      _page_context(request, visit, invalid=True), status_code=400)
    if visit.state.step == "language":
        visit.state.step = "welcome"
    service.save(session, visit)
    return _redirect_to(request, visit, next if next.startswith("/s/") else _step_url(visit))


@router.get("/s/welcome", name="welcome")
def welcome_page(request: Request, visit: VisitDep) -> Response:
    return render(request, "respondent/welcome.html", _page_context(request, visit))


@router.post("/s/welcome")
def start(
    request: Request, visit: VisitDep, session: SessionDep, service: Service,
    nav: Annotated[str, Form()] = "next",
) -> Response:
    if not _switch_language(request, visit, nav) and visit.state.step in ("language", "welcome"):
        visit.state.step, visit.state.page = "page", 0
    service.save(session, visit)
    return _redirect_to(request, visit,
                        "/s/welcome" if nav.startswith("lang:") else _step_url(visit))


def _section(visit: Visit, number: int) -> int:
    index = number - 1
    if not 0 <= index < len(visit.questionnaire.sections):
        raise NotFound()
    return index


@router.get("/s/page/{number}", name="page")
def page(request: Request, number: int, visit: VisitDep) -> Response:
    index = _section(visit, number)
    return render(request, "respondent/page.html", _page(request, visit, index))


def _page(request: Request, visit: Visit, index: int, **extra: Any) -> dict[str, Any]:
    section = visit.questionnaire.sections[index]
    visible = visible_questions(section, visit.state.answers, arms=visit.state.arms)
    return _page_context(request, visit, index=index, visible=visible, **extra)


async def get_form(request: Request) -> FormData:
    return await request.form()


@router.post("/s/page/{number}")
def save_page(request: Request, number: int, visit: VisitDep, session: SessionDep,
              service: Service, form: Annotated[FormData, Depends(get_form)]) -> Response:
    index = _section(visit, number)
    nav = str(form.get("nav", "next"))
    state = visit.state
    section = visit.questionnaire.sections[index]
    result = read_page(visit.questionnaire, section, form, state.answers,  # type: ignore[arg-type]
                       state.arms)
    if nav == "skip":
        result.answers, result.cleared = {}, []
    state.answers.update(result.answers)
    for qid in result.cleared:
        state.answers.pop(qid, None)
    if result.errors and nav != "back":
        service.save(session, visit)  # keep the valid answers even while one is corrected
        return render(
            request, "respondent/page.html",
            _page(request, visit, index, errors=result.errors, raw=result.raw),
            status_code=400,
        )
    if index not in state.seen:
        state.seen.append(index)
    if _switch_language(request, visit, nav):
        target = index
    elif nav == "back":
        target = _neighbour(visit, index, -1)
    else:
        target = _neighbour(visit, index, +1)
    if target is None and nav == "back":
        state.step = "welcome"
    elif target is None:
        state.step = "review"
    else:
        state.step, state.page = "page", target
    service.save(session, visit)
    return _redirect_to(request, visit, _step_url(visit))


def _neighbour(visit: Visit, index: int, step: int) -> int | None:
    """The next page in a direction that has at least one question to show."""
    sections = visit.questionnaire.sections
    i = index + step
    while 0 <= i < len(sections):
        if visible_questions(sections[i], visit.state.answers, arms=visit.state.arms):
            return i
        i += step
    return None


@router.get("/s/review", name="review")
def review(request: Request, visit: VisitDep) -> Response:
    missing = missing_required(visit.questionnaire, visit.state.answers,
                               arms=visit.state.arms)
    return render(request, "respondent/review.html",
                  _page_context(request, visit, missing=missing))


@router.post("/s/review")
def submit(
    request: Request, visit: VisitDep, session: SessionDep, service: Service,
    engine: EngineDep, background: BackgroundTasks, nav: Annotated[str, Form()] = "submit",
    token: TokenCookie = None, device: DeviceCookie = None,
) -> Response:
    if _switch_language(request, visit, nav):
        service.save(session, visit)
        return _redirect_to(request, visit, "/s/review")
    if nav == "back":
        last = _neighbour(visit, len(visit.questionnaire.sections), -1)
        visit.state.step, visit.state.page = ("page", last) if last is not None else ("welcome", 0)
        service.save(session, visit)
        return _redirect(_step_url(visit))
    session.rollback()  # submit runs in a fresh transaction that starts with the write lock
    try:
        service.submit(session, token, device)
    except IncompleteAnswers:
        return _redirect("/s/review")
    settings = request.app.state.settings
    background.add_task(as_writer, request.app.state, flush, engine,
                        min_rows=settings.flush_min_rows, current_period=service.clock.period())
    response = _redirect_to(request, visit, "/s/thanks")
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


@router.get("/s/thanks", name="thanks")
def thanks(request: Request) -> Response:
    return render(request, "respondent/thanks.html")


__all__ = ["router", "TokenError"]
