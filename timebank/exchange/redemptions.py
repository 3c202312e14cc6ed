"""Redeeming offers: stock never oversold, balances never below zero, reversals give back."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role
from ..core.clock import as_utc, utcnow
from ..core.errors import Conflict, NotAllowed, RuleViolation, check
from ..core.validation import required_text
from ..extensions import db
from ..ledger import services as ledger
from ..ledger.models import EntryKind
from ..members.models import MemberStatus
from .models import Offer, Redemption, RedemptionStatus


def _ensure_may_redeem(actor, offer: Offer) -> None:
    if actor.status != MemberStatus.ACTIVE:
        raise NotAllowed()
    if actor.community_id != offer.community_id:
        raise NotAllowed("not_your_community", _l("Offers are for the members of their community."))


def _current_terms(offer: Offer, now: datetime) -> tuple[int, str]:
    """The offer's price and title as they are now, its row locked (PostgreSQL) until the
    transaction ends: an edit or a withdrawal committed a moment ago counts, one coming
    waits."""
    price, title, until_at, withdrawn_at = db.session.execute(
        sa.select(Offer.price_minutes, Offer.title, Offer.until_at, Offer.withdrawn_at)
        .where(Offer.id == offer.id)
        .with_for_update()
    ).one()
    if withdrawn_at is not None:
        raise Conflict("offer_withdrawn", _l("This offer has been withdrawn."))
    if until_at is not None and as_utc(until_at) <= now:
        raise Conflict("offer_ended", _l("This offer has ended."))
    return price, title


def redeem(actor, offer: Offer, *, now: datetime | None = None) -> Redemption:
    """Redeem one of the offer for its current price: a `redemption` entry in the chain.

    The chain head is locked first (every ledger writer takes it), then the offer's row
    (409 `offer_withdrawn` / `offer_ended`; the price read there is the one charged),
    then the balance is checked (422 `insufficient_balance`), then one is taken from
    stock with a conditional UPDATE (409 `out_of_stock` when none is left). A refusal
    writes nothing."""
    now = now or utcnow()
    _ensure_may_redeem(actor, offer)
    ledger.lock_chain()
    price, title = _current_terms(offer, now)
    if ledger.balance_for_update(actor) < price:
        raise RuleViolation("insufficient_balance", ledger.INSUFFICIENT)
    taken = db.session.execute(
        sa.update(Offer)
        .where(Offer.id == offer.id, Offer.stock > 0)
        .values(stock=Offer.stock - 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Conflict("out_of_stock", _l("This offer is out of stock."))
    entry = ledger.debit(
        actor,
        kind=EntryKind.REDEMPTION,
        minutes=price,
        reason=title[:255],
        actor=actor,
        now=now,
    )
    redemption = Redemption(
        offer_id=offer.id,
        member_id=actor.id,
        minutes=price,
        entry_id=entry.id,
        status=RedemptionStatus.REDEEMED,
        created_at=now,
    )
    db.session.add(redemption)
    db.session.flush()
    db.session.expire(offer, ["stock", "price_minutes", "title"])
    return redemption


def _move(actor, redemption: Redemption, to: RedemptionStatus, now, **values) -> None:
    done = db.session.execute(
        sa.update(Redemption)
        .where(Redemption.id == redemption.id, Redemption.status == RedemptionStatus.REDEEMED)
        .values(status=str(to), decided_at=now, decided_by_id=actor.id, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict("not_open", _l("This redemption has been handed over or reversed."))
    db.session.refresh(redemption)


def hand_over(actor, redemption: Redemption, *, now: datetime | None = None) -> Redemption:
    """Mark a redemption handed over (coordinators of the offer's community)."""
    ensure_role(actor, Role.COORDINATOR, redemption.offer.community)
    _move(actor, redemption, RedemptionStatus.HANDED_OVER, now or utcnow())
    return redemption


def reverse(actor, redemption: Redemption, *, reason, now: datetime | None = None, refused=()):
    """Reverse a redemption not yet handed over, with a reason: the minutes come back
    (a `reversal` entry) and so does the stock. Audited (by the ledger)."""
    ensure_role(actor, Role.COORDINATOR, redemption.offer.community)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [], refused)
    now = now or utcnow()
    ledger.lock_chain()
    _move(actor, redemption, RedemptionStatus.REVERSED, now, reverse_reason=reason)
    entry = ledger.get_entry(redemption.entry_id)
    reversal = ledger.append_reversal(actor, entry, reason=reason, now=now)
    redemption.reversal_entry_id = reversal.id
    db.session.execute(
        sa.update(Offer)
        .where(Offer.id == redemption.offer_id)
        .values(stock=Offer.stock + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(redemption.offer, ["stock"])
    db.session.flush()
    record(actor, "redemption.reverse", redemption, now=now, details={"reason": reason})
    return redemption
