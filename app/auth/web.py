"""Rendering staff pages: every page gets the CSRF token and the logged-in user."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.auth import csrf
from app.web import render


def render_staff(request: Request, template: str, context: dict[str, Any] | None = None, *,
                 status_code: int = 200) -> Response:
    ctx = {"csrf": csrf.token(request), "staff": getattr(request.state, "staff", None),
           **(context or {})}
    response = render(request, template, ctx, status_code=status_code)
    csrf.attach_cookie(request, response)
    return response


def safe_next(target: str | None, default: str = "/staff") -> str:
    """Only same-site paths after login (no //evil.example or /\\evil.example)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
