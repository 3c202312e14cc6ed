"""Offers of a community's exchange, their redemptions, and transfers between members."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class Offer(TimestampMixin, db.Model):
    """A service or a good of the community's 爱心超市, priced in minutes, with a stock."""

    __tablename__ = "offers"
    __table_args__ = (
        sa.CheckConstraint("price_minutes > 0", name="price_positive"),
        #: The conditional UPDATE that takes one from stock relies on this too.
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.Index("ix_offers_community_until", "community_id", "until_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    price_minutes: Mapped[int]
    stock: Mapped[int]
    #: Redeemable until then (None: until the stock runs out).
    until_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    #: Withdrawn by a coordinator: no longer listed or redeemable, not editable (409
    #: `offer_withdrawn`); its redemptions stay as they are.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    community: Mapped[Unit] = relationship()

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class RedemptionStatus(StrEnum):
    REDEEMED = "redeemed"
    HANDED_OVER = "handed_over"
    REVERSED = "reversed"

    @property
    def label(self):
        return REDEMPTION_LABELS[self]


REDEMPTION_LABELS = {
    RedemptionStatus.REDEEMED: _l("Waiting to be handed over"),
    RedemptionStatus.HANDED_OVER: _l("Handed over"),
    RedemptionStatus.REVERSED: _l("Reversed"),
}


class Redemption(db.Model):
    """A member's redemption of an offer: its `redemption` ledger entry and what became
    of it (handed over, or reversed with a reason and the stock given back)."""

    __tablename__ = "redemptions"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('redeemed', 'handed_over', 'reversed')", name="status_known"
        ),
        sa.Index("ix_redemptions_member_created", "member_id", "created_at"),
        sa.Index("ix_redemptions_offer_status", "offer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    minutes: Mapped[int]
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=RedemptionStatus.REDEEMED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reverse_reason: Mapped[str | None] = mapped_column(sa.String(255))
    reversal_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))

    offer: Mapped[Offer] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    entry = relationship("LedgerEntry", foreign_keys=[entry_id])

    @property
    def status_enum(self) -> RedemptionStatus:
        return RedemptionStatus(self.status)


class MinuteTransfer(db.Model):
    """Minutes given to a family member: a `transfer` pair of ledger entries."""

    __tablename__ = "minute_transfers"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.CheckConstraint("from_member_id <> to_member_id", name="not_to_self"),
        sa.Index("ix_minute_transfers_from_created", "from_member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    to_member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(255))
    out_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    in_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    from_member: Mapped[Member] = relationship(foreign_keys=[from_member_id])
    to_member: Mapped[Member] = relationship(foreign_keys=[to_member_id])
