"""The monthly learning coverage (SPEC 7, rule 5): lecture points without a lecture in the
month, the month's lectures with their attendance, party members with no study in the
quarter; who sees it; the month given as YYYY-MM; a query and a count per list."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_member, make_shift
from timebank.checkin.models import Attendance
from timebank.core.errors import NotFound, ValidationFailed
from timebank.extensions import db
from timebank.party import coverage
from timebank.party.models import LecturePoint

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)


def _local(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=coverage.LOCAL).astimezone(UTC)


def _point(community, name, org=None):
    cp = make_checkpoint(community)
    point = LecturePoint(
        name=name,
        checkpoint_id=cp.id,
        community_id=None if org else community.id,
        party_org_id=org.id if org else None,
        created_at=NOW,
    )
    db.session.add(point)
    db.session.flush()
    return cp, point


def _lecture(community, cp, at, title="专题讲学", status="published"):
    shift = make_shift(
        community, starts_at=at, hours=2, kind="lecture", checkpoint=cp, title=title, now=at
    )
    shift.status = status
    db.session.flush()
    return shift


def _attend(member, shift, *, closed=True):
    db.session.add(
        Attendance(
            member_id=member.id,
            shift_id=shift.id,
            checked_in_at=shift.starts_at,
            checked_out_at=shift.ends_at if closed else None,
            check_in_method="scan",
            check_out_method="scan" if closed else None,
            credited_minutes=0,
        )
    )
    db.session.flush()


def _month(value):
    return coverage.parse_month(value, now=NOW)


# --- the month ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["2026-13", "2026-00", "2026-3", "26-03", "1999-12", "2101-01", "x", "2026-03\x00", "\ud800"],
)
def test_a_bad_month_is_refused_with_a_message(bad):
    with pytest.raises(ValidationFailed) as refused:
        _month(bad)
    assert refused.value.errors[0][0] == "month"


def test_the_month_defaults_to_this_month_in_beijing():
    assert _month(None).key == "2026-03"
    assert coverage.parse_month("", now=datetime(2026, 3, 31, 16, 30, tzinfo=UTC)).key == "2026-04"


def test_calendar_edges_of_months_and_quarters():
    dec = _month("2026-12")
    starts, ends = dec.bounds
    assert (starts, ends) == (_local(2026, 12, 1, 0), _local(2027, 1, 1, 0))
    assert dec.quarter_bounds == (_local(2026, 10, 1, 0), _local(2027, 1, 1, 0))
    feb = _month("2028-02")  # a leap year
    assert feb.bounds[1] == _local(2028, 3, 1, 0)
    assert feb.quarter_bounds == (_local(2028, 1, 1, 0), _local(2028, 4, 1, 0))


def test_pages_are_clamped():
    assert [coverage.page_number(v) for v in (None, "x", "0", "-3", "2", "9" * 30)] == [
        1,
        1,
        1,
        1,
        2,
        coverage.MAX_PAGE,
    ]


# --- the lists ------------------------------------------------------------------------


def test_points_without_a_lecture_this_month(party, people, tree):
    cp_a, a = _point(tree.community, "甲讲学所")
    cp_b, b = _point(tree.community, "乙讲学所")
    cp_c, c = _point(tree.community, "丙讲学所")
    _lecture(tree.community, cp_a, _local(2026, 3, 1, 0))  # first hour of March in Beijing
    _lecture(tree.community, cp_b, _local(2026, 2, 28, 23))  # February
    _lecture(tree.community, cp_c, _local(2026, 3, 5), status="cancelled")  # not held
    scope = coverage.scope_of(people.organiser)
    page = coverage.silent_points(scope, _month("2026-03"))
    assert page.total == 2 and {r[0] for r in page.rows} == {b.id, c.id}
    assert coverage.silent_points(scope, _month("2026-02")).total == 2  # a and c


def test_attendance_per_lecture(party, people, tree):
    cp, _ = _point(tree.community, "甲讲学所")
    one = _lecture(tree.community, cp, _local(2026, 3, 3), title="第一讲")
    two = _lecture(tree.community, cp, _local(2026, 3, 10), title="第二讲")
    _attend(people.member, one)
    _attend(people.neighbour, one)
    _attend(people.member, two)
    page = coverage.lectures(coverage.scope_of(people.organiser), _month("2026-03"))
    assert [(r[1], r[5]) for r in page.rows] == [("第一讲", 2), ("第二讲", 1)]
    assert page.total == 2


def test_members_without_study_this_quarter(party, people, tree):
    cp, _ = _point(tree.community, "甲讲学所")
    january = _lecture(tree.community, cp, _local(2026, 1, 15))
    december = _lecture(tree.community, cp, _local(2025, 12, 31, 23))  # the last quarter
    open_only = _lecture(tree.community, cp, _local(2026, 2, 15))
    _attend(people.member, january)
    _attend(people.neighbour, december)
    _attend(party.secretary, open_only, closed=False)  # checked in, never out: no study
    people.staff.is_party_member = False
    db.session.flush()
    page = coverage.members_without_study(coverage.scope_of(party.secretary), _month("2026-03"))
    names = {r[1] for r in page.rows}
    assert people.member.name not in names
    assert people.neighbour.name in names
    # the secretary's scope is the branch's confirmed members
    assert names == {people.neighbour.name}
    wide = coverage.members_without_study(coverage.scope_of(people.organiser), _month("2026-03"))
    wide_names = {r[1] for r in wide.rows}
    assert party.secretary.name in wide_names and people.staff.name not in wide_names
    assert people.member.name not in wide_names


def test_the_members_list_is_paginated_with_a_count(party, people, tree):
    for n in range(coverage.PER_PAGE + 5):
        make_member(tree.community, name=f"党员{n:03d}")
    scope = coverage.scope_of(people.organiser)
    first = coverage.members_without_study(scope, _month("2026-03"), 1)
    second = coverage.members_without_study(scope, _month("2026-03"), 2)
    assert len(first.rows) == coverage.PER_PAGE and first.total == second.total
    assert len(first.rows) + len(second.rows) == first.total
    assert not {r[0] for r in first.rows} & {r[0] for r in second.rows}


# --- who sees what ----------------------------------------------------------------------


def test_a_secretary_sees_the_points_of_their_subtree_only(party, people, tree):
    _cp, mine = _point(tree.community, "支部讲学所", org=party.branch)
    _cp, theirs = _point(tree.community, "国企讲学所", org=party.other_branch)
    party.branch.unit_id = tree.sibling.id
    _cp, unit_point = _point(tree.sibling, "黄阁社区讲学所")
    _cp, far = _point(tree.far, "大岗讲学所")
    month = _month("2026-03")
    seen = {r[0] for r in coverage.silent_points(coverage.scope_of(party.secretary), month).rows}
    assert seen == {mine.id, unit_point.id}
    top = {
        r[0]
        for r in coverage.silent_points(coverage.scope_of(party.committee_secretary), month).rows
    }
    assert top == {mine.id, theirs.id, unit_point.id}
    town = {r[0] for r in coverage.silent_points(coverage.scope_of(people.organiser), month).rows}
    assert far.id not in town and unit_point.id in town
    admin = {r[0] for r in coverage.silent_points(coverage.scope_of(people.admin), month).rows}
    assert far.id in admin


def test_nobody_else_sees_coverage(party, people):
    for outsider in (people.coordinator, people.staff, people.member, people.far_coordinator):
        with pytest.raises(NotFound):
            coverage.scope_of(outsider)


def test_the_page_for_each_role(party, people, tree, login):
    cp, point = _point(tree.community, "金洲讲学所")
    shift = _lecture(tree.community, cp, _local(2026, 3, 3), title="学习二十大精神")
    _attend(people.member, shift)
    page = login(people.organiser).get("/party/coverage?month=2026-03").get_data(as_text=True)
    assert "学习二十大精神" in page and f'data-test="attended-{shift.id}"' in page
    assert f'data-test="point-{point.id}"' not in page
    april = login(people.organiser).get("/party/coverage?month=2026-04").get_data(as_text=True)
    assert f'data-test="point-{point.id}"' in april
    assert login(party.secretary).get("/party/coverage").status_code == 200
    for outsider in (people.coordinator, people.staff, people.member):
        assert login(outsider).get("/party/coverage").status_code == 404, outsider.name


@pytest.mark.parametrize("bad", ["2026-13", "abc", "2026-02-30", "9" * 40, "%00", "%ED%A0%80"])
def test_a_bad_month_on_the_page_is_a_400_with_a_message(party, people, login, bad):
    r = login(people.organiser).get(f"/party/coverage?month={bad}")
    assert r.status_code == 400
    assert 'data-test="month-error"' in r.get_data(as_text=True)


def test_a_huge_page_number_is_no_error(party, people, login):
    r = login(people.organiser).get("/party/coverage?members_page=99999999999999999999999")
    assert r.status_code == 200


def test_each_list_is_one_query_and_one_count(party, people, tree):
    for n in range(6):
        cp, _ = _point(tree.community, f"讲学所{n}")
        shift = _lecture(tree.community, cp, _local(2026, 3, 2 + n))
        _attend(people.member, shift)
        make_member(tree.community, name=f"党员{n}")
    scope = coverage.scope_of(people.organiser)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for fn in (coverage.silent_points, coverage.lectures, coverage.members_without_study):
            statements.clear()
            fn(scope, _month("2026-03"))
            assert len(statements) == 2, fn.__name__
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
