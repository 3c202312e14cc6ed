"""A series changed or cancelled as a whole, or from one date (SPEC §2), members told once."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_tree
from timebank.audit.models import AuditEntry
from timebank.core.clock import LOCAL_TZ, utcnow
from timebank.core.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from timebank.extensions import db
from timebank.members.models import Member
from timebank.notifications.models import Notification
from timebank.shifts import series, services
from timebank.shifts.models import Shift, Signup
from timebank.shifts.signups import sign_up

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai


def _series(coordinator, community, *, days=5, first_day=date(2026, 3, 3), now=NOW):
    return services.create_series(
        coordinator,
        community_id=community.id,
        title="早班",
        kind="checkpoint",
        first_day=first_day,
        start_time=time(8),
        end_time=time(12),
        days=days,
        capacity=2,
        now=now,
    )


def _notices(member, kind):
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.member_id == member.id, Notification.kind == kind
        )
    ).all()


@pytest.fixture
def week(people, tree):
    """Five daily shifts; the member is on the first three, the neighbour on the last."""
    shifts = _series(people.coordinator, tree.community)
    for shift in shifts[:3]:
        sign_up(people.member, shift, now=NOW)
    sign_up(people.neighbour, shifts[4], now=NOW)
    return shifts


def test_new_times_for_the_whole_series_tell_each_member_once(people, week):
    result = series.update_series(
        people.coordinator, week[0].series_key, start_time=time(9), end_time=time(13), now=NOW
    )
    assert len(result.shifts) == 5 and result.told == 2
    for shift in week:
        assert shift.starts_at.astimezone(LOCAL_TZ).time() == time(9)
        assert shift.ends_at.astimezone(LOCAL_TZ).time() == time(13)
    assert len(_notices(people.member, "series_changed")) == 1
    assert len(_notices(people.neighbour, "series_changed")) == 1
    assert _notices(people.member, "shift_changed") == []  # not once per shift


def test_rest_of_the_series_from_a_date_changes_only_those(people, week):
    result = series.update_series(
        people.coordinator, week[0].series_key, from_day=date(2026, 3, 6), title="晚班", now=NOW
    )
    assert [s.id for s in result.shifts] == [week[3].id, week[4].id]
    assert [s.title for s in week] == ["早班", "早班", "早班", "晚班", "晚班"]
    assert result.told == 0  # no time changed: nobody needs telling
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "shift.update_series")
    ).one()
    assert audit.details["from"] == "2026-03-06" and audit.details["count"] == 2


def test_a_series_edit_refused_on_one_shift_changes_none(people, week):
    sign_up(people.neighbour, week[0], now=NOW)  # two confirmed on the first shift
    with pytest.raises(ValidationFailed) as refused:
        series.update_series(people.coordinator, week[0].series_key, capacity=1, now=NOW)
    assert "capacity" in dict(refused.value.errors)


def test_shifts_that_started_keep_what_they_were(people, week):
    later = week[1].starts_at + timedelta(minutes=5)
    result = series.update_series(people.coordinator, week[0].series_key, title="新", now=later)
    assert [s.id for s in result.shifts] == [s.id for s in week[2:]]
    assert week[0].title == week[1].title == "早班"


def test_cancel_the_series_tells_each_member_once_and_frees_places(people, week):
    result = series.cancel_series(people.coordinator, week[0].series_key, reason="台风", now=NOW)
    assert len(result.shifts) == 5 and result.told == 2
    assert all(s.is_cancelled and s.taken == 0 for s in week)
    [notice] = _notices(people.member, "series_cancelled")
    assert "台风" in notice.body and "5" in notice.body
    assert _notices(people.member, "shift_cancelled") == []
    assert not db.session.scalars(sa.select(Signup).where(Signup.status == "confirmed")).all()


def test_cancel_the_rest_from_a_date(people, week):
    result = series.cancel_series(
        people.coordinator,
        week[0].series_key,
        reason="人手够了",
        from_day=date(2026, 3, 5),
        now=NOW,
    )
    assert [s.is_cancelled for s in week] == [False, False, True, True, True]
    assert result.told == 2  # the member (3rd shift) and the neighbour (5th)


def test_cancel_refusals(people, tree, week):
    key = week[0].series_key
    with pytest.raises(NotFound):
        series.cancel_series(people.coordinator, "nope", reason="x", now=NOW)
    with pytest.raises(NotAllowed):
        series.cancel_series(people.far_coordinator, key, reason="x", now=NOW)
    with pytest.raises(ValidationFailed):
        series.cancel_series(people.coordinator, key, reason="  ", now=NOW)
    series.cancel_series(people.coordinator, key, reason="台风", now=NOW)
    with pytest.raises(Conflict) as again:
        series.cancel_series(people.coordinator, key, reason="台风", now=NOW)
    assert again.value.code == "series_over"


# --- API -----------------------------------------------------------------------------------


def test_api_series_get_patch_cancel(people, api, tree):
    now = utcnow()
    first_day = (now.astimezone(LOCAL_TZ) + timedelta(days=2)).date()
    shifts = _series(people.coordinator, tree.community, days=4, first_day=first_day, now=now)
    sign_up(people.member, shifts[0], now=now)
    key = shifts[0].series_key
    coordinator = api(people.coordinator)
    got = coordinator.get(f"/shifts/series/{key}")
    assert got.status_code == 200 and len(got.json["items"]) == 4
    patched = coordinator.patch(
        f"/shifts/series/{key}", json={"start_time": "07:00:00", "capacity": 3}
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["told"] == 1
    assert {i["capacity"] for i in patched.json["items"]} == {3}
    assert api(people.member).patch(f"/shifts/series/{key}", json={}).status_code == 403
    bad = coordinator.patch(f"/shifts/series/{key}", json={"capacity": 0})
    assert bad.status_code == 422 and "capacity" in bad.json["error"]["fields"]
    no_reason = coordinator.post(f"/shifts/series/{key}/cancel", json={"reason": ""})
    assert no_reason.status_code == 422
    day = (first_day + timedelta(days=2)).isoformat()
    cancelled = coordinator.post(
        f"/shifts/series/{key}/cancel", json={"reason": "台风", "from": day}
    )
    assert cancelled.status_code == 200 and len(cancelled.json["items"]) == 2
    assert cancelled.json["told"] == 0
    assert coordinator.get("/shifts/series/unknown").status_code == 404


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.concurrency
def test_two_cancellations_of_one_series_at_once_one_wins(app, committed):
    tree = make_tree()
    coordinator = make_member(tree.community, roles=[("coordinator", tree.community)])
    now = utcnow()
    first_day = (now.astimezone(LOCAL_TZ) + timedelta(days=2)).date()
    shifts = _series(coordinator, tree.community, days=3, first_day=first_day, now=now)
    member = make_member(tree.community)
    sign_up(member, shifts[0], now=now)
    key, coordinator_id, member_id = shifts[0].series_key, coordinator.id, member.id
    db.session.commit()
    barrier, outcomes = threading.Barrier(4), []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                actor = db.session.get(Member, coordinator_id)
                outcomes.append(series.cancel_series(actor, key, reason="台风").told)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes, key=str) == [1, "series_over", "series_over", "series_over"]
    notices = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.member_id == member_id, Notification.kind == "series_cancelled")
    )
    assert notices == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shift)) == 3


# --- pages ---------------------------------------------------------------------------------


def _coming_week(people, tree, days=4):
    now = utcnow()
    first_day = (now.astimezone(LOCAL_TZ) + timedelta(days=2)).date()
    shifts = _series(people.coordinator, tree.community, days=days, first_day=first_day, now=now)
    sign_up(people.member, shifts[-1], now=now)
    return shifts, first_day


def test_series_pages_are_for_coordinators_in_scope(people, tree, login):
    shifts, _day = _coming_week(people, tree)
    key = shifts[0].series_key
    for who in (people.member, people.far_coordinator):
        client = login(who)
        assert client.get(f"/shifts/series/{key}/edit").status_code == 403
        assert client.get(f"/shifts/series/{key}/cancel").status_code == 403
    detail = login(people.coordinator).get(f"/shifts/{shifts[0].id}").get_data(as_text=True)
    assert 'data-test="series-edit-link"' in detail and 'data-test="series-cancel-link"' in detail


def test_series_edit_page_changes_the_rest_and_says_who_was_told(people, tree, login):
    shifts, first_day = _coming_week(people, tree)
    client = login(people.coordinator)
    key, day = shifts[0].series_key, first_day + timedelta(days=1)
    page = client.get(f"/shifts/series/{key}/edit?from={day.isoformat()}")
    assert page.status_code == 200 and 'value="08:00"' in page.get_data(as_text=True)
    form = dict(
        from_day=day.isoformat(), title="早班", start_time="09:00", end_time="12:00", capacity="2"
    )
    response = client.post(f"/shifts/series/{key}/edit", data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "3 个班次已修改" in html and "已通知 1 名成员" in html
    assert [s.starts_at.astimezone(LOCAL_TZ).hour for s in shifts] == [8, 9, 9, 9]


def test_series_cancel_page_confirms_then_cancels(people, tree, login):
    shifts, first_day = _coming_week(people, tree)
    client = login(people.coordinator)
    key = shifts[0].series_key
    page = client.get(f"/shifts/series/{key}/cancel").get_data(as_text=True)
    assert "将取消 4 个班次" in page and "1 名已报名的成员" in page
    assert all(not s.is_cancelled for s in shifts)  # the page alone cancels nothing
    response = client.post(
        f"/shifts/series/{key}/cancel",
        data={"from_day": first_day.isoformat(), "reason": "台风"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "4 个班次已取消" in html and "已通知 1 名成员" in html
    assert all(s.is_cancelled for s in shifts)


@pytest.mark.parametrize("signed_up", [0, 1])
def test_cancelling_one_shift_confirms_and_says_how_many_were_told(people, tree, login, signed_up):
    shifts, _day = _coming_week(people, tree, days=2)  # the member is on the last one
    shift = shifts[-1] if signed_up else shifts[0]
    client = login(people.coordinator)
    page = client.get(f"/shifts/{shift.id}/edit").get_data(as_text=True)
    assert 'data-confirm="确定取消这个班次吗' in page
    response = client.post(
        f"/shifts/{shift.id}/cancel", data={"reason": "台风"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    told = "已通知 1 名成员" if signed_up else "没有人报名，因此无需通知任何人"
    assert "班次已取消。" in html and told in html


def test_cancelling_a_signup_asks_first(people, tree, login):
    shifts, _day = _coming_week(people, tree, days=1)
    html = login(people.member).get(f"/shifts/{shifts[0].id}").get_data(as_text=True)
    button = html.split('data-test="cancel-signup"')[1].split(">")[0]
    assert 'data-confirm="确定取消报名这个班次吗？"' in button
