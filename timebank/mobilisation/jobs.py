"""The call-out tick (every CALLOUT_TICK_S): expire unanswered invitations, send the next
wave, mark call-outs short, close those whose end has passed. All state is in the database
and every step is a conditional update under the call-out's row lock, so a tick is safe to
run twice and two schedulers never double an invitation."""

import sqlalchemy as sa

from ..extensions import db
from .models import Callout, CalloutStatus
from .services import tick


def callout_tick_job(now) -> int:
    active = db.session.scalars(
        sa.select(Callout.id).where(
            Callout.status.in_([CalloutStatus.OPEN, CalloutStatus.SHORT, CalloutStatus.FILLED])
        )
    ).all()
    changed = 0
    for callout_id in active:
        changed += tick(callout_id, now=now)
        db.session.commit()  # one call-out at a time: the row lock is held briefly
    return changed


JOBS = [(callout_tick_job, "CALLOUT_TICK_S")]
