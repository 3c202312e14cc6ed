from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_member, make_shift
from timebank.core.errors import Conflict, NotAllowed, NotFound, RuleViolation
from timebank.shifts.models import Signup
from timebank.shifts.signups import cancel_signup, sign_up, waitlist_position

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
DAY = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


def test_confirmed_until_full_then_waitlisted_in_order(tree, people):
    shift = make_shift(tree.community, starts_at=DAY, capacity=1)
    first = sign_up(people.member, shift, now=NOW)
    assert (first.status, first.position) == ("confirmed", None)
    second = sign_up(people.neighbour, shift, now=NOW + timedelta(seconds=1))
    third = sign_up(people.staff, shift, now=NOW + timedelta(seconds=2))
    assert (second.status, second.position) == ("waitlisted", 1)
    assert (third.status, third.position) == ("waitlisted", 2)
    assert shift.taken == 1


def test_refusals(tree, people):
    shift = make_shift(tree.community, starts_at=DAY, skills=["medical"])
    with pytest.raises(RuleViolation) as exc:
        sign_up(people.member, shift, now=NOW)
    assert exc.value.code == "missing_skills"
    medic = make_member(tree.community, skills=["medical", "driving"])
    sign_up(medic, shift, now=NOW)
    with pytest.raises(Conflict) as exc:
        sign_up(medic, shift, now=NOW)
    assert exc.value.code == "already_signed_up"
    with pytest.raises(RuleViolation) as exc:
        sign_up(make_member(tree.community, skills=["medical"]), shift, now=DAY)
    assert exc.value.code == "shift_started"
    with pytest.raises(NotAllowed) as exc:
        sign_up(people.pending, make_shift(tree.community, starts_at=DAY), now=NOW)
    assert exc.value.code == "member_not_active"


def test_cancelled_shift_refuses_signups(tree, people):
    shift = make_shift(tree.community, starts_at=DAY, status="cancelled")
    with pytest.raises(RuleViolation) as exc:
        sign_up(people.member, shift, now=NOW)
    assert exc.value.code == "shift_cancelled"


def test_no_two_confirmed_overlapping_shifts(tree, people):
    sign_up(people.member, make_shift(tree.community, starts_at=DAY, hours=4), now=NOW)
    overlapping = make_shift(tree.sibling, starts_at=DAY + timedelta(hours=3), hours=2)
    with pytest.raises(Conflict) as exc:
        sign_up(people.member, overlapping, now=NOW)
    assert exc.value.code == "overlapping_shift"
    back_to_back = make_shift(tree.community, starts_at=DAY + timedelta(hours=4), hours=2)
    assert sign_up(people.member, back_to_back, now=NOW).status == "confirmed"


def test_daily_limit_of_twelve_hours_on_one_local_day(tree, people):
    # 08:00-14:00 and 14:00-20:00 Shanghai time: 12 hours, allowed.
    sign_up(people.member, make_shift(tree.community, starts_at=DAY, hours=6), now=NOW)
    sign_up(
        people.member,
        make_shift(tree.community, starts_at=DAY + timedelta(hours=6), hours=6),
        now=NOW,
    )
    extra = make_shift(tree.community, starts_at=DAY + timedelta(hours=12), hours=1)
    with pytest.raises(RuleViolation) as exc:
        sign_up(people.member, extra, now=NOW)
    assert exc.value.code == "daily_limit"
    # 23:00 local starts on the same day as the others ... but the next morning does not.
    next_day = make_shift(
        tree.community, starts_at=DAY + timedelta(hours=16, minutes=30), hours=2
    )  # 00:30 Shanghai, the next day
    assert sign_up(people.member, next_day, now=NOW).status == "confirmed"


def test_cancellation_frees_the_place_and_promotes_fifo(tree, people, db):
    shift = make_shift(tree.community, starts_at=DAY, capacity=1)
    sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shift, now=NOW + timedelta(seconds=1))
    sign_up(people.staff, shift, now=NOW + timedelta(seconds=2))
    result = cancel_signup(people.member, shift, now=NOW + timedelta(hours=1))
    assert result.late is False
    assert result.promoted.member_id == people.neighbour.id
    statuses = {s.member_id: s.status for s in db.session.query(Signup)}
    assert statuses == {
        people.member.id: "cancelled",
        people.neighbour.id: "confirmed",
        people.staff.id: "waitlisted",
    }
    db.session.refresh(shift)
    assert shift.taken == 1


def test_promotion_skips_a_member_who_is_busy_then(tree, people, db):
    shift = make_shift(tree.community, starts_at=DAY, capacity=1)
    sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shift, now=NOW + timedelta(seconds=1))  # waitlisted first
    sign_up(people.staff, shift, now=NOW + timedelta(seconds=2))
    # The first in line confirms another shift at the same time meanwhile.
    sign_up(people.neighbour, make_shift(tree.sibling, starts_at=DAY, hours=2), now=NOW)
    result = cancel_signup(people.member, shift, now=NOW)
    assert result.promoted.member_id == people.staff.id
    assert (
        db.session.query(Signup)
        .filter_by(member_id=people.neighbour.id, shift_id=shift.id)
        .one()
        .status
        == "waitlisted"
    )


def test_late_cancellation_is_kept_and_counts(tree, people):
    from timebank.shifts.queries import reliability

    shift = make_shift(tree.community, starts_at=DAY)
    sign_up(people.member, shift, now=NOW)
    result = cancel_signup(people.member, shift, now=DAY - timedelta(minutes=119))
    assert result.late and result.signup.is_late_cancel
    assert reliability(people.member).late_cancellations == 1
    other = make_shift(tree.community, starts_at=DAY + timedelta(days=1))
    sign_up(people.member, other, now=NOW)
    assert cancel_signup(people.member, other, now=DAY - timedelta(minutes=121)).late is False


def test_cancel_waitlisted_is_never_late_and_cancel_needs_signup(tree, people):
    shift = make_shift(tree.community, starts_at=DAY, capacity=1)
    sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shift, now=NOW)
    assert cancel_signup(people.neighbour, shift, now=DAY - timedelta(minutes=5)).late is False
    with pytest.raises(NotFound):
        cancel_signup(people.staff, shift, now=NOW)
    with pytest.raises(RuleViolation):
        cancel_signup(people.member, shift, now=DAY + timedelta(minutes=1))


def test_sign_up_again_after_cancelling_goes_to_the_back(tree, people):
    shift = make_shift(tree.community, starts_at=DAY, capacity=1)
    sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shift, now=NOW + timedelta(seconds=1))
    cancel_signup(people.neighbour, shift, now=NOW + timedelta(seconds=2))
    sign_up(people.staff, shift, now=NOW + timedelta(seconds=3))
    again = sign_up(people.neighbour, shift, now=NOW + timedelta(seconds=4))
    assert (again.status, again.position) == ("waitlisted", 2)


def test_waitlist_follows_the_order_of_arrival_not_the_clock(tree, people, db):
    """A request that read the clock earlier but went through later (it waited for the
    shift's lock) is behind: positions are never shared, and promotion serves arrival."""
    shift = make_shift(tree.community, starts_at=DAY, capacity=1)
    sign_up(people.member, shift, now=NOW)
    first = sign_up(people.neighbour, shift, now=NOW + timedelta(seconds=5))
    second = sign_up(people.staff, shift, now=NOW + timedelta(seconds=1))
    assert (first.position, second.position) == (1, 2)
    assert second.signup.queue_no > first.signup.queue_no
    result = cancel_signup(people.member, shift, now=NOW + timedelta(seconds=6))
    assert result.promoted.member_id == people.neighbour.id
    db.session.refresh(second.signup)
    assert waitlist_position(second.signup) == 1
