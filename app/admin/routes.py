"""Admin pages: create staff accounts (with a one-time set-password link), assign and remove
roles, deactivate accounts, read the audit log and check suspicious batches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.admin.service import (
    all_users,
    audit_page,
    flagged_batches,
    interventions,
    municipalities,
)
from app.auth import audit, csrf
from app.auth.dependencies import Role, require_roles, staff_language
from app.auth.routes import CSRF_MESSAGE
from app.auth.service import (
    AccountError,
    create_user,
    describe_role,
    grant_role,
    new_password_link,
    revoke_role,
    set_active,
)
from app.auth.web import render_staff
from app.errors import NotFound
from app.i18n.templating import gettext as _
from app.models import StaffUser
from app.storage.session import SessionDep

router = APIRouter(prefix="/admin", dependencies=[Depends(staff_language)])
Admin = Annotated[StaffUser, Depends(require_roles(Role.admin))]
CsrfField = Annotated[str, Form(alias=csrf.FIELD)]


def _now(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.clock.now()


def _optional_id(raw: str) -> int | None:
    return int(raw) if raw.strip().isdigit() else None


def _link(request: Request, secret: str) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/staff/set-password/{secret}"


def _choices(session: Session) -> dict[str, Any]:
    munis, interv = municipalities(session), interventions(session)
    return {"municipalities": munis, "interventions": interv, "roles": list(Role),
            "municipality_names": {m.id: m.name for m in munis},
            "intervention_names": {i.id: i.name for i in interv}}


def _users_page(request: Request, session: Session, *, status_code: int = 200,
                **context: Any) -> Response:
    return render_staff(request, "admin/users.html", {
        "users": all_users(session), **_choices(session), "form": {}, **context},
        status_code=status_code)


def _user_page(request: Request, session: Session, user: StaffUser, *, status_code: int = 200,
               **context: Any) -> Response:
    return render_staff(request, "admin/user.html", {"user": user, **_choices(session),
                                                      **context}, status_code=status_code)


def _get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound()
    return user


# -- accounts --------------------------------------------------------------------------------


@router.get("/users", name="admin_users")
def users(request: Request, session: SessionDep, admin: Admin) -> Response:
    return _users_page(request, session)


@router.post("/users")
def create(
    request: Request,
    session: SessionDep,
    admin: Admin,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    municipality: Annotated[str, Form()] = "",
    intervention: Annotated[str, Form()] = "",
    csrf_token: CsrfField = "",
) -> Response:
    form = {"email": email[:254], "role": role, "municipality": municipality,
            "intervention": intervention}
    if not csrf.valid(request, csrf_token):
        return _users_page(request, session, form=form, error=_(CSRF_MESSAGE), status_code=400)
    now = _now(request)
    try:
        user = create_user(session, email=email, now=now)
        granted = None
        if role:
            granted = grant_role(session, user=user, role=role,
                                 municipality_id=_optional_id(municipality),
                                 intervention_id=_optional_id(intervention))
    except AccountError as exc:
        session.rollback()
        return _users_page(request, session, form=form, error=_(exc.message) % exc.params,
                           status_code=exc.status_code)
    secret = new_password_link(session, user=user, now=now)
    audit.record(session, user_id=admin.id, action="user_created", target=user.email, now=now)
    if granted is not None:
        audit.record(session, user_id=admin.id, action="role_granted",
                     target=f"{user.email}: {describe_role(session, granted)}", now=now)
    return _user_page(request, session, user, link=_link(request, secret), created=True)


@router.get("/users/{user_id}", name="admin_user")
def user_detail(request: Request, session: SessionDep, admin: Admin, user_id: int) -> Response:
    return _user_page(request, session, _get_user(session, user_id))


@router.post("/users/{user_id}/roles")
def grant(
    request: Request,
    session: SessionDep,
    admin: Admin,
    user_id: int,
    role: Annotated[str, Form()] = "",
    municipality: Annotated[str, Form()] = "",
    intervention: Annotated[str, Form()] = "",
    csrf_token: CsrfField = "",
) -> Response:
    user = _get_user(session, user_id)
    if not csrf.valid(request, csrf_token):
        return _user_page(request, session, user, error=_(CSRF_MESSAGE), status_code=400)
    try:
        granted = grant_role(session, user=user, role=role,
                             municipality_id=_optional_id(municipality),
                             intervention_id=_optional_id(intervention))
    except AccountError as exc:
        session.rollback()
        if exc.status_code == 403:
            audit.record(session, user_id=admin.id, action="role_refused_separation",
                         target=f"{user.email}: {role} {exc.params.get('municipality', '')}",
                         now=_now(request))
        return _user_page(request, session, user, error=_(exc.message) % exc.params,
                          status_code=exc.status_code)
    audit.record(session, user_id=admin.id, action="role_granted",
                 target=f"{user.email}: {describe_role(session, granted)}", now=_now(request))
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.post("/users/{user_id}/roles/{role_id}/revoke")
def revoke(request: Request, session: SessionDep, admin: Admin, user_id: int, role_id: int,
           csrf_token: CsrfField = "") -> Response:
    user = _get_user(session, user_id)
    if not csrf.valid(request, csrf_token):
        return _user_page(request, session, user, error=_(CSRF_MESSAGE), status_code=400)
    if user.id == admin.id and any(r.id == role_id and r.role == Role.admin for r in user.roles):
        return _user_page(request, session, user, status_code=400, error=_(
            "You cannot remove your own admin role. Ask another admin."))
    try:
        removed = revoke_role(session, user=user, role_id=role_id)
    except AccountError as exc:
        return _user_page(request, session, user, error=_(exc.message) % exc.params,
                          status_code=exc.status_code)
    audit.record(session, user_id=admin.id, action="role_revoked",
                 target=f"{user.email}: {describe_role(session, removed)}", now=_now(request))
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.post("/users/{user_id}/active")
def activate(request: Request, session: SessionDep, admin: Admin, user_id: int,
             active: Annotated[str, Form()] = "", csrf_token: CsrfField = "") -> Response:
    user = _get_user(session, user_id)
    if not csrf.valid(request, csrf_token):
        return _user_page(request, session, user, error=_(CSRF_MESSAGE), status_code=400)
    if user.id == admin.id:
        return _user_page(request, session, user, status_code=400,
                          error=_("You cannot deactivate your own account."))
    set_active(session, user=user, active=active == "1")
    audit.record(session, user_id=admin.id,
                 action="user_activated" if active == "1" else "user_deactivated",
                 target=user.email, now=_now(request))
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.post("/users/{user_id}/link")
def password_link(request: Request, session: SessionDep, admin: Admin, user_id: int,
                  csrf_token: CsrfField = "") -> Response:
    """A new one-time set-password link (forgotten password or expired link)."""
    user = _get_user(session, user_id)
    if not csrf.valid(request, csrf_token):
        return _user_page(request, session, user, error=_(CSRF_MESSAGE), status_code=400)
    now = _now(request)
    secret = new_password_link(session, user=user, now=now)
    audit.record(session, user_id=admin.id, action="password_link_created", target=user.email,
                 now=now)
    return _user_page(request, session, user, link=_link(request, secret))


# -- oversight -------------------------------------------------------------------------------


@router.get("/audit", name="admin_audit")
def audit_log(request: Request, session: SessionDep, admin: Admin, page: int = 0) -> Response:
    page = max(page, 0)
    rows, older = audit_page(session, page=page)
    return render_staff(request, "admin/audit.html", {"rows": rows, "page": page,
                                                      "older": older})


@router.get("/batches", name="admin_batches")
def batches_to_check(request: Request, session: SessionDep, admin: Admin) -> Response:
    k = request.app.state.settings.min_group_size
    return render_staff(request, "admin/batches.html", {
        "flagged": flagged_batches(session, k=k), "limit": 2 * k})
