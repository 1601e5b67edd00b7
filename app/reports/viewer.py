"""Who is looking at results: the `Viewer` a request's routes get from one dependency.

Until staff accounts exist (issue 4) the web pages show the region view in development and
refuse in production; `app/auth/dependencies.py` replaces this with the signed-in user's roles
(analyst: own municipalities + the region under the cross-authorisation rule; regional analyst
and admin: the region).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.errors import LyssnaError
from app.reports.service import REGION_VIEWER, Viewer


def current_viewer(request: Request) -> Viewer:
    if request.app.state.settings.environment == "development":
        return REGION_VIEWER
    raise LyssnaError("forbidden", 403)


def viewer_for_user(user_id: int | None) -> Viewer:
    """The viewer behind an API token's owner (the region until staff roles exist)."""
    return REGION_VIEWER


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
