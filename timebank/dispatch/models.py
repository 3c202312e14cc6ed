"""Departments, event categories, grid workers, events and their timeline (SPEC 6)."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class Department(TimestampMixin, db.Model):
    """A functional department (职能部门) that handles events of its categories."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))

    def display_name(self, locale: str | None = None) -> str:
        if locale and locale.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class DepartmentHandler(TimestampMixin, db.Model):
    """A member who handles the events dispatched to a department."""

    __tablename__ = "department_handlers"
    __table_args__ = (sa.UniqueConstraint("department_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    department: Mapped[Department] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])


class EventCategory(TimestampMixin, db.Model):
    __tablename__ = "event_categories"
    __table_args__ = (
        sa.CheckConstraint("accept_within_min BETWEEN 1 AND 10080", name="accept_within_range"),
        sa.CheckConstraint("handle_within_h BETWEEN 1 AND 8760", name="handle_within_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))
    #: The class of the digital city-management catalogue (市容环境, 突发事件, 为民服务 …).
    class_name: Mapped[str | None] = mapped_column(sa.String(40))
    #: The department that handles it by default (optional).
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    accept_within_min: Mapped[int] = mapped_column(default=30)
    handle_within_h: Mapped[int] = mapped_column(default=24)
    #: A party member who reported to the event's community may take it.
    volunteer_ok: Mapped[bool] = mapped_column(default=False)

    department: Mapped[Department | None] = relationship()

    def display_name(self, locale: str | None = None) -> str:
        if locale and locale.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Employment(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"


class GridWorker(TimestampMixin, db.Model):
    """A grid worker's employment. The units they work on are `gridworker` role
    assignments; full- or part-time belongs to the person (one contract, however many
    grids), so it lives here rather than on each assignment."""

    __tablename__ = "grid_workers"
    __table_args__ = (
        sa.CheckConstraint("employment IN ('full_time', 'part_time')", name="employment_known"),
    )

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), primary_key=True)
    employment: Mapped[str] = mapped_column(sa.String(10), default=Employment.FULL_TIME)

    member: Mapped[Member] = relationship()


class Status(StrEnum):
    REPORTED = "reported"
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    HANDLED = "handled"
    CLOSED = "closed"
    REJECTED = "rejected"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.REPORTED: _l("Reported"),
    Status.REGISTERED: _l("Registered as a case"),
    Status.DISPATCHED: _l("Dispatched"),
    Status.ACCEPTED: _l("Accepted"),
    Status.HANDLED: _l("Handled"),
    Status.CLOSED: _l("Closed as done"),
    Status.REJECTED: _l("Rejected"),
}
#: With someone, on the clock: deadlines run and can pass.
ASSIGNED = (Status.DISPATCHED, Status.ACCEPTED)
#: Statuses an event can still move from.
OPEN_STATUSES = (
    Status.REPORTED,
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.HANDLED,
)
SOURCES = ("resident", "gridworker", "drone", "hotline", "member")
ASSIGNEE_KINDS = ("gridworker", "volunteer", "department")


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Event(db.Model):
    """One reported event and where it stands in the loop."""

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_sql_list(Status)})", name="status_known"),
        sa.CheckConstraint(f"source IN ({_sql_list(SOURCES)})", name="source_known"),
        sa.CheckConstraint("priority IN ('normal', 'urgent')", name="priority_known"),
        sa.CheckConstraint(
            f"assignee_kind IS NULL OR assignee_kind IN ({_sql_list(ASSIGNEE_KINDS)})",
            name="assignee_kind_known",
        ),
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint(
            "reporter_id IS NOT NULL OR reporter_phone IS NOT NULL", name="has_reporter"
        ),
        sa.CheckConstraint("photo_count BETWEEN 0 AND 6", name="photo_count_range"),
        sa.Index("ix_events_unit_path", "unit_path", "id"),
        sa.Index("ix_events_assignee_member", "assignee_member_id", "status"),
        sa.Index("ix_events_assignee_department", "assignee_department_id", "status"),
        sa.Index("ix_events_reporter", "reporter_id"),
        # "Process what is due": each tick reads only the open events whose time has come.
        sa.Index(
            "ix_events_accept_due",
            "accept_due_at",
            sqlite_where=sa.text("status = 'dispatched' AND accept_overdue_at IS NULL"),
            postgresql_where=sa.text("status = 'dispatched' AND accept_overdue_at IS NULL"),
        ),
        sa.Index(
            "ix_events_handle_due",
            "handle_due_at",
            sqlite_where=sa.text(
                "status IN ('dispatched', 'accepted') AND handle_overdue_at IS NULL"
            ),
            postgresql_where=sa.text(
                "status IN ('dispatched', 'accepted') AND handle_overdue_at IS NULL"
            ),
        ),
        sa.Index(
            "ix_events_feedback_due",
            "feedback_due_at",
            sqlite_where=sa.text("status = 'handled'"),
            postgresql_where=sa.text("status = 'handled'"),
        ),
        # The command centre's live counts: open events (a few percent of all) by status.
        sa.Index(
            "ix_events_open",
            "unit_path",
            "status",
            sqlite_where=sa.text(f"status IN ({_sql_list(OPEN_STATUSES)})"),
            postgresql_where=sa.text(f"status IN ({_sql_list(OPEN_STATUSES)})"),
        ),
        sa.Index(
            "ix_events_overdue_open",
            "unit_path",
            sqlite_where=sa.text("overdue AND status IN ('dispatched', 'accepted')"),
            postgresql_where=sa.text("overdue AND status IN ('dispatched', 'accepted')"),
        ),
        # Lists of late events, newest first (GET /events?overdue=true).
        sa.Index(
            "ix_events_overdue_id",
            "id",
            sqlite_where=sa.text("overdue AND status IN ('dispatched', 'accepted')"),
            postgresql_where=sa.text("overdue AND status IN ('dispatched', 'accepted')"),
        ),
        # The overdue queue, longest late first: read in order, stopping at its size.
        sa.Index(
            "ix_events_overdue_due",
            sa.text("coalesce(handle_due_at, accept_due_at)"),
            "id",
            sqlite_where=sa.text("overdue AND status IN ('dispatched', 'accepted')"),
            postgresql_where=sa.text("overdue AND status IN ('dispatched', 'accepted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NS + local date + 6-digit sequence of the day, e.g. NS20261203000123.
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    source: Mapped[str] = mapped_column(sa.String(12))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("event_categories.id"))
    description: Mapped[str] = mapped_column(sa.Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(sa.String(255))
    #: The event's grid (or the reporter's community when no grid could be found).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    #: The unit's materialised path: scope checks are a prefix match on the event itself.
    unit_path: Mapped[str] = mapped_column(sa.String(255))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    priority: Mapped[str] = mapped_column(sa.String(8), default="normal")
    status: Mapped[str] = mapped_column(sa.String(12), default=Status.REPORTED)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    #: A resident without an account: name and phone (shown masked like a member's).
    reporter_name: Mapped[str | None] = mapped_column(sa.String(60))
    reporter_phone: Mapped[str | None] = mapped_column(sa.String(20))
    assignee_kind: Mapped[str | None] = mapped_column(sa.String(12))
    assignee_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    assignee_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    dispatched_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The Asia/Shanghai day of reported_at: the figures' day.
    reported_on: Mapped[date]
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by the scheduler when it marked the current accept / handle deadline missed.
    accept_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Late on the deadline that now runs (accept while dispatched, then handle).
    overdue: Mapped[bool] = mapped_column(default=False)
    escalated_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None]
    #: The 1–2 rating that reopened the event (its final rating is `rating`).
    first_rating: Mapped[int | None]
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_comment: Mapped[str | None] = mapped_column(sa.String(500))
    reopened: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str | None] = mapped_column(sa.Text)
    #: Minutes a volunteer reported with the result; credit_minutes what was credited.
    volunteer_minutes: Mapped[int | None]
    credit_minutes: Mapped[int | None]
    credit_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    #: Dispatch to handled, in minutes, and whether it was handled by handle_due_at.
    handle_minutes: Mapped[int | None]
    handled_on_time: Mapped[bool | None]
    reject_reason: Mapped[str | None] = mapped_column(sa.String(255))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"))
    close_note: Mapped[str | None] = mapped_column(sa.String(500))
    #: Photos stored, claimed with a conditional UPDATE so that it never passes the cap.
    photo_count: Mapped[int] = mapped_column(default=0)

    category: Mapped[EventCategory] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    reporter: Mapped[Member | None] = relationship(foreign_keys=[reporter_id])
    assignee_member: Mapped[Member | None] = relationship(foreign_keys=[assignee_member_id])
    assignee_department: Mapped[Department | None] = relationship()
    dispatched_by: Mapped[Member | None] = relationship(foreign_keys=[dispatched_by_id])
    escalated_to: Mapped[Unit | None] = relationship(foreign_keys=[escalated_to_id])

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def assignee(self) -> dict | None:
        if self.assignee_kind is None:
            return None
        if self.assignee_kind == "department":
            return {"kind": "department", "id": self.assignee_department_id}
        return {"kind": self.assignee_kind, "id": self.assignee_member_id}


#: PostgreSQL's planner takes `overdue` and `status` for independent and expects a few
#: hundred late events where there are thousands (every late event is with someone):
#: without these statistics it sorts them all instead of reading the partial indexes in
#: order. The migration creates them too.
OVERDUE_STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS st_events_overdue_status (mcv) ON overdue, status FROM events"
)
sa.event.listen(
    Event.__table__,
    "after_create",
    sa.DDL(OVERDUE_STATISTICS).execute_if(dialect="postgresql"),
)


def open_late():
    """Events with someone and past a deadline, in the words of the partial indexes'
    predicate (a bare `overdue`: PostgreSQL does not match `overdue IS true` to it)."""
    return sa.and_(Event.overdue, Event.status.in_(ASSIGNED))


class EventStep(db.Model):
    """One row of an event's timeline; never edited."""

    __tablename__ = "event_steps"
    __table_args__ = (sa.Index("ix_event_steps_event", "event_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Who acted; None for the scheduler and for residents.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(sa.String(20))
    from_status: Mapped[str | None] = mapped_column(sa.String(12))
    to_status: Mapped[str | None] = mapped_column(sa.String(12))
    note: Mapped[str | None] = mapped_column(sa.String(500))


class EventPhoto(TimestampMixin, db.Model):
    """A photo of an event: re-encoded without EXIF, with a thumbnail, stored as files
    under UPLOAD_DIR by random names (served only through views that check rights)."""

    __tablename__ = "event_photos"
    __table_args__ = (
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), index=True)
    #: Path of the image under UPLOAD_DIR, e.g. "events/3f/3f9c….jpg"; the thumbnail's.
    path: Mapped[str] = mapped_column(sa.String(120), unique=True)
    thumb_path: Mapped[str] = mapped_column(sa.String(120), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))


class EventNumberDay(db.Model):
    """The last tracking number given on one day (moved by one upsert per event)."""

    __tablename__ = "event_number_days"

    #: The Asia/Shanghai day, yyyymmdd.
    day: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    last: Mapped[int]
