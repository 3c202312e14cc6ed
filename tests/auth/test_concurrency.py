"""Reset codes under many requests at once: never more than five guesses, on SQLite and
PostgreSQL."""

import threading

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_tree
from timebank.auth import reset
from timebank.auth.models import ResetCode
from timebank.core.clock import utcnow
from timebank.core.errors import DomainError
from timebank.extensions import db
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
                db.session.commit()  # a wrong try is kept, as the views do
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


def test_twenty_wrong_codes_at_once_spend_the_code_after_five(app, committed):
    member = make_member(make_tree().community)
    phone, member_id = member.phone, member.id
    code = reset.issue_reset_code(
        make_member(member.community, roles=[("coordinator", member.community)]),
        member,
        now=utcnow(),
    )
    db.session.commit()
    wrong = "00000000" if code != "00000000" else "11111111"

    def work(i):
        reset.reset_password(phone, wrong, "brandnew42", now=utcnow())

    outcomes, errors = _run_in_threads(app, 20, work)
    assert errors == []
    assert outcomes == ["invalid_code"] * 20
    db.session.expire_all()
    row = db.session.scalar(sa.select(ResetCode).where(ResetCode.member_id == member_id))
    assert row.tries == 5 and row.spent_at is not None
    with pytest.raises(reset.InvalidCode):
        reset.reset_password(phone, code, "brandnew42", now=utcnow())


def test_the_right_code_twice_at_once_sets_the_password_once(app, committed):
    member = make_member(make_tree().community)
    phone, member_id = member.phone, member.id
    code = reset.issue_reset_code(
        make_member(member.community, roles=[("coordinator", member.community)]),
        member,
        now=utcnow(),
    )
    db.session.commit()

    def work(i):
        reset.reset_password(phone, code, f"brandnew4{i}", now=utcnow())
        return "ok"

    outcomes, errors = _run_in_threads(app, 8, work)
    assert errors == []
    assert sorted(outcomes) == ["invalid_code"] * 7 + ["ok"]
    db.session.expire_all()
    assert db.session.get(Member, member_id).session_version == 2


def test_many_code_requests_at_once_leave_one_live_code(app, committed):
    member = make_member(make_tree().community)
    phone, member_id = member.phone, member.id
    db.session.commit()

    outcomes, errors = _run_in_threads(
        app, 10, lambda i: reset.request_reset_code(phone, now=utcnow())
    )
    assert errors == []
    live = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ResetCode)
        .where(ResetCode.member_id == member_id, ResetCode.spent_at.is_(None))
    )
    assert live == 1
