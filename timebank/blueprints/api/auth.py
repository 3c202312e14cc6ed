"""API: bearer tokens, passwords and password reset."""

from flask import Response, current_app, g
from flask_smorest import Blueprint

from ...auth import reset, services
from ...core.clock import utcnow
from ...core.errors import DomainError
from ...extensions import db
from ..limits import count_refusal, reset_code_limits, reset_limits, sign_in_limits
from .access import auth_required, documents_errors
from .schemas.auth import PasswordInput, ResetCodeInput, ResetInput, TokenInput, TokenSchema

bp = Blueprint(
    "api_auth",
    __name__,
    url_prefix="/api/v1/auth",
    description="Sign in with a phone number and password; bearer tokens.",
)


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


@bp.route("/tokens", methods=["POST"])
@sign_in_limits
@documents_errors(bp, 400, 401, 422, 429)
@bp.arguments(TokenInput)
@bp.response(201, TokenSchema)
def create_token(data):
    """Exchange a phone number and password for a bearer token."""
    result = services.authenticate(data["phone"], data["password"])
    db.session.commit()  # failed attempts are counted even when refused
    if not result.ok:
        if result.counts_against_limits:
            count_refusal()
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


@bp.route("/reset-codes", methods=["POST"])
@reset_code_limits
@documents_errors(bp, 400, 422, 429)
@bp.arguments(ResetCodeInput)
@bp.response(202)
def request_reset_code(data):
    """Ask for a 6-digit password reset code by SMS: 202 whatever the phone."""
    reset.request_reset_code(data["phone"], now=utcnow())
    db.session.commit()
    return Response(status=202)  # no body: the same answer whatever the phone


@bp.route("/reset", methods=["POST"])
@reset_limits
@documents_errors(bp, 400, 422, 429)
@bp.arguments(ResetInput)
@bp.response(204)
def reset_password(data):
    """Set a new password with a reset code; every session and token of the member ends."""
    try:
        reset.reset_password(data["phone"], data["code"], data["password"], now=utcnow())
    except reset.InvalidCode:
        db.session.commit()  # the wrong try is counted
        count_refusal()
        raise
    db.session.commit()
