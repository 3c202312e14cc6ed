"""The dispatch tick (every EVENT_TICK_S): passed deadlines marked and escalated, handled
events without feedback closed. Each batch is committed on its own, so a tick killed
half-way keeps what it did, and the next tick (of this or another scheduler) carries on
from the database's state."""

from ..extensions import db
from .deadlines import BATCH, close_unrated, mark_accept_overdue, mark_handle_overdue

#: Batches per kind of work and tick: a backlog is worked off over a few ticks.
MAX_BATCHES = 20


def _drain(step, now) -> int:
    done = 0
    for _ in range(MAX_BATCHES):
        count = step(now, BATCH)
        db.session.commit()
        done += count
        if count < BATCH:
            break
    return done


def event_tick_job(now) -> int:
    return sum(
        _drain(step, now) for step in (mark_accept_overdue, mark_handle_overdue, close_unrated)
    )


JOBS = [(event_tick_job, "EVENT_TICK_S")]
