"""Reading the exchange: offers, redemptions, transfers, and the balance's breakdown."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from ..auth.models import Role
from ..auth.permissions import in_scope
from ..core.errors import NotFound
from ..extensions import db
from ..ledger.models import EntryKind, LedgerEntry
from ..units.models import Unit
from .models import MinuteTransfer, Offer, Redemption, RedemptionStatus


def get_offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound("offer_not_found")
    return offer


def get_redemption(redemption_id: int) -> Redemption:
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound("redemption_not_found")
    return redemption


def community_offers(community_id: int, *, now: datetime) -> list[Offer]:
    """The community's offers still open (not withdrawn, not past their end), newest first."""
    return list(
        db.session.scalars(
            sa.select(Offer)
            .where(
                Offer.community_id == community_id,
                Offer.withdrawn_at.is_(None),
                sa.or_(Offer.until_at.is_(None), Offer.until_at > now),
            )
            .order_by(Offer.created_at.desc(), Offer.id.desc())
        )
    )


def member_redemptions(member_id: int) -> list[Redemption]:
    return list(
        db.session.scalars(
            sa.select(Redemption)
            .where(Redemption.member_id == member_id)
            .options(joinedload(Redemption.offer))
            .order_by(Redemption.created_at.desc(), Redemption.id.desc())
        )
    )


def open_redemptions(actor) -> list[Redemption]:
    """Redemptions waiting to be handed over in the coordinator's scope, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Redemption)
            .join(Offer, Offer.id == Redemption.offer_id)
            .join(Unit, Unit.id == Offer.community_id)
            .where(
                Redemption.status == RedemptionStatus.REDEEMED,
                in_scope(Unit.path, actor, Role.COORDINATOR),
            )
            .options(joinedload(Redemption.offer), joinedload(Redemption.member))
            .order_by(Redemption.created_at)
        )
    )


def member_transfers(member_id: int) -> list[MinuteTransfer]:
    return list(
        db.session.scalars(
            sa.select(MinuteTransfer)
            .where(
                sa.or_(
                    MinuteTransfer.from_member_id == member_id,
                    MinuteTransfer.to_member_id == member_id,
                )
            )
            .order_by(MinuteTransfer.created_at.desc())
        )
    )


@dataclass
class Breakdown:
    """Where a balance came from: earned (service and adjustments), used (redemptions),
    given and received (transfers); reversals count with the entry they undo."""

    earned: int
    used: int
    given: int
    received: int

    @property
    def balance(self) -> int:
        return self.earned - self.used - self.given + self.received


def breakdown(member_id: int) -> Breakdown:
    original = aliased(LedgerEntry)
    kind = sa.func.coalesce(original.kind, LedgerEntry.kind)
    #: A transfer received, or the reversal of one (by the sign of the entry undone).
    incoming = sa.func.coalesce(original.minutes, LedgerEntry.minutes) > sa.literal_column("0")
    rows = db.session.execute(
        sa.select(kind, sa.func.sum(LedgerEntry.minutes), incoming)
        .outerjoin(original, original.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.member_id == member_id)
        .group_by(kind, incoming)
    )
    earned = used = given = received = 0
    for k, total, is_incoming in rows:
        total = int(total or 0)
        if k == EntryKind.REDEMPTION:
            used -= total
        elif k == EntryKind.TRANSFER and is_incoming:
            received += total
        elif k == EntryKind.TRANSFER:
            given -= total
        else:
            earned += total
    return Breakdown(earned, used, given, received)
