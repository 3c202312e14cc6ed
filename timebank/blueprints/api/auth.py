"""API: bearer tokens and passwords."""

from flask import current_app, g
from flask_smorest import Blueprint

from ...auth import services
from ...core.errors import DomainError
from ...extensions import db, limiter
from .access import auth_required, documents_errors
from .schemas.auth import PasswordInput, TokenInput, TokenSchema

bp = Blueprint(
    "api_auth",
    __name__,
    url_prefix="/api/v1/auth",
    description="Sign in with a phone number and password; bearer tokens.",
)


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


def _phone_key() -> str:
    from flask import request

    body = request.get_json(silent=True)
    phone = body.get("phone") if isinstance(body, dict) else None
    return f"token:{phone if isinstance(phone, str) else ''}"


@bp.route("/tokens", methods=["POST"])
@limiter.limit("20 per minute")
@limiter.limit("10 per minute", key_func=_phone_key)
@documents_errors(bp, 400, 401, 422, 429)
@bp.arguments(TokenInput)
@bp.response(201, TokenSchema)
def create_token(data):
    """Exchange a phone number and password for a bearer token."""
    result = services.authenticate(data["phone"], data["password"])
    db.session.commit()  # failed attempts are counted even when refused
    if not result.ok:
        raise InvalidCredentials(result.error, result.message)
    raw, token = services.issue_token(
        result.member, ttl_days=current_app.config["API_TOKEN_TTL_DAYS"]
    )
    db.session.commit()
    return {"token": raw, "member_id": result.member.id, "expires_at": token.expires_at}


@bp.route("/tokens/current", methods=["DELETE"])
@auth_required(bp, pending_ok=True)
@bp.response(204)
def revoke_current_token():
    """Revoke the token this request was made with."""
    services.revoke_token(g.token)
    db.session.commit()


@bp.route("/password", methods=["POST"])
@auth_required(bp, 422, pending_ok=True)
@bp.arguments(PasswordInput)
@bp.response(204)
def change_password(data):
    """Change the password; every token and session of the member is revoked."""
    services.change_password(g.actor, current=data["current"], new=data["new"])
    db.session.commit()
