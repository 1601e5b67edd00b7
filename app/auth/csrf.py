"""CSRF tokens for every state-changing staff form (hidden field `csrf`).

A token is an itsdangerous signature over a value bound to the browser: the staff session id
hash when logged in, else a random pre-session cookie (so the login form is protected too). A
token from another session, another browser or an edited form fails the check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from app.auth.sessions import cookie_args

FIELD = "csrf"
PRE_COOKIE = "lyssna_pre"
_SALT = "lyssna csrf v1"


def _binding(request: Request) -> str | None:
    sid = getattr(request.state, "staff_session_hash", None)
    if sid is not None:
        return hashlib.sha256(b"session:" + sid).hexdigest()
    pre = getattr(request.state, "new_pre_cookie", None) or request.cookies.get(PRE_COOKIE)
    if pre:
        return hashlib.sha256(b"pre:" + pre.encode()).hexdigest()
    return None


def token(request: Request) -> str:
    """The token for forms on this page; creates the pre-session cookie value if needed."""
    binding = _binding(request)
    if binding is None:
        request.state.new_pre_cookie = secrets.token_urlsafe(24)
        binding = _binding(request)
    return URLSafeSerializer(request.app.state.keys.session, salt=_SALT).dumps(binding)


def valid(request: Request, submitted: str | None) -> bool:
    binding = _binding(request)
    if not submitted or binding is None or getattr(request.state, "new_pre_cookie", None):
        return False
    try:
        value = URLSafeSerializer(request.app.state.keys.session, salt=_SALT).loads(submitted)
    except BadSignature:
        return False
    return isinstance(value, str) and hmac.compare_digest(value, binding)


def attach_cookie(request: Request, response: Response) -> None:
    """Send the pre-session cookie if `token()` created one for this response."""
    new = getattr(request.state, "new_pre_cookie", None)
    if new:
        response.set_cookie(PRE_COOKIE, new, **cookie_args(request))
