"""App-wide error handlers: the SPEC error body for the API, friendly pages for people."""

import logging
import math
import time
from datetime import timedelta

from flask import jsonify, render_template, request
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ...core.clock import utcnow
from ...core.errors import DomainError, ValidationFailed
from ...extensions import db, limiter

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("You are not allowed to see or do this."),
    404: _l("This page or record does not exist (or is not in your area)."),
    405: _l("This method is not allowed here."),
    413: _l("The upload is too large."),
    422: _l("Some fields are not valid."),
    429: _l("Too many requests: please wait a moment and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
    503: _l("The service is briefly unavailable. Please try again shortly."),
}


def _rollback() -> None:
    """Roll back the request's work; if the database is gone, forget the session."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.registry.clear()


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, code: str, message, fields: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": str(message)}}
        if fields:
            body["error"]["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message, code=code), status


def flatten_messages(messages, prefix="") -> dict[str, list[str]]:
    """marshmallow's nested error messages as `{"field.sub": [reasons]}` (SPEC `fields`)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_messages(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            if isinstance(item, (dict, list, tuple)):
                for k, v in flatten_messages(item, prefix).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or "_schema", []).append(str(item))
    else:
        out.setdefault(prefix or "_schema", []).append(str(messages))
    return out


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if status == 400 and messages:
        return error_response(400, "malformed_json", _l("The body is not valid JSON."))
    if status == 422 and messages:
        fields: dict[str, list[str]] = {}
        for location_messages in messages.values():
            for k, v in flatten_messages(location_messages).items():
                fields.setdefault(k, []).extend(v)
        return error_response(422, "validation_failed", MESSAGES[422], fields)
    message = MESSAGES.get(status) or exc.description
    response = error_response(status, CODES.get(status, "error"), message)
    if status == 401 and request.path.startswith("/api/"):
        response[0].headers["WWW-Authenticate"] = "Bearer"
    return response


def handle_domain_error(exc: DomainError):
    _rollback()
    fields = exc.fields if isinstance(exc, ValidationFailed) else None
    return error_response(exc.status, exc.code, exc.message, fields)


def handle_csrf_error(exc: CSRFError):
    return error_response(
        400,
        "csrf_failed",
        _l(
            "The form has expired or was not sent from this site. "
            "Please reload the page and try again."
        ),
    )


def retry_after_seconds() -> int:
    """Seconds until the limit this request ran into lets a request through again."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def handle_rate_limited(exc: RateLimitExceeded):
    """429, saying when to try again: in the message (in the reader's language) and in
    Retry-After."""
    wait = retry_after_seconds()
    message = _(
        "Too many attempts: please try again in %(wait)s (at %(time)s).",
        wait=format_timedelta(timedelta(seconds=wait), threshold=1),
        time=format_datetime(utcnow() + timedelta(seconds=wait), "HH:mm"),
    )
    body, status = error_response(429, "rate_limited", message)
    return body, status, {"Retry-After": str(wait)}


def handle_out_of_range(exc: Exception):
    """A number too large for the database (an id or count far beyond any real one)."""
    _rollback()
    return error_response(422, "out_of_range", _l("A number in the request is out of range."))


def handle_db_unavailable(exc: DBAPIError):
    _rollback()
    if isinstance(exc, DataError):
        return handle_out_of_range(exc)
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return error_response(503, "unavailable", MESSAGES[503])
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    _rollback()
    return error_response(500, "internal_error", MESSAGES[500])


def register_error_handlers(app) -> None:
    """Registered last, so these win over flask-smorest's own HTTPException handler."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limited)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(DBAPIError, handle_db_unavailable)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(Exception, handle_unexpected)
