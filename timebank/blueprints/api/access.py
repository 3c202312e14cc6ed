"""Bearer-token authentication for API handlers."""

from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort

from ...auth.models import Role
from ...auth.permissions import ensure_not_pending, has_role
from ...auth.services import member_for_token
from ...core.errors import NotAllowed

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


def auth_required(bp, *statuses: int, role: Role | None = None, may=None, pending_ok: bool = False):
    """Decorator: a valid bearer token is required; documents it and the listed errors.

    Checks run before the body is parsed (flask-smorest parses in the decorators below
    this one), so rights come before fields: 401 without a valid token; 403 when `role` is
    given and the actor holds it nowhere, or when `may(actor)` (for scopes outside the unit
    roles, e.g. a party secretary) is false — the handler still checks the scope; 403 for a
    pending member unless `pending_ok`, and then only on their own `member_id` (SPEC 3.8:
    pending members see and edit their own profile and do nothing else).
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            authenticate()
            if not (pending_ok and kwargs.get("member_id", g.actor.id) == g.actor.id):
                ensure_not_pending(g.actor)
            if role is not None and not has_role(g.actor, role):
                raise NotAllowed()
            if may is not None and not may(g.actor):
                raise NotAllowed()
            return fn(*args, **kwargs)

        wrapper = bp.doc(security=[{"bearerAuth": []}])(wrapper)
        if role is not None:
            wrapper = bp.doc(**{"x-required-role": str(role)})(wrapper)
        listed = (401, *statuses, *((403,) if 403 not in statuses else ()))
        for status in listed:
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
