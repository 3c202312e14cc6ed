"""Certificates of service and the yearly counter their serials come from."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class SerialCounter(db.Model):
    """The last serial number given out in a year; only ever moves up, so a serial is
    never given twice, not even after the certificate was revoked."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    """A certificate of a member's service in a date range, as issued (a snapshot)."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint("to_on >= from_on", name="period_order"),
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.Index("ix_certificates_member_issued", "member_id", "issued_at"),
        sa.Index("ix_certificates_issuer_issued", "issuer_unit_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NSTB-YYYY-NNNNNN, from SerialCounter.
    serial: Mapped[str] = mapped_column(sa.String(20), unique=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    #: The member's name as printed (the member may change it later).
    member_name: Mapped[str] = mapped_column(sa.String(100))
    phone_masked: Mapped[str] = mapped_column(sa.String(20))
    from_on: Mapped[date]
    to_on: Mapped[date]
    minutes: Mapped[int]
    entry_count: Mapped[int]
    #: The entries as issued: [{"id", "date", "title", "unit", "minutes"}, …].
    entries: Mapped[list] = mapped_column(sa.JSON)
    #: The community that recorded most of the minutes (谁记录谁证明).
    issuer_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    issuer_name: Mapped[str] = mapped_column(sa.String(200))
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Ed25519 over signed_message(), base64url without padding.
    signature: Mapped[str] = mapped_column(sa.String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(255))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    issuer_unit: Mapped[Unit] = relationship(foreign_keys=[issuer_unit_id])
    issued_by: Mapped[Member] = relationship(foreign_keys=[issued_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
