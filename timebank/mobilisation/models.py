"""Call-outs and the invitations they send."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..shifts.models import Checkpoint, Shift
from ..units.models import Unit


class CalloutKind(StrEnum):
    VANGUARD = "vanguard"
    SHARP_KNIFE = "sharp_knife"
    COMBAT = "combat"
    SERVICE = "service"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    CalloutKind.VANGUARD: _l("Vanguard team"),
    CalloutKind.SHARP_KNIFE: _l("Sharp-knife squad"),
    CalloutKind.COMBAT: _l("Combat team"),
    CalloutKind.SERVICE: _l("Volunteer service team"),
}


class CalloutStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    SHORT = "short"
    CLOSED = "closed"


class Callout(TimestampMixin, db.Model):
    __tablename__ = "callouts"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('vanguard', 'sharp_knife', 'combat', 'service')", name="kind_known"
        ),
        sa.CheckConstraint("status IN ('open', 'filled', 'short', 'closed')", name="status_known"),
        sa.CheckConstraint("needed >= 1", name="needed_positive"),
        sa.CheckConstraint("team_size >= 1 AND team_size <= needed", name="team_size_range"),
        sa.CheckConstraint("accepted >= 0 AND accepted <= needed", name="accepted_within_needed"),
        sa.CheckConstraint("radius_km > 0 AND radius_km <= 200", name="radius_range"),
        sa.Index("ix_callouts_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Whose members are called: this unit and everything below it.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)
    lat: Mapped[float]
    lon: Mapped[float]
    radius_km: Mapped[float]
    needed: Mapped[int]
    team_size: Mapped[int]
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    party_only: Mapped[bool] = mapped_column(default=False)
    respond_within_s: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(10), default=CalloutStatus.OPEN)
    #: Accepted head-count, claimed with a conditional UPDATE so it never passes `needed`.
    accepted: Mapped[int] = mapped_column(default=0)
    waves: Mapped[int] = mapped_column(default=0)
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shifts.id"))
    #: The place when it was picked as a checkpoint (its name is shown to members).
    checkpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkpoints.id"))
    #: The place when it was picked as a community (its centre): its name is shown.
    place_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    filled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the organiser stood it down (SPEC §4: required when closing by hand).
    close_reason: Mapped[str | None] = mapped_column(sa.String(255))
    #: When the candidates ran out (status short).
    short_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    place_unit: Mapped[Unit | None] = relationship(foreign_keys=[place_unit_id])
    checkpoint: Mapped[Checkpoint | None] = relationship()
    shift: Mapped[Shift | None] = relationship()
    raised_by: Mapped[Member | None] = relationship()

    @property
    def kind_enum(self) -> CalloutKind:
        return CalloutKind(self.kind)

    @property
    def is_active(self) -> bool:
        return self.status in (CalloutStatus.OPEN, CalloutStatus.SHORT)

    @property
    def ended_at(self) -> datetime | None:
        """When it stopped running (closed), so its clocks stop there."""
        return self.closed_at if self.status == CalloutStatus.CLOSED else None


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    NOT_NEEDED = "not_needed"


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        sa.UniqueConstraint("callout_id", "member_id"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'expired', 'not_needed')",
            name="status_known",
        ),
        sa.Index("ix_invitations_callout_status", "callout_id", "status"),
        sa.Index("ix_invitations_member_status", "member_id", "status"),
        sa.Index("ix_invitations_due", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    callout_id: Mapped[int] = mapped_column(sa.ForeignKey("callouts.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(sa.String(12), default=InvitationStatus.PENDING)
    wave: Mapped[int]
    #: Distance from the member's home to the call-out, metres.
    distance_m: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    team_number: Mapped[int | None]
    is_leader: Mapped[bool] = mapped_column(default=False)

    callout: Mapped[Callout] = relationship()
    member: Mapped[Member] = relationship()
