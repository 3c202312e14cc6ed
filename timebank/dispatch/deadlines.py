"""What the scheduler does with passed deadlines (SPEC 6, rules 2–3), a batch at a time.

Each pass reads only what is due, through the partial indexes on the open events' due
times (never every open event), and claims it with a conditional UPDATE that also sets
the marker column (`accept_overdue_at`, `handle_overdue_at`) or moves the status: an
event is marked, escalated or closed once per deadline, however many schedulers run and
however often a tick is repeated. On PostgreSQL the due rows are read FOR UPDATE SKIP
LOCKED, so a second scheduler passes over what the first is working on.

A batch costs a fixed number of statements, whatever its size: one UPDATE … RETURNING that
claims the due events and reads them back (the units they went to read once more), one
INSERT of timeline rows,
and one signal for the whole batch (`events_overdue`, `events_escalated`), whose receivers
write their notices set-based.
"""

import logging
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..units.models import Unit
from ..units.queries import find_root
from . import counters
from .closing import auto_close
from .models import ASSIGNED, Event, EventStep, Status
from .signals import events_escalated, events_overdue

log = logging.getLogger(__name__)

BATCH = 500


def accept_due(now: datetime) -> tuple:
    """Dispatched, not yet marked, accept deadline passed (ix_events_accept_due)."""
    return (
        Event.status == Status.DISPATCHED,
        Event.accept_overdue_at.is_(None),
        Event.accept_due_at <= now,
    )


def handle_due(now: datetime) -> tuple:
    """With someone, not yet marked, handle deadline passed (ix_events_handle_due)."""
    return (
        Event.status.in_(ASSIGNED),
        Event.handle_overdue_at.is_(None),
        Event.handle_due_at <= now,
    )


def feedback_due(now: datetime) -> tuple:
    """Handled, the feedback time over (ix_events_feedback_due)."""
    return (Event.status == Status.HANDLED, Event.feedback_due_at <= now)


def due_query(condition: tuple, order_by, batch: int) -> sa.Select:
    """The ids of the first `batch` due events, oldest due first, skipping rows another
    scheduler has locked (PostgreSQL)."""
    return (
        sa.select(Event.id)
        .where(*condition)
        .order_by(order_by)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )


def _due(condition, order_by, batch: int) -> list[int]:
    return list(db.session.scalars(due_query(condition, order_by, batch)))


def _steps(rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(EventStep), rows)


def _events(ids) -> list[Event]:
    """The events, freshly read (objects already in the session are brought up to date)."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.id.in_(ids))
            .order_by(Event.id)
            .execution_options(populate_existing=True)
        )
    )


def _claim(due: tuple, order_by, batch: int, **values) -> list[Event]:
    """Claim up to `batch` due events in one statement and return them freshly read, by id.

    The UPDATE sets `values` on the first `batch` due rows (the due query, FOR UPDATE SKIP
    LOCKED on PostgreSQL) still due as the UPDATE sees them, and RETURNING brings back the
    events it changed: a row another scheduler claimed first is no longer due, so not
    returned here.
    """
    ids = due_query(due, order_by, batch).scalar_subquery()
    claimed = db.session.scalars(
        sa.update(Event)
        .where(Event.id.in_(ids), *due)
        .values(**values)
        .returning(Event)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).all()
    return sorted(claimed, key=lambda e: e.id)


def mark_accept_overdue(now: datetime, batch: int = BATCH) -> int:
    """Dispatched events past accept_due_at: marked overdue; assignee and dispatcher told."""
    events = _claim(
        accept_due(now), Event.accept_due_at, batch, accept_overdue_at=now, overdue=True
    )
    if not events:
        return 0
    # Overdue already when its handle deadline was marked first (the UPDATE left that alone).
    counters.marked_overdue([(e, e.handle_overdue_at is not None) for e in events])
    _steps([_step(e, "overdue", now, "accept") for e in events])
    events_overdue.send(events, deadline="accept", now=now)
    log.info("%s event(s) not accepted in time", len(events))
    return len(events)


def mark_handle_overdue(now: datetime, batch: int = BATCH) -> int:
    """Open events past handle_due_at: marked overdue and escalated one level up (to the
    town, or to the district when the town has had it already); the assignee and
    dispatcher are told, and the coordinators of the unit it was escalated to."""
    district = find_root()
    up = sa.case((Event.escalated_to_id.is_(None), Event.town_id), else_=district.id)
    values = dict(handle_overdue_at=now, overdue=True, escalated_to_id=up, escalated_at=now)
    events = _claim(handle_due(now), Event.handle_due_at, batch, **values)
    if not events:
        return 0
    # Overdue already when dispatched with its accept deadline marked (both left alone).
    was = [e.status == Status.DISPATCHED and e.accept_overdue_at is not None for e in events]
    counters.marked_overdue(list(zip(events, was, strict=True)))
    units = _units({e.escalated_to_id for e in events})  # held: e.escalated_to finds them
    _steps(
        [_step(e, "overdue", now, "handle") for e in events]
        + [_step(e, "escalated", now, units[e.escalated_to_id].name) for e in events]
    )
    events_overdue.send(events, deadline="handle", now=now)
    events_escalated.send(events, now=now)
    log.info("%s event(s) overdue and escalated", len(events))
    return len(events)


def _units(ids) -> dict[int, Unit]:
    return {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}


def close_unrated(now: datetime, batch: int = BATCH) -> int:
    """Handled events without feedback for EVENT_FEEDBACK_H hours: closed, unrated."""
    ids = _due(feedback_due(now), Event.feedback_due_at, batch)
    closed = sum(1 for event in _events(ids) if auto_close(event, now=now))
    if closed:
        log.info("%s handled event(s) closed without feedback", closed)
    return closed


def _step(event: Event, action: str, now: datetime, note: str) -> dict:
    return dict(
        event_id=event.id,
        at=now,
        actor_id=None,
        action=action,
        from_status=event.status,
        to_status=event.status,
        note=note,
    )
