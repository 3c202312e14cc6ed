"""Texts received, the questions texts asked, signatures seen, and who stopped texts."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member


class Outcome(StrEnum):
    """What one inbound text did."""

    #: At least one answer was applied.
    APPLIED = "applied"
    #: Understood, but every answer was refused (filled, expired, answered already…).
    REFUSED = "refused"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    #: Fits nothing: a person should look at it (the coordinators' list).
    UNCLEAR = "unclear"
    #: The phone is no member's and was asked nothing.
    UNKNOWN_SENDER = "unknown_sender"


OUTCOMES = tuple(o.value for o in Outcome)
TEXT_MAX = 1000
REPLY_MAX = 500


class InboundSms(TimestampMixin, db.Model):
    """One text the gateway posted, kept with what it did and the reply sent back."""

    __tablename__ = "sms_inbound"
    __table_args__ = (
        sa.CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")", name="outcome_known"
        ),
        sa.Index("ix_sms_inbound_open", "outcome", "resolved_at"),
        sa.Index("ix_sms_inbound_phone", "phone", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The sender's number as the gateway gave it, normalised when it is a mainland mobile.
    phone: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.String(TEXT_MAX))
    #: When the gateway says the text arrived (its clock); `created_at` is ours.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16))
    #: What was applied: a list of {"code", "subject_type", "subject_id", "action"}.
    applied: Mapped[list | None] = mapped_column(sa.JSON)
    reply: Mapped[str] = mapped_column(sa.String(REPLY_MAX))
    #: An unclear text a coordinator has dealt with (by calling the sender, say).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    resolution_note: Mapped[str | None] = mapped_column(sa.String(255))

    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    resolved_by: Mapped[Member | None] = relationship(foreign_keys=[resolved_by_id])


class QuestionKind(StrEnum):
    #: A call-out invitation: 1 accepts, 2 declines.
    CALLOUT = "callout"
    #: A handled event's feedback: 1–5 rates it.
    EVENT = "event"


class SmsQuestion(db.Model):
    """A question an outgoing text asked one phone, under a letter ("A": "回复 A1 接受")."""

    __tablename__ = "sms_questions"
    __table_args__ = (
        sa.CheckConstraint("subject_type IN ('callout', 'event')", name="subject_type_known"),
        sa.CheckConstraint("letter >= 'A' AND letter <= 'Z'", name="letter_range"),
        sa.Index("ix_sms_questions_phone_open", "phone", "closed_at"),
        sa.Index("ix_sms_questions_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(32))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    letter: Mapped[str] = mapped_column(sa.String(1))
    subject_type: Mapped[str] = mapped_column(sa.String(10))
    subject_id: Mapped[int]
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: After this the letter is free again (the question can no longer be answered).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Answered by text (or its letter given to a newer question).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SeenSignature(db.Model):
    """A signature of an inbound post, kept to refuse a replay within the replay window."""

    __tablename__ = "sms_signatures"

    signature: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SmsOptOut(db.Model):
    """A phone that texted TD / 退订 / STOP: it gets urgent texts only, until 恢复 / START."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
