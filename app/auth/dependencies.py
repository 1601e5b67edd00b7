"""What every staff page depends on. Other features import exactly these names:

    CurrentStaff          the logged-in StaffUser (HTML: 303 to /staff/login; /api/: 401)
    require_roles(*roles) a dependency returning the StaffUser if they hold one of the roles,
                          else a 403 page:  user: Annotated[StaffUser, Depends(require_roles(
                          Role.analyst, Role.regional_analyst))]
    municipality_scope(user, role) -> set[int] | None   None = the whole region
    Role                  StrEnum admin / ambassador / analyst / regional_analyst
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import sessions
from app.auth.roles import REGIONAL_ROLES, Role
from app.errors import LyssnaError
from app.i18n.templating import current_language
from app.models import StaffUser
from app.storage.session import SessionDep

__all__ = [
    "CurrentStaff",
    "Forbidden",
    "LoginRequired",
    "Role",
    "current_staff",
    "municipality_scope",
    "require_roles",
    "staff_language",
]


class LoginRequired(Exception):
    """Not logged in on an HTML page: answered with a redirect to the login form."""

    def __init__(self, next_url: str):
        super().__init__("login required")
        self.next_url = next_url


class Forbidden(LyssnaError):
    status_code = 403
    template = "staff/forbidden.html"

    def __init__(self) -> None:
        super().__init__("forbidden")


async def staff_language(request: Request) -> None:
    """Staff pages exist in Swedish and English only; other choices fall back to English.
    Async on purpose: it runs in the request's own context, so the sync endpoints (copied into
    worker threads) see the activated language; a sync dependency's change would be lost."""
    request.app.state.i18n.activate_staff(current_language().code)


def current_staff(request: Request, session: SessionDep) -> StaffUser:
    now = request.app.state.clock.now()
    found = sessions.load(session, cookie=request.cookies.get(sessions.COOKIE),
                          key=request.app.state.keys.session, now=now)
    if found is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    staff_session, user = found
    request.state.staff_session = staff_session
    request.state.staff_session_hash = staff_session.id_hash
    request.state.staff = user
    return user


CurrentStaff = Annotated[StaffUser, Depends(current_staff)]


def holds(user: StaffUser, *roles: str) -> bool:
    return any(r.role in roles for r in user.roles)


def require_roles(*roles: str) -> Callable[..., StaffUser]:
    """A dependency that returns the current user if they hold any of `roles`, else 403."""
    wanted = frozenset(Role(r) for r in roles)

    def dependency(user: CurrentStaff) -> StaffUser:
        if not holds(user, *wanted):
            raise Forbidden()
        return user

    dependency.__name__ = "require_" + "_or_".join(sorted(wanted))
    return dependency


def municipality_scope(user: StaffUser, role: str) -> set[int] | None:
    """Which municipalities `user` may act on in `role`: None means the whole region (admins,
    and holders of a region-wide role asked about it); otherwise the ids of the user's
    assignments in that role (empty if none)."""
    role = Role(role)
    if holds(user, Role.admin) or (role in REGIONAL_ROLES and holds(user, role)):
        return None
    return {r.municipality_id for r in user.roles
            if r.role == role and r.municipality_id is not None}


async def login_required_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/staff/login?next={quote(exc.next_url, safe='/')}",
                            status_code=303)
