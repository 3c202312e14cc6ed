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
