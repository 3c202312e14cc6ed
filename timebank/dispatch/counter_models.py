"""The per-unit, per-day, per-category counters the dispatch figures are read from (SPEC 6).

Written only by dispatch/counters.py, read by dispatch/stats.py and command.py.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

#: Upper bounds (minutes) of the handle-time histogram's buckets; the last is open-ended.
HANDLE_BUCKETS = (30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 20160)

#: The counted quantities of a counter row, and its handle-time histogram's columns.
COUNTS = (
    "reported",
    "rejected",
    "closed",
    "closed_on_time",
    "rated",
    "rated_good",
    "overdue_open",
)
HIST = tuple(f"h{i:02d}" for i in range(len(HANDLE_BUCKETS) + 1))
#: What the covering indexes of event_counters carry besides their keys: a figures query
#: reads the index alone (an index-only scan on PostgreSQL), never the table's rows.
COUNTER_INCLUDE = ("unit_id", *COUNTS, *HIST)


class EventCounter(db.Model):
    """Figures of one unit, one day (of reported_at, Asia/Shanghai) and one category.

    Every event moves a row for each unit above it (its grid, community, town and the
    district), once for its category and once for "all categories" (category_id 0), in
    the transaction of each transition; the figures sum a few hundred of these rows
    instead of grouping the events. `hNN` count closed events by handle time (dispatch to
    handled) in the buckets of HANDLE_BUCKETS: the median is read from them."""

    __tablename__ = "event_counters"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "day", "category_id"),
        # Breakdowns by town, community or grid: one level's rows under a path.
        sa.Index(
            "ix_event_counters_level",
            "level",
            "category_id",
            "day",
            "unit_path",
            postgresql_include=list(COUNTER_INCLUDE),
        ),
        # One unit's totals and its breakdown by category.
        sa.Index(
            "ix_event_counters_unit",
            "unit_id",
            "category_id",
            "day",
            postgresql_include=[c for c in COUNTER_INCLUDE if c != "unit_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(10))
    unit_path: Mapped[str] = mapped_column(sa.String(255))
    day: Mapped[date]
    #: 0: every category.
    category_id: Mapped[int]
    reported: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    closed_on_time: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    #: Ratings of 4 or 5.
    rated_good: Mapped[int] = mapped_column(default=0)
    #: Events with someone (dispatched, accepted) and past a deadline, now: +1 when one is
    #: marked overdue, −1 when it leaves that state (accepted in time for the handle
    #: deadline, returned, handled).
    overdue_open: Mapped[int] = mapped_column(default=0, server_default="0")
    h00: Mapped[int] = mapped_column(default=0)
    h01: Mapped[int] = mapped_column(default=0)
    h02: Mapped[int] = mapped_column(default=0)
    h03: Mapped[int] = mapped_column(default=0)
    h04: Mapped[int] = mapped_column(default=0)
    h05: Mapped[int] = mapped_column(default=0)
    h06: Mapped[int] = mapped_column(default=0)
    h07: Mapped[int] = mapped_column(default=0)
    h08: Mapped[int] = mapped_column(default=0)
    h09: Mapped[int] = mapped_column(default=0)
    h10: Mapped[int] = mapped_column(default=0)
    h11: Mapped[int] = mapped_column(default=0)


def handle_bucket(minutes: int) -> int:
    """The histogram bucket of a handle time in minutes."""
    for i, bound in enumerate(HANDLE_BUCKETS):
        if minutes < bound:
            return i
    return len(HANDLE_BUCKETS)
