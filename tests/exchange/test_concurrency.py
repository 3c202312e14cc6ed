"""50 members redeem one offer of stock 10 at once; one member spends twice at once."""

import threading

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_tree
from timebank.auth.models import Role
from timebank.core.clock import utcnow
from timebank.core.errors import DomainError
from timebank.exchange import offers, redemptions, transfers
from timebank.exchange.models import Offer, Redemption
from timebank.extensions import db
from timebank.ledger import chain
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust
from timebank.members.models import Member

pytestmark = pytest.mark.concurrency


def _run_in_threads(app, n, work):
    barrier = threading.Barrier(n)
    outcomes, errors = [], []

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(work(i))
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes, errors


def test_fifty_members_stock_ten_exactly_ten(app, committed):
    tree = make_tree()
    coordinator = make_member(tree.community, roles=[(Role.COORDINATOR, tree.community)])
    members = [make_member(tree.community) for _ in range(50)]
    now = utcnow()
    for m in members:
        adjust(coordinator, m, minutes=100, reason="存入", now=now)
    offer = offers.create_offer(
        coordinator, tree.community, title="大米", price_minutes=60, stock=10
    )
    ids, offer_id = [m.id for m in members], offer.id
    db.session.commit()

    def work(i):
        member = db.session.get(Member, ids[i])
        return redemptions.redeem(member, db.session.get(Offer, offer_id)).status

    outcomes, errors = _run_in_threads(app, 50, work)
    assert errors == []
    assert outcomes.count("redeemed") == 10
    assert outcomes.count("out_of_stock") == 40
    db.session.expire_all()
    assert db.session.get(Offer, offer_id).stock == 0
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Redemption))
    assert count == 10
    balances = sorted(balance_minutes(i) for i in ids)
    assert balances == [40] * 10 + [100] * 40
    assert chain.verify().ok


def test_one_member_spending_at_once_never_goes_below_zero(app, committed):
    tree = make_tree()
    coordinator = make_member(tree.community, roles=[(Role.COORDINATOR, tree.community)])
    member = make_member(tree.community)
    family = make_member(tree.community)
    adjust(coordinator, member, minutes=100, reason="存入", now=utcnow())
    offer = offers.create_offer(
        coordinator, tree.community, title="理发", price_minutes=30, stock=50
    )
    ids = (member.id, family.id, offer.id)
    db.session.commit()

    def work(i):
        actor = db.session.get(Member, ids[0])
        if i % 2:
            return redemptions.redeem(actor, db.session.get(Offer, ids[2])).status
        return transfers.transfer(actor, to_member_id=ids[1], minutes=30, reason="给母亲").minutes

    outcomes, errors = _run_in_threads(app, 10, work)
    assert errors == []
    assert len([o for o in outcomes if o != "insufficient_balance"]) == 3  # 3 × 30 ≤ 100
    assert balance_minutes(member.id) == 10
    assert chain.verify().ok


def test_redemptions_racing_a_price_change_and_a_withdrawal(app, committed):
    """18 members redeem while a coordinator raises the price and another withdraws the
    offer: each redemption pays a price the offer had (30 or 50), exactly what its entry
    took; after the withdrawal none gets through; balances add up; the chain verifies."""
    tree = make_tree()
    coordinator = make_member(tree.community, roles=[(Role.COORDINATOR, tree.community)])
    members = [make_member(tree.community) for _ in range(18)]
    now = utcnow()
    for m in members:
        adjust(coordinator, m, minutes=100, reason="存入", now=now)
    offer = offers.create_offer(
        coordinator, tree.community, title="理发", price_minutes=30, stock=100
    )
    ids, offer_id, coordinator_id = [m.id for m in members], offer.id, coordinator.id
    db.session.commit()

    def work(i):
        target = db.session.get(Offer, offer_id)
        actor = db.session.get(Member, coordinator_id)
        if i == 18:
            return offers.update_offer(actor, target, {"price_minutes": 50}).price_minutes
        if i == 19:
            return offers.withdraw_offer(actor, target).is_withdrawn
        return redemptions.redeem(db.session.get(Member, ids[i]), target).minutes

    outcomes, errors = _run_in_threads(app, 20, work)
    assert errors == []
    assert set(outcomes) <= {30, 50, True, "offer_withdrawn"}
    assert True in outcomes and (50 in outcomes or "offer_withdrawn" in outcomes)
    db.session.expire_all()
    paid = dict(db.session.execute(sa.select(Redemption.member_id, Redemption.minutes)).all())
    for member_id in ids:
        assert balance_minutes(member_id) == 100 - paid.get(member_id, 0)
    assert db.session.get(Offer, offer_id).stock == 100 - len(paid)
    assert chain.verify().ok
