"""API: the SMS gateway's webhook — texts members and residents send (SPEC 9).

Not signed in with a token: the gateway signs each post with SMS_INBOUND_SECRET (hex
HMAC-SHA256 of the raw body in X-Signature). An unsigned, badly signed or replayed post
(the same body and signature within 10 minutes) is 401 before anything is read or
changed. See notifications.channels for the adapter a real provider plugs in.
"""

from functools import wraps

from flask import Response, current_app, request
from flask_smorest import Blueprint

from ...core.clock import utcnow
from ...core.errors import DomainError
from ...extensions import db
from ...mobilisation.waves import top_up_declined
from ...notifications.reports import record_delivery_report
from ...sms import services, signing
from .access import documents_errors
from .schemas.sms import DeliveryReportInput, InboundInput, InboundSchema

bp = Blueprint(
    "api_sms",
    __name__,
    url_prefix="/api/v1/sms",
    description="Two-way SMS: the gateway posts the texts it receives (signed).",
)


#: The OpenAPI security scheme of the gateway's posts (registered in api.register_api).
SCHEME = "smsSignature"
SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-Signature",
    "description": "Hex HMAC-SHA256 of the raw body with SMS_INBOUND_SECRET.",
}


class BadSignature(DomainError):
    status = 401
    code = "bad_signature"


def signed(fn):
    """401 unless X-Signature signs the raw body and was not seen in the last 10 minutes."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        signature = request.headers.get("X-Signature")
        body = request.get_data(cache=True)
        if not signing.verify(current_app.config["SMS_INBOUND_SECRET"], body, signature):
            raise BadSignature(message="Unsigned or badly signed.")
        if not services.claim_signature(signature.strip().lower(), now=utcnow()):
            db.session.rollback()
            raise BadSignature(message="This post was received already.")
        return fn(*args, **kwargs)

    return bp.doc(security=[{SCHEME: []}])(wrapper)


@bp.route("/inbound", methods=["POST"])
@documents_errors(bp, 400, 401, 422)
@signed
@bp.arguments(InboundInput)
@bp.response(200, InboundSchema)
def inbound(data):
    """Receive one text: apply its answers and return the reply to send back."""
    now = utcnow()
    row = services.receive(
        phone=data["phone"], text=data["text"], received_at=data["received_at"], now=now
    )
    db.session.commit()
    top_up_declined(now=now)  # a declined call-out invites the next members at once
    return row


@bp.route("/delivery-reports", methods=["POST"])
@documents_errors(bp, 400, 401, 404, 422)
@signed
@bp.arguments(DeliveryReportInput)
@bp.response(204)
def delivery_report(data):
    """Record whether a text the app sent was delivered (its id is the send's reference)."""
    record_delivery_report(data["message_id"], data["status"], data["error"], now=utcnow())
    db.session.commit()
    return Response(status=204)
