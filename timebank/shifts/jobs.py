"""Scheduled work of the shifts domain: reminders 24 hours and 1 hour before a shift.

"Process what is due": each run selects confirmed sign-ups whose reminder time has come and
that were confirmed before it, claims each with a conditional UPDATE of its flag (so two
schedulers never send one reminder twice) and announces it (`signals.reminder_due`): the
notifications domain queues the notice in the same transaction.
"""

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from . import signals
from .models import Shift, ShiftStatus, Signup, SignupStatus

#: (the sign-up's flag, how long before the start, the `lead` the signal carries)
REMINDERS = (
    ("reminded_24h_at", timedelta(hours=24), "24h"),
    ("reminded_1h_at", timedelta(hours=1), "1h"),
)


def send_reminders_job(now) -> int:
    sent = 0
    for column_name, lead, lead_name in REMINDERS:
        column = getattr(Signup, column_name)
        due = db.session.scalars(
            sa.select(Signup)
            .join(Shift, Shift.id == Signup.shift_id)
            .where(
                Signup.status == SignupStatus.CONFIRMED,
                column.is_(None),
                Shift.status == ShiftStatus.PUBLISHED,
                Shift.starts_at > now,
                Shift.starts_at <= now + lead,
            )
            .limit(500)
        ).all()
        for signup in due:
            claimed = (
                db.session.execute(
                    sa.update(Signup)
                    .where(Signup.id == signup.id, column.is_(None))
                    .values({column_name: now})
                ).rowcount
                == 1
            )
            shift = signup.shift
            if not claimed or signup.confirmed_at > shift.starts_at - lead:
                continue  # another scheduler sent it, or confirmed after the reminder time
            signals.reminder_due.send(signup, lead=lead_name, now=now)
            sent += 1
    return sent


JOBS = [(send_reminders_job, 60)]
