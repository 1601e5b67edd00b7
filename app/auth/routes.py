"""Login, logout, password change and one-time set-password links for staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import audit, csrf, sessions
from app.auth.dependencies import CurrentStaff, Role, holds, staff_language
from app.auth.passwords import N_
from app.auth.service import (
    THROTTLE_WINDOW,
    AccountError,
    authenticate,
    change_password,
    login_blocked,
    set_password,
    user_for_link,
)
from app.auth.web import render_staff, safe_next
from app.i18n.templating import gettext as _
from app.storage.session import SessionDep

router = APIRouter(dependencies=[Depends(staff_language)])
CSRF_MESSAGE = N_("This form has expired or was changed. Nothing was saved: please try again.")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _now(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.clock.now()


@router.get("/staff", name="staff_home")
def home(request: Request, user: CurrentStaff) -> Response:
    return render_staff(request, "staff/home.html", {
        "is_admin": holds(user, Role.admin),
        "is_ambassador": holds(user, Role.ambassador),
        "is_analyst": holds(user, Role.analyst, Role.regional_analyst),
    })


# -- login and logout ------------------------------------------------------------------------


@router.get("/staff/login", name="staff_login")
def login_form(request: Request, next: str = "") -> Response:
    return render_staff(request, "staff/login.html", {"next": safe_next(next), "email": ""})


@router.post("/staff/login")
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=csrf.FIELD)] = "",
) -> Response:
    now = _now(request)
    context = {"next": safe_next(next), "email": email[:254]}
    if not csrf.valid(request, csrf_token):
        return render_staff(request, "staff/login.html",
                            {**context, "error": _(CSRF_MESSAGE)}, status_code=400)
    if login_blocked(session, email=email, now=now):
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        return render_staff(request, "staff/login.html", {**context, "error": _(
            "Too many failed attempts for this account. Wait %(minutes)s minutes and try "
            "again, or ask an admin for a new set-password link.") % {"minutes": minutes}},
            status_code=429)
    user = authenticate(session, email=email, password=password, now=now)
    if user is None:
        audit.record(session, user_id=None, action="login_failed", now=now)
        return render_staff(request, "staff/login.html", {
            **context, "error": _("The e-mail address or the password is not correct.")},
            status_code=400)
    cookie = sessions.start(session, user=user, key=request.app.state.keys.session, now=now)
    sessions.purge_expired(session, now=now)
    audit.record(session, user_id=user.id, action="login", now=now)
    response = _redirect(safe_next(next))
    sessions.set_cookie(request, response, cookie)
    return response


@router.post("/staff/logout", name="staff_logout")
def logout(
    request: Request,
    session: SessionDep,
    user: CurrentStaff,
    csrf_token: Annotated[str, Form(alias=csrf.FIELD)] = "",
) -> Response:
    if not csrf.valid(request, csrf_token):
        return render_staff(request, "staff/logout.html", {"error": _(CSRF_MESSAGE)},
                            status_code=400)
    sessions.end(session, request.state.staff_session)
    audit.record(session, user_id=user.id, action="logout", now=_now(request))
    response = _redirect("/staff/login")
    sessions.clear_cookie(request, response)
    return response


@router.get("/staff/logout")
def logout_page(request: Request, user: CurrentStaff) -> Response:
    """A page with the logout button, for a GET (a bookmark or a typed address)."""
    return render_staff(request, "staff/logout.html")


# -- passwords -------------------------------------------------------------------------------


@router.get("/staff/password", name="staff_password")
def password_form(request: Request, user: CurrentStaff) -> Response:
    return render_staff(request, "staff/password.html")


@router.post("/staff/password")
def password_change(
    request: Request,
    session: SessionDep,
    user: CurrentStaff,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=csrf.FIELD)] = "",
) -> Response:
    if not csrf.valid(request, csrf_token):
        return render_staff(request, "staff/password.html", {"error": _(CSRF_MESSAGE)},
                            status_code=400)
    if new != repeat:
        return render_staff(request, "staff/password.html", {
            "error": _("The two new passwords are not the same.")}, status_code=400)
    try:
        change_password(session, user=user, current=current, new=new)
    except AccountError as exc:
        return render_staff(request, "staff/password.html",
                            {"error": _(exc.message) % exc.params}, status_code=400)
    now = _now(request)
    audit.record(session, user_id=user.id, action="password_changed", now=now)
    # Every other session of the user has ended; this browser continues with a new one.
    cookie = sessions.start(session, user=user, key=request.app.state.keys.session, now=now)
    response = _redirect("/staff?changed=1")
    sessions.set_cookie(request, response, cookie)
    return response


@router.get("/staff/set-password/{secret}", name="staff_set_password")
def set_password_form(request: Request, session: SessionDep, secret: str) -> Response:
    user = user_for_link(session, raw=secret, now=_now(request))
    if user is None:
        return render_staff(request, "staff/set_password.html", {"invalid": True},
                            status_code=410)
    return render_staff(request, "staff/set_password.html", {"email": user.email})


@router.post("/staff/set-password/{secret}")
def set_password_submit(
    request: Request,
    session: SessionDep,
    secret: str,
    new: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=csrf.FIELD)] = "",
) -> Response:
    now = _now(request)
    user = user_for_link(session, raw=secret, now=now)
    if user is None:
        return render_staff(request, "staff/set_password.html", {"invalid": True},
                            status_code=410)
    context = {"email": user.email}
    if not csrf.valid(request, csrf_token):
        return render_staff(request, "staff/set_password.html",
                            {**context, "error": _(CSRF_MESSAGE)}, status_code=400)
    if new != repeat:
        return render_staff(request, "staff/set_password.html", {
            **context, "error": _("The two passwords are not the same.")}, status_code=400)
    try:
        set_password(session, user=user, password=new)
    except AccountError as exc:
        return render_staff(request, "staff/set_password.html",
                            {**context, "error": _(exc.message) % exc.params}, status_code=400)
    audit.record(session, user_id=user.id, action="password_set", now=now)
    return _redirect("/staff/login?done=1")
