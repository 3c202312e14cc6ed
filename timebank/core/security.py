"""Passwords and random tokens."""

import hashlib
import re
import secrets

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """scrypt, as werkzeug does it (salted, memory-hard)."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)


def password_problem(password, phone: str | None = None):
    """Why a new password is not acceptable, or None."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return _l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 128:
        return _l("At most %(n)s characters.", n=128)
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return _l("Use both letters and digits.")
    if phone and phone in password:
        return _l("Do not use your phone number in the password.")
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
