"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 200
HASHER = PasswordHasher()
_dummies: dict[PasswordHasher, str] = {}


def _dummy() -> str:
    """Verified against when the e-mail is unknown, so a failed login takes as long either way."""
    if HASHER not in _dummies:
        _dummies[HASHER] = HASHER.hash("lyssna-dummy-password")
    return _dummies[HASHER]


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True if `password` matches; an empty or foreign hash never matches."""
    try:
        return HASHER.verify(stored or _dummy(), password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return bool(stored) and HASHER.check_needs_rehash(stored)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (an English msgid), or None."""
    if len(password) < MIN_LENGTH:
        return N_("The password must be at least 12 characters long.")
    if len(password) > MAX_LENGTH:
        return N_("The password must be at most 200 characters long.")
    return None
