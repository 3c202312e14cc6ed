"""Scheduled work of the notifications domain: delivering the outbox.

This is an edge, like a view: it commits. Each message goes through three short
transactions — claim (commit), send (no transaction open, so no lock is held while the mail
server answers), record the result (commit) — so a second scheduler never sends a message
the first one has claimed, and a slow mail server never blocks the database.
"""

import logging
import time
from datetime import datetime, timedelta

from flask import current_app

from ..extensions import db
from . import outbox, queries
from .channels import Channel, EmailChannel, SmsChannel, mask_address

log = logging.getLogger(__name__)

#: Messages looked at per run, and the wall-clock time after which a run stops claiming
#: more (the rest wait for the next tick). Together with outbox.CLAIM_HOLD this makes
#: sure a claim never lapses while its message is being sent.
BATCH = 100
TIME_BUDGET_S = 120


def deliver_outbox_job(now: datetime, *, channels: dict[str, Channel] | None = None) -> int:
    """Send the pending outbox messages that are due; returns how many were attempted.

    A failed attempt is retried with exponential backoff (OUTBOX_BACKOFF_S, doubling) until
    OUTBOX_MAX_ATTEMPTS, then the message is `failed` with its last error kept.
    """
    owned = channels is None
    if owned:
        channels = _build_channels()
    try:
        ids = queries.list_due_message_ids(now, channels=channels, limit=BATCH)
        db.session.commit()  # end the read: every claim is its own short transaction
        started = time.monotonic()
        attempted = 0
        for message_id in ids:
            if time.monotonic() - started > TIME_BUDGET_S:
                log.info(
                    "outbox: time budget spent; %s message(s) left for the next run",
                    len(ids) - attempted,
                )
                break
            attempted += _deliver(message_id, channels, now=now)
        return attempted
    finally:
        if owned:
            for channel in channels.values():
                channel.close()


def _build_channels() -> dict[str, Channel]:
    """Both channels; a broken SMS_GATEWAY setting leaves SMS waiting, not failing."""
    config = current_app.config
    channels: dict[str, Channel] = {"email": EmailChannel.from_config(config)}
    try:
        channels["sms"] = SmsChannel.from_config(config)
    except Exception:  # noqa: BLE001 - a bad import path must not stop e-mail delivery
        log.exception(
            "outbox: cannot load SMS_GATEWAY %r; SMS messages wait", config.get("SMS_GATEWAY")
        )
    return channels


def _deliver(message_id: int, channels: dict[str, Channel], *, now: datetime) -> int:
    delivery = outbox.claim_message(message_id, now=now)
    db.session.commit()
    if delivery is None:
        log.info("outbox %s: claimed by another scheduler, skipped", message_id)
        return 0
    config = current_app.config
    max_attempts = config["OUTBOX_MAX_ATTEMPTS"]
    to = mask_address(delivery.recipient)
    log.info(
        "outbox %s: sending %s to %s, attempt %s of %s",
        delivery.id,
        delivery.channel,
        to,
        delivery.attempts,
        max_attempts,
    )
    try:
        channels[delivery.channel].send(delivery)
    except Exception as exc:  # noqa: BLE001 - every failure is kept and retried
        error = f"{type(exc).__name__}: {exc}"
        retry_at = outbox.record_failure(
            delivery,
            error,
            now=now,
            max_attempts=max_attempts,
            backoff=timedelta(seconds=config["OUTBOX_BACKOFF_S"]),
        )
        db.session.commit()
        if retry_at is None:
            log.error(
                "outbox %s: %s to %s failed for good after %s attempts: %s",
                delivery.id,
                delivery.channel,
                to,
                delivery.attempts,
                error,
            )
        else:
            log.warning(
                "outbox %s: attempt %s failed (%s); next attempt at %s",
                delivery.id,
                delivery.attempts,
                error,
                retry_at.isoformat(),
            )
        return 1
    outbox.record_sent(delivery, now=now)
    db.session.commit()
    log.info("outbox %s: %s to %s sent", delivery.id, delivery.channel, to)
    return 1


JOBS = [(deliver_outbox_job, 15)]
