"""A member withdraws a pending correction; decided requests stay visible as a history."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_tree
from timebank.core.clock import utcnow
from timebank.core.errors import Conflict, DomainError, NotFound
from timebank.extensions import db
from timebank.ledger.corrections import decide_correction, request_correction, withdraw_correction
from timebank.ledger.models import Correction, LedgerEntry
from timebank.members.models import Member


def _ask(member, community):
    start = utcnow() - timedelta(days=1)
    shift = make_shift(community, starts_at=start, hours=4)
    return request_correction(
        member,
        shift_id=shift.id,
        claimed_in=start,
        claimed_out=start + timedelta(hours=4),
        reason="扫码失败",
    )


def test_member_withdraws_an_open_request_and_it_stays_listed(people, tree, login):
    correction = _ask(people.member, tree.community)
    client = login(people.member)
    response = client.post(
        f"/hours/corrections/{correction.id}/withdraw", data={}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert correction.status == "withdrawn"
    assert "您的申请已撤回" in html and f'data-test="correction-{correction.id}"' in html
    assert "已撤回" in html and f'data-test="withdraw-{correction.id}"' not in html
    with pytest.raises(Conflict):
        decide_correction(people.coordinator, correction, approve=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0


def test_only_ones_own_open_request_can_be_withdrawn(people, tree):
    correction = _ask(people.member, tree.community)
    with pytest.raises(NotFound):
        withdraw_correction(people.neighbour, correction)
    decide_correction(people.coordinator, correction, approve=False, reason="没有记录")
    with pytest.raises(Conflict) as refused:
        withdraw_correction(people.member, correction)
    assert refused.value.code == "correction_decided"


def test_open_requests_offer_a_confirmed_withdraw_button(people, tree, login):
    correction = _ask(people.member, tree.community)
    html = login(people.member).get("/hours").get_data(as_text=True)
    button = html.split(f'data-test="withdraw-{correction.id}"')[1].split(">")[0]
    assert "data-confirm=" in button


def test_coordinator_sees_decided_requests_as_a_history(people, tree, login):
    approved = _ask(people.member, tree.community)
    rejected = _ask(people.neighbour, tree.community)
    waiting = _ask(people.member, tree.sibling)
    decide_correction(people.coordinator, approved, approve=True, minutes=60)
    decide_correction(people.coordinator, rejected, approve=False, reason="当天未排班")
    html = login(people.coordinator).get("/corrections").get_data(as_text=True)
    history = html.split('data-test="decided-corrections"')[1]
    assert f'data-test="decided-{approved.id}"' in history
    assert f'data-test="decided-{rejected.id}"' in history and "当天未排班" in history
    assert f'data-test="decided-{waiting.id}"' not in history
    far = login(people.far_coordinator).get("/corrections").get_data(as_text=True)
    assert "decided-corrections" not in far  # another community's history is not shown


@pytest.mark.concurrency
@pytest.mark.parametrize("round_", range(3))
def test_withdraw_and_decide_at_once_exactly_one_wins(app, committed, round_):
    tree = make_tree()
    coordinator = make_member(tree.community, roles=[("coordinator", tree.community)])
    member = make_member(tree.community)
    correction_id, ids = _ask(member, tree.community).id, (coordinator.id, member.id)
    db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                actor = db.session.get(Member, ids[i])
                correction = db.session.get(Correction, correction_id)
                if i == 0:
                    decide_correction(actor, correction, approve=True, minutes=60)
                else:
                    withdraw_correction(actor, correction)
                db.session.commit()
                outcomes.append("won")
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["correction_decided", "won"]
    status = db.session.scalar(sa.select(Correction.status).where(Correction.id == correction_id))
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))
    assert (status, entries) in {("approved", 1), ("withdrawn", 0)}
