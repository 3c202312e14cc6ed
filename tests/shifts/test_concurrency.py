"""Many phones at once: capacity is never exceeded and rules hold, on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_tree
from timebank.core.clock import utcnow
from timebank.core.errors import DomainError
from timebank.extensions import db
from timebank.members.models import Member
from timebank.shifts.models import Shift, Signup
from timebank.shifts.signups import cancel_signup, sign_up, waitlist_position

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
        t.join(60)
    return outcomes, errors


@pytest.mark.parametrize("round_", range(3))
def test_many_signups_for_the_last_places_never_overbook(app, committed, round_):
    tree = make_tree()
    shift = make_shift(tree.community, capacity=10)
    member_ids = [make_member(tree.community).id for _ in range(40)]
    shift_id = shift.id
    db.session.commit()

    def work(i):
        member = db.session.get(Member, member_ids[i])
        return sign_up(member, db.session.get(Shift, shift_id)).status

    outcomes, errors = _run_in_threads(app, 40, work)
    assert errors == []
    assert outcomes.count("confirmed") == 10
    assert outcomes.count("waitlisted") == 30
    db.session.expire_all()
    assert db.session.get(Shift, shift_id).taken == 10
    confirmed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .where(Signup.shift_id == shift_id, Signup.status == "confirmed")
    )
    assert confirmed == 10


def test_one_member_two_overlapping_shifts_at_once(app, committed):
    tree = make_tree()
    start = utcnow() + timedelta(days=2)
    shifts = [
        make_shift(tree.community, starts_at=start).id,
        make_shift(tree.sibling, starts_at=start + timedelta(hours=1)).id,
    ]
    member_id = make_member(tree.community).id
    db.session.commit()

    def work(i):
        return sign_up(db.session.get(Member, member_id), db.session.get(Shift, shifts[i])).status

    for _ in range(3):
        outcomes, errors = _run_in_threads(app, 2, work)
        assert errors == []
        assert sorted(outcomes) == ["confirmed", "overlapping_shift"]
        db.session.execute(sa.delete(Signup))
        db.session.execute(sa.update(Shift).values(taken=0))
        db.session.commit()


def test_same_member_twice_at_once_signs_up_once(app, committed):
    tree = make_tree()
    shift_id = make_shift(tree.community).id
    member_id = make_member(tree.community).id
    db.session.commit()

    def work(i):
        return sign_up(db.session.get(Member, member_id), db.session.get(Shift, shift_id)).status

    outcomes, errors = _run_in_threads(app, 8, work)
    assert errors == []
    assert sorted(outcomes) == ["already_signed_up"] * 7 + ["confirmed"]


def _waitlist_positions(shift_id) -> list[int]:
    """The position each waitlisted sign-up of the shift is shown, in queue order."""
    db.session.expire_all()
    waiting = db.session.scalars(
        sa.select(Signup)
        .where(Signup.shift_id == shift_id, Signup.status == "waitlisted")
        .order_by(Signup.queue_no)
    )
    return [waitlist_position(s) for s in waiting]


@pytest.mark.parametrize("round_", range(3))
def test_many_signups_for_few_places_get_distinct_waitlist_positions(app, committed, round_):
    """40 at once for 5 places: 5 confirmed, and the 35 waitlisted answers are 1 … 35, each
    once, in the order the sign-ups were queued (not the order their clocks were read)."""
    tree = make_tree()
    shift_id = make_shift(tree.community, capacity=5).id
    member_ids = [make_member(tree.community).id for _ in range(40)]
    db.session.commit()

    def work(i):
        result = sign_up(db.session.get(Member, member_ids[i]), db.session.get(Shift, shift_id))
        return result.status, result.position, result.signup.id

    outcomes, errors = _run_in_threads(app, 40, work)
    assert errors == []
    assert [s for s, _, _ in outcomes].count("confirmed") == 5
    answered = {signup_id: position for status, position, signup_id in outcomes if position}
    assert sorted(answered.values()) == list(range(1, 36))
    queue = db.session.scalars(
        sa.select(Signup.id)
        .where(Signup.shift_id == shift_id, Signup.status == "waitlisted")
        .order_by(Signup.queue_no)
    ).all()
    assert [answered[i] for i in queue] == list(range(1, 36))
    assert _waitlist_positions(shift_id) == list(range(1, 36))


def test_positions_stay_gap_free_after_cancellations_and_promotions(app, committed):
    """Confirmed and waitlisted members cancel at once (places freed, the first in line
    promoted): the ones still waiting are shown 1 … k, none shared, none skipped."""
    tree = make_tree()
    shift_id = make_shift(tree.community, capacity=5).id
    member_ids = [make_member(tree.community).id for _ in range(20)]
    db.session.commit()
    for member_id in member_ids:
        sign_up(db.session.get(Member, member_id), db.session.get(Shift, shift_id))
        db.session.commit()
    leaving = member_ids[0:3] + member_ids[6:12:2] + member_ids[19:]  # 3 confirmed, 4 waiting

    def work(i):
        member = db.session.get(Member, leaving[i])
        return cancel_signup(member, db.session.get(Shift, shift_id)).signup.status

    outcomes, errors = _run_in_threads(app, len(leaving), work)
    assert errors == []
    assert outcomes == ["cancelled"] * len(leaving)
    db.session.expire_all()
    assert db.session.get(Shift, shift_id).taken == 5
    assert _waitlist_positions(shift_id) == list(range(1, 9))
    late = make_member(tree.community).id
    db.session.commit()
    result = sign_up(db.session.get(Member, late), db.session.get(Shift, shift_id))
    db.session.commit()
    assert result.position == 9
