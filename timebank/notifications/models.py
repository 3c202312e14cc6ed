"""Inbox notifications and the outbox of messages to deliver through channels."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member


class Notification(TimestampMixin, db.Model):
    """One message in a member's inbox, already rendered in the member's language."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_member_unread", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    #: What it is about, e.g. "signup_promoted", "shift_cancelled", "reminder_24h".
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    #: A path inside the app to open, e.g. "/shifts/12".
    link: Mapped[str | None] = mapped_column(sa.String(255))
    #: Urgent notices (call-outs) are shown at the top of every page.
    is_urgent: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(TimestampMixin, db.Model):
    """A message to deliver through one channel, retried with backoff until sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        sa.CheckConstraint("channel IN ('email', 'sms')", name="channel_known"),
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(10))
    #: E-mail address or phone number.
    recipient: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification | None] = relationship()
