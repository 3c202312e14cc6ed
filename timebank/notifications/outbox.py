"""The outbox's delivery side: claim a due message for one attempt, record what became of it.

The scheduler's delivery job (notifications/jobs.py) calls these around a channel's send;
services.py queues the messages, reports.py records what the gateway says later.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .models import OutboxMessage, OutboxStatus

#: A claimed message is not due again for this long, so no one else picks it up while it
#: is being sent; if the sender dies, it is retried after this (at least once delivery).
CLAIM_HOLD = timedelta(minutes=15)


@dataclass(frozen=True)
class Delivery:
    """A claimed outbox message: what a channel needs to send it, read in the claim."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    #: Attempts so far, this one included.
    attempts: int


def claim_message(message_id: int, *, now: datetime) -> Delivery | None:
    """Claim a due pending message for one delivery attempt, or None if it is not ours.

    One conditional UPDATE: only a message still pending and due matches, and the claim
    moves it out of "due" (for CLAIM_HOLD) and counts the attempt. Of two schedulers racing
    for one message exactly one gets a row back. Commit before sending.
    """
    row = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_HOLD)
        .returning(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.attempts,
        )
    ).first()
    return Delivery(*row) if row is not None else None


def record_sent(delivery: Delivery, *, now: datetime) -> None:
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == delivery.id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=now, last_error=None)
    )


def retry_delay(attempts: int, base: timedelta) -> timedelta:
    """Exponential backoff: base after the first failure, then 2, 4, 8 … times base."""
    return base * 2 ** max(attempts - 1, 0)


def record_failure(
    delivery: Delivery, error: str, *, now: datetime, max_attempts: int, backoff: timedelta
) -> datetime | None:
    """Keep the error and schedule the next attempt; after `max_attempts` the message is
    `failed`. Returns when it will be tried again, or None when it has failed for good."""
    values = {"last_error": error[:500]}
    retry_at = None
    if delivery.attempts >= max_attempts:
        values["status"] = OutboxStatus.FAILED
    else:
        retry_at = now + retry_delay(delivery.attempts, backoff)
        values["next_attempt_at"] = retry_at
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == delivery.id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(**values)
    )
    return retry_at
