"""Delivery reports: what the SMS gateway says became of a text after it was sent."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.errors import NotFound, ValidationFailed
from ..extensions import db
from .models import OutboxMessage

DELIVERY_STATUSES = ("delivered", "failed")
ERROR_MAX = 255


def record_delivery_report(message_id: int, status: str, error: str | None, *, now: datetime):
    """Keep what the SMS gateway reported for one sent text (the latest report wins).

    404 `message_not_found` for an id that is no SMS of ours; 422 for an unknown status.
    One UPDATE; flushes nothing else. The caller commits.
    """
    if status not in DELIVERY_STATUSES:
        raise ValidationFailed([("status", _l("Report delivered or failed."))])
    matched = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.channel == "sms")
        .values(
            delivery_status=status,
            delivery_reported_at=now,
            delivery_error=((error or "")[:ERROR_MAX] or None) if status == "failed" else None,
        )
    ).rowcount
    if matched != 1:
        raise NotFound("message_not_found")
