"""Editing shifts: only what is given changes, the kind can be corrected, night shifts."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.factories import make_checkpoint, make_shift
from timebank.checkin.models import Attendance
from timebank.core.clock import LOCAL_TZ
from timebank.core.errors import RuleViolation, ValidationFailed
from timebank.extensions import db
from timebank.ledger.services import credit_service
from timebank.notifications import rendering
from timebank.notifications.rendering import span_ref
from timebank.shifts import edits, services
from timebank.shifts.signups import sign_up

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
NIGHT = datetime(2026, 3, 3, 22, 0, tzinfo=LOCAL_TZ)  # Tuesday 22:00 in Shanghai


def _credit(shift, member):
    attendance = Attendance(
        member_id=member.id,
        shift_id=shift.id,
        check_in_method="scan",
        checked_in_at=shift.starts_at,
        checked_out_at=shift.ends_at,
        check_out_method="scan",
        credited_minutes=shift.minutes,
    )
    db.session.add(attendance)
    db.session.flush()
    return credit_service(attendance, now=shift.ends_at)


def test_only_the_fields_given_change(tree, people):
    cp = make_checkpoint(tree.community)
    shift = make_shift(
        tree.community, now=NOW, checkpoint=cp, skills=["medical"], walk_ins=True, capacity=3
    )
    shift.description = "带好口罩"
    before = {
        f: getattr(shift, f) for f in ("starts_at", "ends_at", "skills", "checkpoint_id", "kind")
    }
    edits.update_shift(people.coordinator, shift, title="北门夜班", now=NOW)
    assert shift.title == "北门夜班"
    assert {f: getattr(shift, f) for f in before} == before
    assert (shift.capacity, shift.walk_ins, shift.description) == (3, True, "带好口罩")
    edits.update_shift(people.coordinator, shift, checkpoint_id=None, now=NOW)
    assert shift.checkpoint_id is None and shift.skills == ["medical"]


def test_every_error_of_an_edit_at_once(tree, people):
    shift = make_shift(tree.community, now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        edits.update_shift(people.coordinator, shift, title="", kind="party", capacity=0, now=NOW)
    assert {"title", "kind", "capacity"} <= set(exc.value.fields)


@pytest.mark.parametrize(
    ("kind", "counts", "new_kind", "expected"),
    [
        ("other", True, "lecture", False),  # the default follows the corrected kind
        ("lecture", False, "outreach", True),
        ("lecture", True, "outreach", True),  # set against the default: stays
        ("outreach", False, "checkpoint", False),
        ("outreach", False, "lecture", False),
    ],
)
def test_a_corrected_kind_brings_its_default_unless_set_otherwise(
    tree, people, kind, counts, new_kind, expected
):
    shift = make_shift(tree.community, now=NOW, kind=kind)
    shift.counts_as_service = counts
    edits.update_shift(people.coordinator, shift, kind=new_kind, now=NOW)
    assert (shift.kind, shift.counts_as_service) == (new_kind, expected)


def test_kind_and_counting_sent_together(tree, people):
    shift = make_shift(tree.community, now=NOW, kind="other")
    edits.update_shift(people.coordinator, shift, kind="lecture", counts_as_service=True, now=NOW)
    assert (shift.kind, shift.counts_as_service) == ("lecture", True)


def test_counting_cannot_change_once_hours_were_credited(tree, people):
    shift = make_shift(tree.community, starts_at=NOW - timedelta(days=1), kind="other")
    _credit(shift, people.member)
    with pytest.raises(ValidationFailed) as exc:
        edits.update_shift(people.coordinator, shift, counts_as_service=False, now=NOW)
    assert list(exc.value.fields) == ["counts_as_service"]
    edits.update_shift(people.coordinator, shift, kind="lecture", now=NOW)
    assert (shift.kind, shift.counts_as_service) == ("lecture", True)  # the kind only


def test_series_of_night_watches_ends_next_day(people, tree):
    shifts = services.create_series(
        people.coordinator,
        community_id=tree.community.id,
        title="夜间卡口值守",
        kind="checkpoint",
        first_day=date(2026, 3, 3),
        start_time=time(22),
        end_time=time(2),
        days=3,
        capacity=2,
        now=NOW,
    )
    assert [(s.starts_at, s.ends_at) for s in shifts][0] == (NIGHT, NIGHT + timedelta(hours=4))
    assert [s.minutes for s in shifts] == [240] * 3
    assert all(s.ends_next_day for s in shifts)


def test_a_night_shift_counts_on_the_day_it_starts(tree, people):
    """22:00–06:00 (8 h) on Tuesday: 5 h on Wednesday morning is fine, 5 h on Tuesday
    afternoon would make 13 h of shifts starting on Tuesday."""
    night = make_shift(tree.community, starts_at=NIGHT, hours=8)
    wednesday = make_shift(tree.community, starts_at=NIGHT + timedelta(hours=10), hours=5)
    tuesday = make_shift(tree.community, starts_at=NIGHT - timedelta(hours=8), hours=5)
    assert sign_up(people.member, night, now=NOW).status == "confirmed"
    assert sign_up(people.member, wednesday, now=NOW).status == "confirmed"
    with pytest.raises(RuleViolation) as exc:
        sign_up(people.member, tuesday, now=NOW)
    assert exc.value.code == "daily_limit"


def test_an_edit_can_make_a_night_shift_but_not_longer_than_a_day(tree, people):
    shift = make_shift(tree.community, starts_at=NIGHT, hours=2)
    edits.update_shift(people.coordinator, shift, ends_at=NIGHT + timedelta(hours=4), now=NOW)
    assert shift.ends_next_day and shift.minutes == 240
    with pytest.raises(ValidationFailed) as exc:
        edits.update_shift(
            people.coordinator, shift, ends_at=NIGHT + timedelta(hours=24, minutes=1), now=NOW
        )
    assert list(exc.value.fields) == ["ends_at"]


def test_messages_give_a_night_shift_its_end_date(tree):
    night = make_shift(tree.community, starts_at=NIGHT, hours=4)
    day = make_shift(tree.community, starts_at=NIGHT - timedelta(hours=12), hours=4)
    assert (
        rendering._span(span_ref(night.starts_at, night.ends_at)["span"], "zh_CN")
        == "2026-03-03 22:00–03-04 02:00"
    )
    assert rendering._span(span_ref(day.starts_at, day.ends_at)["span"], "zh_CN") == (
        "2026-03-03 10:00–14:00"
    )
