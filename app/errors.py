"""Errors a user can cause, each with its HTTP status and the page that explains it.

Services raise these; one handler renders them in the user's language (app/web.py). The
messages themselves live in templates/errors/, inside {% trans %} blocks.
"""

from __future__ import annotations


class LyssnaError(Exception):
    status_code = 400
    template = "errors/generic.html"

    def __init__(self, kind: str = "generic", status_code: int | None = None):
        super().__init__(kind)
        self.kind = kind
        if status_code is not None:
            self.status_code = status_code


class TokenError(LyssnaError):
    """A link that cannot be answered: kinds malformed, unknown, used, expired, revoked,
    other_device, no_session."""

    template = "errors/token.html"
    STATUS = {
        "malformed": 404,
        "unknown": 404,
        "no_session": 404,
        "used": 410,
        "expired": 410,
        "revoked": 410,
        "other_device": 409,
    }

    def __init__(self, kind: str):
        super().__init__(kind, self.STATUS[kind])


class NotFound(LyssnaError):
    status_code = 404
    template = "errors/generic.html"

    def __init__(self) -> None:
        super().__init__("not_found")
