from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.factories import make_checkpoint, make_shift
from timebank.core.clock import LOCAL_TZ
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.shifts import edits, services
from timebank.shifts.models import Shift, ShiftStatus

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
START = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


def _create(people, tree, **overrides):
    data = dict(
        community_id=tree.community.id,
        title="金洲卡口值守",
        kind="checkpoint",
        starts_at=START,
        ends_at=START + timedelta(hours=4),
        capacity=3,
    )
    data.update(overrides)
    return services.create_shift(people.coordinator, **data, now=NOW)


def test_create_shift(people, tree):
    cp = make_checkpoint(tree.community)
    shift = _create(people, tree, checkpoint_id=cp.id, skills=["medical"], walk_ins=True)
    assert shift.status == ShiftStatus.PUBLISHED and shift.taken == 0
    assert shift.minutes == 240 and shift.counts_as_service
    assert shift.checkpoint_id == cp.id and shift.skills == ["medical"] and shift.walk_ins


def test_lectures_do_not_count_as_service_by_default(people, tree):
    assert _create(people, tree, kind="lecture").counts_as_service is False
    assert _create(people, tree, kind="lecture", counts_as_service=True).counts_as_service


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": START - timedelta(hours=1)}, "ends_at"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START + timedelta(hours=25)}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10_001}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"kind": "party"}, "kind"),
        ({"starts_at": NOW - timedelta(minutes=1)}, "starts_at"),
        ({"starts_at": datetime(2026, 3, 3, 8, 0)}, "starts_at"),  # naive
        ({"title": ""}, "title"),
        ({"skills": ["juggling"]}, "skills"),
        ({"community_id": 999999}, "community_id"),
    ],
)
def test_create_shift_refuses_bad_input_at_the_field(people, tree, db, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _create(people, tree, **overrides)
    assert field in exc.value.fields
    assert db.session.query(Shift).count() == 0


def test_checkpoint_must_belong_to_the_community(people, tree):
    other = make_checkpoint(tree.sibling)
    with pytest.raises(ValidationFailed) as exc:
        _create(people, tree, checkpoint_id=other.id)
    assert "checkpoint_id" in exc.value.fields


def test_create_shift_needs_coordinator_in_scope(people, tree):
    for who in ("staff", "member", "far_coordinator"):
        with pytest.raises(NotAllowed):
            services.create_shift(
                getattr(people, who),
                community_id=tree.community.id,
                title="x",
                kind="checkpoint",
                starts_at=START,
                ends_at=START + timedelta(hours=1),
                capacity=1,
                now=NOW,
            )
    assert services.create_shift(
        people.organiser,
        community_id=tree.community.id,
        title="x",
        kind="outreach",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        capacity=1,
        now=NOW,
    )


def _series(people, tree, **overrides):
    data = dict(
        community_id=tree.community.id,
        title="早班",
        kind="checkpoint",
        first_day=date(2026, 3, 3),
        start_time=time(8),
        end_time=time(12),
        days=14,
        capacity=4,
    )
    data.update(overrides)
    return services.create_series(people.coordinator, **data, now=NOW)


def test_series_every_day_for_fourteen_days(people, tree):
    shifts = _series(people, tree)
    assert len(shifts) == 14
    assert len({s.series_key for s in shifts}) == 1
    first = shifts[0]
    assert first.starts_at == datetime(2026, 3, 3, 8, tzinfo=LOCAL_TZ)
    assert first.ends_at.astimezone(LOCAL_TZ).hour == 12
    assert shifts[-1].starts_at.astimezone(LOCAL_TZ).date() == date(2026, 3, 16)


def test_series_on_chosen_weekdays(people, tree):
    shifts = _series(people, tree, weekdays=[5, 6])  # weekends of two weeks
    assert [s.starts_at.astimezone(LOCAL_TZ).weekday() for s in shifts] == [5, 6, 5, 6]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"days": 367}, "days"),
        ({"days": 0}, "days"),
        ({"end_time": time(8)}, "end_time"),  # the start: an empty shift
        ({"first_day": date(2026, 3, 1)}, "first_day"),
        ({"weekdays": [7]}, "weekdays"),
        ({"capacity": 0}, "capacity"),
    ],
)
def test_series_refuses_bad_input_and_creates_nothing(people, tree, db, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _series(people, tree, **overrides)
    assert field in exc.value.fields
    assert db.session.query(Shift).count() == 0


def test_cancel_needs_reason_and_cancels_signups(people, tree, db):
    from timebank.shifts.signups import sign_up

    shift = make_shift(tree.community, now=NOW, capacity=1)
    sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shift, now=NOW)  # waitlisted
    with pytest.raises(ValidationFailed):
        services.cancel_shift(people.coordinator, shift, reason="", now=NOW)
    services.cancel_shift(people.coordinator, shift, reason="台风", now=NOW)
    assert shift.status == "cancelled" and shift.cancel_reason == "台风" and shift.taken == 0
    statuses = {
        s.member_id: s.status
        for s in db.session.query(__import__("timebank.shifts.models", fromlist=["Signup"]).Signup)
    }
    assert statuses == {people.member.id: "cancelled", people.neighbour.id: "cancelled"}
    with pytest.raises(Conflict):
        services.cancel_shift(people.coordinator, shift, reason="again", now=NOW)
    with pytest.raises(NotAllowed):
        services.cancel_shift(
            people.far_coordinator, make_shift(tree.community, now=NOW), reason="x", now=NOW
        )


def test_update_capacity_cannot_drop_below_confirmed(people, tree):
    from timebank.shifts.signups import sign_up

    shift = make_shift(tree.community, now=NOW, capacity=2)
    sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shift, now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        edits.update_shift(
            people.coordinator,
            shift,
            title=shift.title,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            capacity=1,
            now=NOW,
        )
    assert "capacity" in exc.value.fields


def test_checkpoints(people, tree):
    cp = services.create_checkpoint(
        people.coordinator, community_id=tree.community.id, name="北门卡口", lat=22.835, lon=113.525
    )
    assert cp.radius_m == 200
    with pytest.raises(ValidationFailed) as exc:
        services.create_checkpoint(
            people.coordinator, community_id=tree.community.id, name="北门卡口", lat=22.8, lon=113.5
        )
    assert "name" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.create_checkpoint(
            people.coordinator,
            community_id=tree.community.id,
            name="南门",
            lat=None,
            lon=None,
            radius_m=5,
        )
    assert {"lat", "radius_m"} <= set(exc.value.fields)
    with pytest.raises(NotAllowed):
        services.create_checkpoint(
            people.far_coordinator, community_id=tree.community.id, name="东门", lat=22.8, lon=113.5
        )
    services.update_checkpoint(
        people.coordinator, cp, name="北门", lat=22.8, lon=113.5, radius_m=300
    )
    assert (cp.name, cp.radius_m) == ("北门", 300)


def test_import_checkpoints_all_or_nothing(people, tree, db):
    from timebank.shifts.models import Checkpoint

    rows = [
        (2, {"community_code": tree.community.code, "name": "甲", "lat": "22.8", "lon": "113.5"}),
        (3, {"community_code": "NOPE", "name": "乙", "lat": "22.8", "lon": "113.5"}),
        (4, {"community_code": tree.community.code, "name": "甲", "lat": "22.8", "lon": "113.5"}),
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.import_checkpoints(None, rows)
    assert [w for w, _ in exc.value.errors] == ["line 3", "line 4"]
    assert db.session.query(Checkpoint).count() == 0
    assert services.import_checkpoints(None, rows[:1]) == 1
