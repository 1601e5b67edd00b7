"""Who is looking at results: the `Viewer` every results route gets from one dependency.

Analysts see their own municipalities and the region total (under the cross-authorisation
rule); regional analysts and admins see the whole region. Nobody else sees results.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from app.auth.dependencies import Forbidden, Role, holds, municipality_scope, require_roles
from app.models import StaffUser
from app.reports.service import REGION_VIEWER, Viewer

RESULT_ROLES = (Role.admin, Role.regional_analyst, Role.analyst)


def viewer_of(user: StaffUser) -> Viewer | None:
    if holds(user, Role.admin, Role.regional_analyst):
        return REGION_VIEWER
    scope = municipality_scope(user, Role.analyst)
    if scope is None:
        return REGION_VIEWER
    return Viewer(frozenset(scope)) if scope else None


ResultsUser = Annotated[StaffUser, Depends(require_roles(*RESULT_ROLES))]


def current_viewer(user: ResultsUser) -> Viewer:
    viewer = viewer_of(user)
    if viewer is None:
        raise Forbidden()
    return viewer


def viewer_for_user(session: Session, user_id: int) -> Viewer | None:
    """The viewer behind an API token: its owner's roles now, so a removed role stops the
    token's access at once."""
    user = session.get(StaffUser, user_id)
    if user is None or not user.active:
        return None
    return viewer_of(user)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
