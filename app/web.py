"""HTTP plumbing shared by every feature: rendering, security headers, error pages.

Middleware is pure ASGI (no BaseHTTPMiddleware) to keep the respondent path lean.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import LyssnaError
from app.i18n.locales import LANGUAGES, negotiate
from app.i18n.templating import I18n, current_language

log = logging.getLogger("lyssna.web")

CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
LANGUAGE_COOKIE = "lyssna_lang"
STATIC_VERSIONED = b"public, max-age=31536000, immutable"
STATIC_PLAIN = b"public, max-age=86400"


class SecurityHeaders:
    """Headers on every response; `no-store` on everything but static files, so a shared phone's
    back button or cache never shows someone else's answers (ANONYMITY.md L11). Static files are
    cached: a year under a versioned URL, a day otherwise."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = b"no-store"
        if scope["path"].startswith("/static/"):
            # a versioned URL (?v=<hash of the file>) never changes; others may, within a day
            versioned = b"v=" in scope.get("query_string", b"")
            cache = STATIC_VERSIONED if versioned else STATIC_PLAIN

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", cache))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


class LanguageMiddleware:
    """Activate the visitor's language for this request: explicit choice, then the phone's
    Accept-Language. Respondent routes may switch to the draft's language later."""

    def __init__(self, app: ASGIApp, i18n: I18n):
        self.app = app
        self.i18n = i18n

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.i18n.activate(language_from_scope(scope, self.i18n.complete_languages()))
        await self.app(scope, receive, send)


def language_from_scope(scope: Scope, available: tuple[str, ...] | None = None) -> str:
    """The cookie's language (set by an explicit choice), else the best Accept-Language match
    among `available` (languages whose UI catalog is complete), else Swedish."""
    headers = dict(scope.get("headers", []))
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == LANGUAGE_COOKIE and value in LANGUAGES:
            return value
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    return negotiate(accept, available or tuple(LANGUAGES)) or "sv"


class ErrorPages:
    """Last line of defence: an unexpected error becomes a 500 page in the user's language.

    It logs the exception type and the route's *name* (open_link, page, ...), never the URL or
    a path, the client address or the message, which could carry a token (ANONYMITY.md R10).
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            route = getattr(scope.get("route"), "name", "?")
            log.error("unhandled %s in %s %s", type(exc).__name__, scope.get("method"), route)
            if started:
                return
            templates = scope["app"].state.templates
            response = render_error(templates, "errors/generic.html", "server_error", 500)
            await response(scope, receive, send)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> Response:
    lang = current_language()
    ctx = {"lang": lang, "settings": request.app.state.settings, "here": request.url.path,
           **(context or {})}
    return request.app.state.templates.TemplateResponse(
        request, template, ctx, status_code=status_code
    )


def render_error(templates: Any, template: str, kind: str, status: int) -> Response:
    body = templates.get_template(template).render(kind=kind, lang=current_language(),
                                                   status=status)
    return HTMLResponse(body, status_code=status)


async def lyssna_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LyssnaError)
    return render_error(request.app.state.templates, exc.template, exc.kind, exc.status_code)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    kind = {404: "not_found", 405: "method"}.get(exc.status_code, "bad_request")
    return render_error(request.app.state.templates, "errors/generic.html", kind, exc.status_code)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    return render_error(request.app.state.templates, "errors/generic.html", "bad_request", 400)


EXCEPTION_HANDLERS = {
    LyssnaError: lyssna_error_handler,
    HTTPException: http_error_handler,
    RequestValidationError: validation_error_handler,
}
