"""Bearer-token authentication for API handlers."""

from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort

from ...auth.services import member_for_token

ERRORS = {
    400: "Malformed JSON",
    401: "No or bad token",
    403: "Out of scope",
    404: "Not found",
    409: "Conflict",
    422: "Validation failed or rule refused",
    429: "Rate limited",
}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate() -> None:
    """Set g.actor and g.token from the bearer token, or answer 401."""
    raw = bearer_token()
    member, token = member_for_token(raw) if raw else (None, None)
    if member is None:
        abort(401)
    g.actor = member
    g.token = token


def actor():
    return g.actor


def auth_required(bp, *statuses: int):
    """Decorator: a valid bearer token is required; documents it and the listed errors."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            authenticate()
            return fn(*args, **kwargs)

        wrapper = bp.doc(security=[{"bearerAuth": []}])(wrapper)
        for status in (401, *statuses):
            wrapper = bp.alt_response(
                status, schema="ErrorSchema", description=ERRORS.get(status, "")
            )(wrapper)
        return wrapper

    return decorator


def documents_errors(bp, *statuses: int):
    """Decorator for public endpoints: document the error answers they give."""

    def decorator(fn):
        for status in statuses:
            fn = bp.alt_response(status, schema="ErrorSchema", description=ERRORS.get(status, ""))(
                fn
            )
        return fn

    return decorator


def api_setting(name: str):
    return current_app.config[name]
