from datetime import UTC, datetime, timedelta

import pytest

from timebank.core.errors import Conflict, NotAllowed, RuleViolation, ValidationFailed
from timebank.exchange import offers, queries, redemptions, transfers
from timebank.ledger import chain
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust
from timebank.rankings.models import RankingTotal

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def offer(people, tree):
    return offers.create_offer(
        people.coordinator,
        tree.community,
        title="爱心超市 大米一袋",
        price_minutes=60,
        stock=2,
        now=NOW,
    )


@pytest.fixture
def saved(people):
    adjust(people.coordinator, people.member, minutes=150, reason="存入", now=NOW)


def test_offer_fields_and_scope(people, tree):
    with pytest.raises(ValidationFailed) as exc:
        offers.create_offer(
            people.coordinator, tree.community, title="", price_minutes=-5, stock=-1
        )
    assert set(exc.value.fields) == {"title", "minutes", "stock"}
    with pytest.raises(ValidationFailed) as exc:
        offers.create_offer(
            people.coordinator,
            tree.community,
            title="x",
            price_minutes=10,
            stock=1,
            until_at=NOW - timedelta(days=1),
            now=NOW,
        )
    assert "until" in exc.value.fields
    with pytest.raises(NotAllowed):
        offers.create_offer(
            people.far_coordinator, tree.community, title="x", price_minutes=1, stock=1
        )
    with pytest.raises(NotAllowed):
        offers.create_offer(people.member, tree.community, title="x", price_minutes=1, stock=1)


def test_redeem_takes_minutes_and_stock(people, offer, saved, db):
    r = redemptions.redeem(people.member, offer, now=NOW)
    assert (r.status, r.minutes, r.entry.kind, r.entry.minutes) == (
        "redeemed",
        60,
        "redemption",
        -60,
    )
    assert offer.stock == 1 and balance_minutes(people.member.id) == 90
    redemptions.redeem(people.member, offer, now=NOW)
    adjust(people.coordinator, people.member, minutes=100, reason="存入", now=NOW)
    with pytest.raises(Conflict) as exc:
        redemptions.redeem(people.member, offer, now=NOW)
    assert exc.value.code == "out_of_stock"
    assert balance_minutes(people.member.id) == 130
    assert chain.verify().ok


def test_too_little_balance_changes_nothing(people, offer, db):
    adjust(people.coordinator, people.member, minutes=59, reason="存入", now=NOW)
    with pytest.raises(RuleViolation) as exc:
        redemptions.redeem(people.member, offer, now=NOW)
    assert exc.value.code == "insufficient_balance"
    db.session.expire_all()
    assert offer.stock == 2 and balance_minutes(people.member.id) == 59


def test_other_communities_and_ended_offers(people, offer, saved, tree):
    adjust(people.far_coordinator, people.far_member, minutes=100, reason="存入", now=NOW)
    with pytest.raises(NotAllowed):
        redemptions.redeem(people.far_member, offer, now=NOW)
    offer.until_at = NOW + timedelta(hours=1)
    with pytest.raises(Conflict) as exc:
        redemptions.redeem(people.member, offer, now=NOW + timedelta(hours=2))
    assert exc.value.code == "offer_ended"


def test_hand_over_and_reverse_gives_back(people, offer, saved, db):
    a = redemptions.redeem(people.member, offer, now=NOW)
    b = redemptions.redeem(people.member, offer, now=NOW)
    with pytest.raises(NotAllowed):
        redemptions.hand_over(people.far_coordinator, a)
    redemptions.hand_over(people.coordinator, a, now=NOW)
    assert a.status == "handed_over"
    with pytest.raises(Conflict):
        redemptions.reverse(people.coordinator, a, reason="x")
    with pytest.raises(ValidationFailed):
        redemptions.reverse(people.coordinator, b, reason=" ")
    redemptions.reverse(people.coordinator, b, reason="缺货退回", now=NOW)
    db.session.expire_all()
    assert b.status == "reversed" and offer.stock == 1
    assert balance_minutes(people.member.id) == 90
    assert chain.verify().ok


def test_transfer_pair_cap_and_refusals(app, people, saved):
    t = transfers.transfer(
        people.member, to_member_id=people.neighbour.id, minutes=50, reason="给母亲", now=NOW
    )
    assert balance_minutes(people.neighbour.id) == 50 and balance_minutes(people.member.id) == 100
    assert t.out_entry_id != t.in_entry_id
    cases = [
        ({"to_member_id": people.member.id}, "to_member_id"),
        ({"to_member_id": 10**6}, "to_member_id"),
        ({"to_member_id": people.pending.id}, "to_member_id"),
        ({"minutes": 0}, "minutes"),
        ({"reason": ""}, "reason"),
    ]
    for change, field in cases:
        kwargs = {"to_member_id": people.neighbour.id, "minutes": 10, "reason": "x", **change}
        with pytest.raises(ValidationFailed) as exc:
            transfers.transfer(people.member, now=NOW, **kwargs)
        assert field in exc.value.fields
    with pytest.raises(RuleViolation) as exc:
        transfers.transfer(
            people.member, to_member_id=people.neighbour.id, minutes=101, reason="x", now=NOW
        )
    assert exc.value.code == "insufficient_balance"
    app.config["TRANSFER_MAX_MIN_YEAR"] = 60
    try:
        with pytest.raises(RuleViolation) as exc:
            transfers.transfer(
                people.member, to_member_id=people.neighbour.id, minutes=11, reason="x", now=NOW
            )
        assert exc.value.code == "transfer_cap"
        next_year = NOW.replace(year=2027)
        transfers.transfer(
            people.member, to_member_id=people.neighbour.id, minutes=60, reason="x", now=next_year
        )
    finally:
        app.config["TRANSFER_MAX_MIN_YEAR"] = 1200


def test_breakdown_and_rankings_count_service_only(people, offer, saved, db):
    redemptions.redeem(people.member, offer, now=NOW)
    transfers.transfer(
        people.member, to_member_id=people.neighbour.id, minutes=40, reason="给父亲", now=NOW
    )
    b = queries.breakdown(people.member.id)
    assert (b.earned, b.used, b.given, b.received, b.balance) == (150, 60, 40, 0, 50)
    assert queries.breakdown(people.neighbour.id).received == 40
    total = (
        db.session.query(RankingTotal)
        .filter_by(subject="member", subject_id=people.member.id, period="all")
        .one()
    )
    assert total.minutes == 150
    neighbour = (
        db.session.query(RankingTotal)
        .filter_by(subject="member", subject_id=people.neighbour.id, period="all")
        .one_or_none()
    )
    assert neighbour is None or neighbour.minutes == 0
