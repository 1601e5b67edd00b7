"""Public pages that are not part of a questionnaire: home, the anonymity facts, accessibility."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.web import LANGUAGE_COOKIE, render

router = APIRouter()


@router.get("/", name="home")
def home(request: Request) -> Response:
    return render(request, "pages/home.html")


@router.get("/about/anonymity", name="about_anonymity")
def about_anonymity(request: Request) -> Response:
    """The 'how do we know?' page: facts generated from the live settings (ANONYMITY.md R33)."""
    return render(request, "pages/anonymity.html")


@router.get("/accessibility", name="accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "pages/accessibility.html")


@router.post("/language", name="choose_site_language")
def choose_site_language(
    request: Request, nav: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    """The footer language buttons of public pages: remember the choice on this phone only."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    code = nav.removeprefix("lang:")
    if nav.startswith("lang:") and code in request.app.state.i18n.complete_languages():
        remember_language(request, response, code)
    return response


def remember_language(request: Request, response: Response, code: str) -> None:
    """A preference cookie holding nothing but the language tag; it ends with the browser
    session, so a shared phone does not keep showing the last respondent's language."""
    secure = request.app.state.settings.base_url.startswith("https")
    response.set_cookie(LANGUAGE_COOKIE, code, httponly=True, samesite="lax", secure=secure,
                        path="/")
