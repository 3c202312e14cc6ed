"""Attendance of a member at a shift, and the record of every scan (for idempotency)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..shifts.models import Shift


class Method(StrEnum):
    SCAN = "scan"
    OFFLINE_SCAN = "offline_scan"
    AUTO_CLOSE = "auto_close"
    COORDINATOR = "coordinator"

    @property
    def label(self):
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.SCAN: _l("scan"),
    Method.OFFLINE_SCAN: _l("offline scan"),
    Method.AUTO_CLOSE: _l("closed automatically"),
    Method.COORDINATOR: _l("entered by a coordinator"),
}


class Review(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"


class Attendance(TimestampMixin, db.Model):
    __tablename__ = "attendances"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "shift_id"),
        sa.CheckConstraint(
            "checked_out_at IS NULL OR checked_out_at >= checked_in_at", name="out_after_in"
        ),
        sa.CheckConstraint(
            "credited_minutes IS NULL OR credited_minutes >= 0", name="credit_not_negative"
        ),
        sa.CheckConstraint(
            "review IS NULL OR review IN ('pending', 'confirmed', 'reversed')", name="review_known"
        ),
        sa.Index("ix_attendances_shift_open", "shift_id", "checked_out_at"),
        sa.Index("ix_attendances_review", "review"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_in_method: Mapped[str] = mapped_column(sa.String(16))
    check_out_method: Mapped[str | None] = mapped_column(sa.String(16))
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    checked_out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    #: Closed by the scheduler at the shift's end because nobody scanned the member out.
    auto_closed: Mapped[bool] = mapped_column(default=False)
    #: Scanned outside the checkpoint's geofence; staff gave `override_reason`.
    outside_geofence_override: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.String(255))
    #: Checked in or out by an offline scan (SPEC 3.11): the method columns say which, the
    #: *_by columns who scanned; listed for the coordinator's review once closed.
    offline: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Why a coordinator entered it by hand.
    manual_reason: Mapped[str | None] = mapped_column(sa.String(255))
    credited_minutes: Mapped[int | None]
    #: For auto-closed attendances: the coordinator's review.
    review: Mapped[str | None] = mapped_column(sa.String(10))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    shift: Mapped[Shift] = relationship()
    checked_in_by: Mapped[Member | None] = relationship(foreign_keys=[checked_in_by_id])
    checked_out_by: Mapped[Member | None] = relationship(foreign_keys=[checked_out_by_id])

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None


class Scan(db.Model):
    """Every scan a device sent, under its client-made UUID: the same scan_id is applied once
    and answered with the first answer."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    attendance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attendances.id"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    #: When the scanner said it lost the network (sent with `offline: true`), else None.
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: check_in, check_out, duplicate, or the refusal code.
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    #: The HTTP status and body first answered, replayed for a repeated scan_id.
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
