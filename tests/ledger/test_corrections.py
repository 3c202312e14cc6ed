from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_shift
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.ledger.corrections import decide_correction, request_correction
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust
from timebank.notifications.models import Notification

START = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
LATER = START + timedelta(days=1)


def _ask(member, shift, **kw):
    data = dict(
        shift_id=shift.id,
        claimed_in=START,
        claimed_out=START + timedelta(hours=4),
        reason="扫码失败，实际到岗",
        now=LATER,
    )
    data.update(kw)
    return request_correction(member, **data)


def test_member_asks_and_coordinator_approves_capped(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    correction = _ask(people.member, shift)
    assert correction.status == "open"
    with pytest.raises(Conflict):
        _ask(people.member, shift)
    with pytest.raises(ValidationFailed) as exc:
        decide_correction(people.coordinator, correction, approve=True, minutes=300, now=LATER)
    assert "minutes" in exc.value.fields  # more than the shift's 240 minutes
    decide_correction(people.coordinator, correction, approve=True, now=LATER)
    assert correction.status == "approved" and balance_minutes(people.member.id) == 240
    kinds = [n.kind for n in db.session.scalars(sa.select(Notification))]
    assert kinds == ["correction_approved"]


def test_cap_counts_what_is_already_held(people, tree):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    adjust(people.coordinator, people.member, minutes=200, reason="a", shift_id=shift.id, now=LATER)
    correction = _ask(people.member, shift)
    with pytest.raises(ValidationFailed):
        decide_correction(people.coordinator, correction, approve=True, minutes=41, now=LATER)
    decide_correction(people.coordinator, correction, approve=True, now=LATER)
    assert balance_minutes(people.member.id) == 240


def test_reject_needs_reason_and_member_is_told(people, tree, db):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    correction = _ask(people.member, shift)
    with pytest.raises(ValidationFailed):
        decide_correction(people.coordinator, correction, approve=False, now=LATER)
    with pytest.raises(NotAllowed):
        decide_correction(people.far_coordinator, correction, approve=False, reason="x")
    decide_correction(people.coordinator, correction, approve=False, reason="未见到本人", now=LATER)
    assert correction.status == "rejected" and balance_minutes(people.member.id) == 0
    body = db.session.scalars(sa.select(Notification.body)).one()
    assert "未见到本人" in body
    with pytest.raises(Conflict):
        decide_correction(people.coordinator, correction, approve=True, now=LATER)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"claimed_out": START - timedelta(hours=1)}, "claimed_out"),
        ({"claimed_in": datetime(2026, 3, 3, 8, 0)}, "claimed_in"),
        ({"reason": ""}, "reason"),
        ({"claimed_out": LATER + timedelta(hours=1)}, "claimed_out"),
    ],
)
def test_bad_requests(people, tree, overrides, field):
    shift = make_shift(tree.community, starts_at=START, hours=4)
    with pytest.raises(ValidationFailed) as exc:
        _ask(people.member, shift, **overrides)
    assert field in exc.value.fields


def test_future_shift_cannot_be_corrected(people, tree):
    shift = make_shift(tree.community, starts_at=LATER + timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        _ask(people.member, shift)
    assert "shift_id" in exc.value.fields
