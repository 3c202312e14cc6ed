"""Checkpoints, shifts and sign-ups."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import local
from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class Checkpoint(TimestampMixin, db.Model):
    __tablename__ = "checkpoints"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "name"),
        sa.CheckConstraint("radius_m BETWEEN 10 AND 5000", name="radius_range"),
        sa.CheckConstraint(
            "lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="position_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    lat: Mapped[float]
    lon: Mapped[float]
    #: Geofence: scans further than this from the checkpoint are refused.
    radius_m: Mapped[int] = mapped_column(default=200)
    is_active: Mapped[bool] = mapped_column(default=True)

    community: Mapped[Unit] = relationship()


class ShiftKind(StrEnum):
    CHECKPOINT = "checkpoint"
    OUTREACH = "outreach"
    ERRAND = "errand"
    LECTURE = "lecture"
    EMERGENCY = "emergency"
    OTHER = "other"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    ShiftKind.CHECKPOINT: _l("Checkpoint duty"),
    ShiftKind.OUTREACH: _l("Outreach"),
    ShiftKind.ERRAND: _l("Errands"),
    ShiftKind.LECTURE: _l("Lecture"),
    ShiftKind.EMERGENCY: _l("Emergency"),
    ShiftKind.OTHER: _l("Other"),
}


class ShiftStatus(StrEnum):
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Shift(TimestampMixin, db.Model):
    __tablename__ = "shifts"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 10000", name="capacity_range"),
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        sa.CheckConstraint(
            "kind IN ('checkpoint', 'outreach', 'errand', 'lecture', 'emergency', 'other')",
            name="kind_known",
        ),
        sa.CheckConstraint("status IN ('published', 'cancelled')", name="status_known"),
        sa.Index("ix_shifts_community_starts", "community_id", "starts_at"),
        sa.Index("ix_shifts_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    checkpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkpoints.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    #: Confirmed places; claimed with a conditional UPDATE so it never exceeds capacity.
    taken: Mapped[int] = mapped_column(default=0)
    #: Queue numbers handed out: each sign-up takes the next with `queued = queued + 1`, so
    #: the order of arrival is strict and shared by no two, whatever the clocks say.
    queued: Mapped[int] = mapped_column(default=0, server_default="0")
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    walk_ins: Mapped[bool] = mapped_column(default=False)
    #: Whether attendance credits volunteer service hours (lectures default to no).
    counts_as_service: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=ShiftStatus.PUBLISHED)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(255))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Shifts published together as one series share this key.
    series_key: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    #: Set by the scheduler once open attendances were closed and no-shows marked.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    community: Mapped[Unit] = relationship()
    checkpoint: Mapped[Checkpoint | None] = relationship()

    @property
    def kind_enum(self) -> ShiftKind:
        return ShiftKind(self.kind)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def ends_next_day(self) -> bool:
        """Whether it ends on a later local day than it starts (a night watch)."""
        return local(self.ends_at).date() > local(self.starts_at).date()

    @property
    def free(self) -> int:
        return self.capacity - self.taken

    @property
    def is_full(self) -> bool:
        return self.taken >= self.capacity

    @property
    def is_cancelled(self) -> bool:
        return self.status == ShiftStatus.CANCELLED


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self):
        return SIGNUP_LABELS[self]


SIGNUP_LABELS = {
    SignupStatus.CONFIRMED: _l("Confirmed"),
    SignupStatus.WAITLISTED: _l("On the waitlist"),
    SignupStatus.CANCELLED: _l("Cancelled"),
    SignupStatus.NO_SHOW: _l("Did not come"),
}


class Signup(db.Model):
    __tablename__ = "signups"
    __table_args__ = (
        sa.UniqueConstraint("shift_id", "member_id"),
        sa.CheckConstraint(
            "status IN ('confirmed', 'waitlisted', 'cancelled', 'no_show')", name="status_known"
        ),
        sa.Index("ix_signups_member_status", "member_id", "status"),
        sa.UniqueConstraint("shift_id", "queue_no"),
        sa.CheckConstraint(
            "status <> 'waitlisted' OR queue_no IS NOT NULL", name="waitlisted_has_queue_no"
        ),
        sa.Index("ix_signups_shift_status_queue_no", "shift_id", "status", "queue_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(sa.String(16))
    #: When the member (last) signed up.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Its place in the shift's order of arrival (from `Shift.queued`): the waitlist is
    #: served, and positions are counted, in this order. None for walk-ins and call-outs.
    queue_no: Mapped[int | None]
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Cancelled within CANCEL_CUTOFF_MIN of the start: counts against reliability.
    is_late_cancel: Mapped[bool] = mapped_column(default=False)
    #: Walked in without signing up (recorded by the scanner).
    is_walk_in: Mapped[bool] = mapped_column(default=False)
    reminded_24h_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_1h_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shift: Mapped[Shift] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def status_enum(self) -> SignupStatus:
        return SignupStatus(self.status)
