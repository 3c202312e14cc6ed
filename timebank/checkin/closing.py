"""Closing an attendance and crediting it: the one path of a check-out scan, a manual
entry's close and the auto-close job.

Lock order: the ledger's chain head first (`chain.lock_head`), then the attendance's row
(the conditional UPDATE). A scan closing one attendance and the auto-close job closing a
whole shift's take their locks in the same order and never wait on each other in a circle.
"""

from datetime import datetime

from sqlalchemy.orm.attributes import set_committed_value

from ..core.settings import setting
from ..extensions import db
from ..ledger import chain
from ..ledger.credit import credited_minutes
from ..ledger.services import credit_service
from . import statements
from .models import Attendance, Method, Review


def closing_values(attendance: Attendance, at: datetime, *, method, by, auto, **changes) -> dict:
    """The values closing `attendance` at `at` writes; `changes` are written with them.
    Auto-closed attendances and those scanned offline (unless a coordinator entered the
    times) wait for a coordinator's review."""
    values = {
        "checked_in_at": attendance.checked_in_at,
        "check_in_method": str(attendance.check_in_method),
        "offline": attendance.offline,
        **changes,
    }
    shift = attendance.shift
    minutes = credited_minutes(
        shift.starts_at,
        shift.ends_at,
        values["checked_in_at"],
        at,
        grace_before_min=setting("GRACE_BEFORE_MIN"),
        grace_after_min=setting("GRACE_AFTER_MIN"),
    )
    if not shift.counts_as_service:
        minutes = 0
    reviewed = auto or (values["offline"] and method != Method.COORDINATOR)
    values.update(
        checked_out_at=at,
        check_out_method=str(method),
        checked_out_by_id=by.id if by else None,
        credited_minutes=minutes,
        auto_closed=auto,
        review=Review.PENDING if reviewed else None,
    )
    return values


def close_and_credit(attendance: Attendance, values: dict, *, by, now: datetime) -> bool:
    """Lock the chain head, close the attendance with `values` while it is open, and
    append its service entry; False (nothing written, the attendance read again) when
    someone else closed it meanwhile."""
    chain.lock_head()
    matched = (
        db.session.execute(
            statements.close_statement(), {**values, "open_id": attendance.id}
        ).rowcount
        == 1
    )
    if not matched:
        db.session.refresh(attendance)
        return False
    for key, value in values.items():  # what the close wrote, set without reading it back
        set_committed_value(attendance, key, value)
    credit_service(attendance, actor=by, now=now, first=True)
    return True


def close_attendance(
    attendance: Attendance, at: datetime, *, method, by=None, now, auto=False
) -> bool:
    """Close an open attendance at `at` and credit the ledger; False if it was closed
    already (a conditional UPDATE: two closers never both credit)."""
    values = closing_values(attendance, at, method=method, by=by, auto=auto)
    return close_and_credit(attendance, values, by=by, now=now)
