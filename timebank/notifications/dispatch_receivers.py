"""Delivering the dispatch platform's notices: receivers of timebank.dispatch.signals.

The dispatch domain never imports notifications; it announces, and this module (imported
by the app factory) turns each announcement into inbox notifications and outbox messages
through the notifications API, in the transaction of the change. Residents without an
account get an SMS only, in the default language.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale

from ..dispatch import notices
from ..dispatch.signals import event_escalated, event_moved, event_overdue
from ..extensions import db
from .models import OutboxMessage, OutboxStatus
from .services import SMS_MAX, notify_many

RESIDENT_LOCALE = "zh_CN"


def deliver(items: list[notices.Notice], now: datetime) -> None:
    """Put each notice in its members' inboxes (and outbox), and text the phones."""
    for notice in items:
        if notice.members:
            notify_many(
                notice.members,
                notice.kind,
                title=notice.title,
                body=notice.body,
                link=notice.link,
                urgent=notice.urgent,
                sms=notice.sms,
                now=now,
            )
        if notice.phones:
            _text_residents(notice, now)


def _text_residents(notice: notices.Notice, now: datetime) -> None:
    with force_locale(RESIDENT_LOCALE):
        title, body = str(notice.title), str(notice.body)
    db.session.execute(
        sa.insert(OutboxMessage),
        [
            dict(
                notification_id=None,
                channel="sms",
                recipient=phone,
                subject=title[:200],
                body=f"{title}: {body}"[:SMS_MAX],
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for phone in notice.phones
        ],
    )


@event_moved.connect
def on_event_moved(event, *, action, now, **kwargs) -> None:
    deliver(notices.for_move(event, action), now)


@event_overdue.connect
def on_event_overdue(event, *, deadline, now, **kwargs) -> None:
    deliver(notices.for_overdue(event, deadline), now)


@event_escalated.connect
def on_event_escalated(event, *, unit, now, **kwargs) -> None:
    deliver(notices.for_escalation(event, unit), now)
