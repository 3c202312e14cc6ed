"""Passwords and random tokens."""

import hashlib
import re
import secrets
from functools import cache

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 8
#: The hash method outside an app, and in every app whose config does not name one.
DEFAULT_HASH_METHOD = "scrypt"


def hash_method() -> str:
    """Return the app's PASSWORD_HASH_METHOD (scrypt unless the test config names a cheap one)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_HASH_METHOD)
    return DEFAULT_HASH_METHOD


def hash_password(password: str) -> str:
    """Hash a password with werkzeug (salted; scrypt, memory-hard, by default).

    The hash names its method, so `verify_password` checks hashes of any method.
    """
    return generate_password_hash(password, method=hash_method())


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash` (whatever method made the hash)."""
    return bool(password_hash) and check_password_hash(password_hash, password)


def dummy_hash() -> str:
    """Return a hash of a throw-away password by the current method, made once per method.

    Checking a password against it when the phone is unknown costs what a real check
    costs, so timing does not tell whether an account exists.
    """
    return _dummy_hash(hash_method())


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password-0", method=method)


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
