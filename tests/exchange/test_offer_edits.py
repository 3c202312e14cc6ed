"""Editing an offer (only what is sent), withdrawing it, and the price a redemption pays."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from timebank.audit.models import AuditEntry
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.exchange import offers, queries, redemptions
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def offer(people, tree):
    return offers.create_offer(
        people.coordinator, tree.community, title="理发一次", price_minutes=30, stock=5, now=NOW
    )


@pytest.fixture
def saved(people):
    adjust(people.coordinator, people.member, minutes=150, reason="存入", now=NOW)


def test_update_changes_only_what_is_sent(people, offer, db):
    offers.update_offer(people.coordinator, offer, {"stock": 9}, now=NOW)
    assert (offer.title, offer.price_minutes, offer.stock) == ("理发一次", 30, 9)
    later = NOW + timedelta(days=3)
    offers.update_offer(
        people.coordinator, offer, {"price_minutes": 45, "until_at": later}, now=NOW
    )
    assert (offer.price_minutes, offer.stock, offer.until_at) == (45, 9, later)
    offers.update_offer(people.coordinator, offer, {"until_at": None}, now=NOW)
    assert offer.until_at is None and offer.description == ""
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("offer.update") == 3


def test_update_fields_and_rights(people, offer, tree):
    with pytest.raises(ValidationFailed) as exc:
        offers.update_offer(
            people.coordinator,
            offer,
            {"title": "", "price_minutes": 0, "stock": -1, "until_at": NOW - timedelta(1)},
            now=NOW,
        )
    assert set(exc.value.fields) == {"title", "minutes", "stock", "until"}
    assert (offer.title, offer.price_minutes, offer.stock) == ("理发一次", 30, 5)
    for who in (people.far_coordinator, people.member, people.staff):
        with pytest.raises(NotAllowed):
            offers.update_offer(who, offer, {"stock": 1}, now=NOW)
        with pytest.raises(NotAllowed):
            offers.withdraw_offer(who, offer, now=NOW)


def test_withdrawn_offer_is_gone_and_refuses_edits_and_redemptions(people, offer, saved, tree, db):
    offers.withdraw_offer(people.coordinator, offer, now=NOW)
    assert offer.is_withdrawn and offer.withdrawn_by_id == people.coordinator.id
    assert queries.community_offers(tree.community.id, now=NOW) == []
    for attempt in (
        lambda: offers.withdraw_offer(people.coordinator, offer, now=NOW),
        lambda: offers.update_offer(people.coordinator, offer, {"stock": 3}, now=NOW),
        lambda: offers.update_offer(people.coordinator, offer, {}, now=NOW),
        lambda: redemptions.redeem(people.member, offer, now=NOW),
    ):
        with pytest.raises(Conflict) as exc:
            attempt()
        assert exc.value.code == "offer_withdrawn"
    assert balance_minutes(people.member.id) == 150 and offer.stock == 5


def test_waiting_redemption_stays_after_withdrawal(people, offer, saved, db):
    redemption = redemptions.redeem(people.member, offer, now=NOW)
    offers.withdraw_offer(people.coordinator, offer, now=NOW)
    redemptions.reverse(people.coordinator, redemption, reason="撤下", now=NOW)
    assert balance_minutes(people.member.id) == 150 and offer.stock == 5


def test_redemption_charges_the_current_price(people, offer, saved, db):
    first = redemptions.redeem(people.member, offer, now=NOW)
    assert offer.price_minutes == 30  # loaded
    # Another request changes the price after this one loaded the offer (the loaded
    # object still says 30).
    db.session.execute(
        sa.update(type(offer)).where(type(offer).id == offer.id).values(price_minutes=70),
        execution_options={"synchronize_session": False},
    )
    assert offer.price_minutes == 30
    second = redemptions.redeem(people.member, offer, now=NOW)
    assert (first.minutes, second.minutes, second.entry.minutes) == (30, 70, -70)
    assert balance_minutes(people.member.id) == 150 - 30 - 70
    assert offer.price_minutes == 70


def test_price_raised_above_the_balance_is_refused(people, offer, saved, db):
    offers.update_offer(people.coordinator, offer, {"price_minutes": 151}, now=NOW)
    with pytest.raises(Exception) as exc:
        redemptions.redeem(people.member, offer, now=NOW)
    assert exc.value.code == "insufficient_balance"
    assert offer.stock == 5 and balance_minutes(people.member.id) == 150
