"""Inbox notifications and the outbox of messages to deliver through channels."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member


class Notification(TimestampMixin, db.Model):
    """One message in a member's inbox: what happened (kind, subject, params), rendered in
    the reader's language when it is read.

    `title` and `body` are also stored, rendered once in the member's language when the
    notice was made: they are what rows made before kinds were rendered show (those have
    no `params`), and what is shown if a kind is ever retired.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_member_unread", "member_id", "read_at"),
        sa.Index("ix_notifications_member_subject", "member_id", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    #: Which notice it is (a `core.notices.Notice` kind), e.g. "signup_promoted".
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: What it is about, e.g. ("shift", 12): the link is built from it.
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None] = mapped_column()
    #: The values of the notice's placeholders; a {"unit": id} value is a unit's name, shown
    #: in the reader's language (see notifications.rendering). Null on rows made before.
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    #: A path inside the app, on rows made before links were built from the subject.
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
        sa.CheckConstraint(
            "delivery_status IS NULL OR delivery_status IN ('delivered', 'failed')",
            name="delivery_status_known",
        ),
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
    #: What the SMS gateway reported after sending: "delivered" or "failed" (null: no
    #: report yet, or e-mail), when, and the gateway's reason for a failure.
    delivery_status: Mapped[str | None] = mapped_column(sa.String(10))
    delivery_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_error: Mapped[str | None] = mapped_column(sa.String(255))

    notification: Mapped[Notification | None] = relationship()
