from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_member, make_shift
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.ledger.services import adjust, reverse
from timebank.rankings.queries import ranking
from timebank.rankings.totals import differences, period_keys

NOW = datetime(2026, 3, 18, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Shanghai


def _give(coordinator, member, minutes, at=NOW, shift=None):
    return adjust(
        coordinator,
        member,
        minutes=minutes,
        reason="test",
        now=at,
        shift_id=shift.id if shift else None,
    )


def test_period_keys_use_shanghai_midnight():
    before = datetime(2026, 3, 31, 15, 59, tzinfo=UTC)  # 23:59 on 31 March in Shanghai
    after = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 April in Shanghai
    assert period_keys(before)["month"] == "2026-03" and period_keys(after)["month"] == "2026-04"
    assert (
        period_keys(before)["quarter"] == "2026-Q1" and period_keys(after)["quarter"] == "2026-Q2"
    )
    sunday_night = datetime(2026, 3, 22, 15, 59, tzinfo=UTC)  # Sun 23:59 Shanghai
    monday = datetime(2026, 3, 22, 16, 0, tzinfo=UTC)
    assert period_keys(sunday_night)["week"] == "2026-W12"
    assert period_keys(monday)["week"] == "2026-W13"
    new_year = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert period_keys(new_year)["year"] == "2026"


def test_ties_share_a_rank(tree, people):
    a, b, c, d = (make_member(tree.community, name=n) for n in "甲乙丙丁")
    for member, minutes in ((a, 300), (b, 200), (c, 200), (d, 100)):
        _give(people.coordinator, member, minutes)
    result = ranking(people.coordinator, by="member", period="month", unit=tree.community, now=NOW)
    assert [(r.rank, r.name, r.minutes) for r in result.rows] == [
        (1, "甲", 300),
        (2, "乙", 200),
        (2, "丙", 200),
        (4, "丁", 100),
    ]


def test_reversed_entries_do_not_count_in_their_own_period(tree, people):
    march = _give(people.coordinator, people.member, 240)
    _give(people.coordinator, people.neighbour, 60)
    april = NOW + timedelta(days=20)
    reverse(people.coordinator, march, reason="错录", now=april)
    result = ranking(people.coordinator, by="member", period="month", unit=tree.community, now=NOW)
    assert [r.id for r in result.rows] == [people.neighbour.id]
    april_rows = ranking(
        people.coordinator, by="member", period="month", unit=tree.community, now=april
    ).rows
    assert april_rows == []  # the reversal lands in March, not as a negative April


def test_service_counts_in_the_period_of_the_shift(tree, people):
    shift = make_shift(tree.community, starts_at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC))
    _give(people.coordinator, people.member, 120, at=NOW, shift=shift)  # entered in March
    march = ranking(
        people.coordinator,
        period="month",
        unit=tree.community,
        now=datetime(2026, 3, 1, 1, 0, tzinfo=UTC),
    )  # 1 March 09:00 Shanghai
    assert [r.minutes for r in march.rows] == [120]  # the shift began 1 March 07:00 Shanghai


def test_coordinator_never_sees_another_communitys_members(tree, people):
    _give(people.coordinator, people.member, 100)
    _give(people.far_coordinator, people.far_member, 500)
    own = ranking(people.coordinator, unit=tree.community, now=NOW)
    assert [r.id for r in own.rows] == [people.member.id]
    with pytest.raises(NotAllowed):
        ranking(people.coordinator, unit=tree.far, now=NOW)
    with pytest.raises(NotAllowed):
        ranking(people.coordinator, unit=tree.town, now=NOW)  # members of the whole town
    towns = ranking(people.coordinator, by="town", unit=tree.district, now=NOW)
    assert [(r.name, r.minutes) for r in towns.rows] == [("大岗镇", 500), ("黄阁镇", 100)]
    district = ranking(people.admin, unit=tree.district, now=NOW)
    assert [r.id for r in district.rows] == [people.far_member.id, people.member.id]


def test_community_ranking_in_a_town(tree, people):
    from tests.factories import make_member as mm

    sibling_member = mm(tree.sibling)
    _give(people.organiser, people.member, 100)
    _give(people.organiser, sibling_member, 50)
    result = ranking(people.organiser, by="community", unit=tree.town, now=NOW)
    assert [(r.rank, r.id, r.minutes) for r in result.rows] == [
        (1, tree.community.id, 100),
        (2, tree.sibling.id, 50),
    ]


def test_viewer_sees_own_place_outside_the_top(tree, people):
    for i in range(5):
        _give(people.coordinator, make_member(tree.community), 100 + i)
    _give(people.coordinator, people.member, 50)
    result = ranking(people.member, unit=tree.community, limit=3, now=NOW)
    assert len(result.rows) == 3 and result.me.rank == 6 and result.me.minutes == 50


def test_shifts_served_and_validation(tree, people):
    with pytest.raises(ValidationFailed):
        ranking(people.admin, by="planet", now=NOW)
    with pytest.raises(ValidationFailed):
        ranking(people.admin, limit=501, now=NOW)


def test_totals_agree_with_the_ledger(tree, people):
    entry = _give(people.coordinator, people.member, 100)
    _give(people.coordinator, people.neighbour, 30)
    reverse(people.coordinator, entry, reason="x", now=NOW)
    assert differences() == []


def test_rankings_commands(people, runner, db):
    import sqlalchemy as sa

    _give(people.coordinator, people.member, 100)
    assert runner.invoke(args=["rankings-check"]).exit_code == 0
    db.session.execute(sa.text("UPDATE ranking_totals SET minutes = minutes + 1"))
    broken = runner.invoke(args=["rankings-check"])
    assert broken.exit_code == 1 and "differ" in broken.output
    fixed = runner.invoke(args=["rankings-rebuild"])
    assert fixed.exit_code == 0 and "0 differences" in fixed.output
    assert runner.invoke(args=["rankings-check"]).exit_code == 0


def test_rankings_api(tree, people, api):
    from timebank.core.clock import utcnow

    adjust(people.coordinator, people.member, minutes=90, reason="x", now=utcnow())
    body = (
        api(people.coordinator)
        .get(f"/rankings?by=member&period=month&unit_id={tree.community.id}")
        .json
    )
    assert body["items"] == [
        {
            "rank": 1,
            "id": people.member.id,
            "name": people.member.name,
            "minutes": 90,
            "shifts": 0,
            "response_rate": None,  # never asked: no rate (as on the page and in exports)
        }
    ]
    assert api(people.coordinator).get(f"/rankings?unit_id={tree.far.id}").status_code == 403
    assert api(people.coordinator).get("/rankings?period=decade").status_code == 422
    assert api(people.coordinator).get("/rankings?limit=501").status_code == 422
    me = api(people.member).get("/rankings").json
    assert me["me"]["rank"] == 1 and me["unit_id"] == tree.community.id
