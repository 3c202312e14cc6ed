"""The timeline's rows and the announcement of each step, written the same way by every
transition, the intake and the scheduler."""

from datetime import datetime

from ..extensions import db
from .models import Event, EventStep
from .signals import event_moved

NOTE_MAX = 500


def record_step(
    event: Event, action: str, actor, from_status: str | None, now: datetime, note=None
) -> None:
    """Append one timeline row (never edited afterwards)."""
    db.session.add(
        EventStep(
            event_id=event.id,
            at=now,
            actor_id=actor.id if actor is not None else None,
            action=action,
            from_status=from_status,
            to_status=event.status,
            note=note[:NOTE_MAX] if note else None,
        )
    )


def announce(event: Event, action: str, actor, from_status, note, now: datetime) -> None:
    """Send `event_moved` once the step is flushed (receivers write in this transaction)."""
    db.session.flush()
    event_moved.send(event, action=action, actor=actor, from_status=from_status, note=note, now=now)
