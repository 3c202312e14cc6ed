"""Scheduled work of the shifts domain: reminders 24 hours and 1 hour before a shift.

"Process what is due": each run selects confirmed sign-ups whose reminder time has come and
that were confirmed before it, claims each with a conditional UPDATE of its flag (so two
schedulers never send one reminder twice) and queues the notification in the same
transaction.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..notifications.services import notify
from .models import Shift, ShiftStatus, Signup, SignupStatus
from .services import _when

REMINDERS = (
    ("reminded_24h_at", timedelta(hours=24), "reminder_24h", False),
    ("reminded_1h_at", timedelta(hours=1), "reminder_1h", True),
)


def send_reminders_job(now) -> int:
    sent = 0
    for column_name, lead, kind, sms in REMINDERS:
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
            title = (
                _l("Tomorrow: %(title)s", title=shift.title)
                if kind == "reminder_24h"
                else _l("In one hour: %(title)s", title=shift.title)
            )
            notify(
                signup.member,
                kind,
                title=title,
                body=_l(
                    "Your shift %(title)s runs %(when)s at %(place)s.",
                    title=shift.title,
                    when=_when(shift),
                    place=shift.checkpoint.name if shift.checkpoint else shift.community.name,
                ),
                link=f"/shifts/{shift.id}",
                sms=sms,
                now=now,
            )
            sent += 1
    return sent


JOBS = [(send_reminders_job, 60)]
