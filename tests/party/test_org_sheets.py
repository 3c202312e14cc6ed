"""The organisations' own sheets (target `organisation`, SPEC 7): written when a check
opens, indicators from the records, automatic flags at the threshold's edge, the same
state machine as members' sheets (self-assessment by the organisation's secretary, review
and finalising by the secretaries above), who sees them, the pages and the API."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_member, make_shift
from tests.party.records import MARCH, invited, item, served
from timebank.checkin.models import Attendance
from timebank.core.errors import Conflict, NotAllowed, NotFound
from timebank.dispatch.models import Event, EventCategory
from timebank.extensions import db
from timebank.notifications.models import Notification
from timebank.party import checks, indicators, sheets
from timebank.party.models import LecturePoint, Sheet

#: Opening the check of 2026H1 on 2026-06-15: January to May have gone by (5 months).
OPENED = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def _open(party, org=None, period="2026H1", actor=None, now=OPENED):
    found, _count = checks.open_check(
        actor or party.committee_secretary, org or party.committee, period, now=now
    )
    return found


def _org_sheet(found, org) -> Sheet:
    return sheets.find_org_sheet(found.id, org.id)


def _point(community, org=None, name="三新讲学所"):
    cp = make_checkpoint(community)
    point = LecturePoint(
        name=name,
        checkpoint_id=cp.id,
        community_id=None if org else community.id,
        party_org_id=org.id if org else None,
        created_at=MARCH,
    )
    db.session.add(point)
    db.session.flush()
    return cp, point


def _lecture(community, cp, at):
    return make_shift(community, starts_at=at, hours=2, kind="lecture", checkpoint=cp, now=at)


def _local(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=indicators.LOCAL).astimezone(UTC)


def _event(member, community, handled_at, n=[0]):  # noqa: B006 - a counter for numbers
    n[0] += 1
    category = db.session.scalar(sa.select(EventCategory).where(EventCategory.code == "T-EV"))
    if category is None:
        category = EventCategory(code="T-EV", name="测试事件")
        db.session.add(category)
        db.session.flush()
    event = Event(
        number=f"NS2026TEST{n[0]:06d}",
        source="member",
        category_id=category.id,
        description="路灯不亮",
        reporter_id=member.id,
        unit_id=community.id,
        unit_path=community.path,
        community_id=community.id,
        status="handled",
        assignee_kind="volunteer",
        assignee_member_id=member.id,
        reported_at=handled_at - timedelta(hours=2),
        reported_on=date(handled_at.year, handled_at.month, handled_at.day),
        handled_at=handled_at,
    )
    db.session.add(event)
    db.session.flush()
    return event


# --- opening writes one sheet per organisation of the subtree -------------------------


def test_a_check_writes_a_sheet_for_each_organisation_of_the_subtree(party, people):
    item("M-1", 2)
    item("O-1", 3, target="organisation")
    found, count = checks.open_check(party.committee_secretary, party.general, "2026H1", now=OPENED)
    assert count == 2  # members' sheets only
    orgs = db.session.execute(
        sa.select(Sheet.party_org_id, Sheet.member_id).where(
            Sheet.check_id == found.id, Sheet.target == "organisation"
        )
    ).all()
    assert sorted(orgs) == sorted(
        [(party.general.id, None), (party.branch.id, None), (party.other_branch.id, None)]
    )
    codes = {i.code for i in _org_sheet(found, party.branch).items}
    assert codes == {"O-1"}


def test_members_indicators_are_summed_up_the_tree(party, people, tree):
    served(people.member, tree.community, minutes=120)
    served(people.neighbour, tree.community, minutes=60, at=MARCH + timedelta(days=1))
    invited(people.member, tree.community, "accepted")
    invited(people.neighbour, tree.community, "expired")
    found = _open(party)
    branch = _org_sheet(found, party.branch)
    assert (branch.service_minutes, branch.shifts_served) == (180, 2)
    assert (branch.callouts_asked, branch.callouts_answered) == (2, 1)
    committee = _org_sheet(found, party.committee)
    assert committee.service_minutes == 180
    assert _org_sheet(found, party.other_branch).service_minutes == 0


def test_events_handled_count_the_members_events_in_the_period(party, people, tree):
    _event(people.member, tree.community, _local(2026, 3, 1))
    _event(people.neighbour, tree.community, _local(2026, 6, 30, 23))  # still H1 in Beijing
    _event(people.member, tree.community, _local(2026, 7, 1, 0))  # H2
    found = _open(party)
    assert _org_sheet(found, party.branch).events_handled == 2
    assert _org_sheet(found, party.general).events_handled == 2
    assert _org_sheet(found, party.other_branch).events_handled == 0


def test_months_gone_by_stop_before_the_month_in_progress():
    period = indicators.parse_period("2026H1")
    assert indicators.months_gone_by(period, OPENED) == [(2026, m) for m in range(1, 6)]
    june_end = _local(2026, 7, 1, 0)
    assert len(indicators.months_gone_by(period, june_end)) == 6
    assert len(indicators.months_gone_by(period, june_end - timedelta(seconds=1))) == 5
    year = indicators.parse_period("2026")
    assert len(indicators.months_gone_by(year, datetime(2027, 3, 1, tzinfo=UTC))) == 12


def test_lecture_months_missed_count_months_without_a_lecture(party, people, tree):
    cp, _ = _point(tree.community, party.branch)
    for month in (1, 2, 4):
        _lecture(tree.community, cp, _local(2026, month, 10))
    _lecture(tree.community, cp, _local(2026, 6, 1))  # the month in progress: not judged
    found = _open(party)
    branch = _org_sheet(found, party.branch)
    assert (branch.lecture_months_missed, branch.lectures_held) == (2, 4)  # March, May
    assert _org_sheet(found, party.other_branch).lecture_months_missed is None  # no point


def test_an_organisations_unit_points_are_its_own(party, people, tree):
    party.branch.unit_id = tree.community.id
    cp, _ = _point(tree.community)  # the community's 讲学所
    _lecture(tree.community, cp, _local(2026, 1, 31, 23))  # 31 Jan in Beijing
    found = _open(party)
    assert _org_sheet(found, party.branch).lecture_months_missed == 4


@pytest.mark.parametrize(("missed", "flagged"), [(1, False), (2, True)])
def test_the_lecture_months_flag_at_the_thresholds_edge(party, people, tree, missed, flagged):
    item("O-LECT", 3, "lecture_months_missed_above", 1, target="organisation")
    cp, _ = _point(tree.community, party.branch)
    for month in range(1, 6 - missed):
        _lecture(tree.community, cp, _local(2026, month, 10))
    found = _open(party)
    sheet = _org_sheet(found, party.branch)
    assert sheet.lecture_months_missed == missed
    assert {i.code: i.auto for i in sheet.items} == {"O-LECT": flagged}
    # an organisation with no lecture point is never flagged on lecture months
    assert not any(i.auto for i in _org_sheet(found, party.other_branch).items)


@pytest.mark.parametrize(("handled", "flagged"), [(1, True), (2, False)])
def test_the_events_flag_at_the_thresholds_edge(party, people, tree, handled, flagged):
    item("O-EV", 2, "events_handled_below", 2, target="organisation")
    for n in range(handled):
        _event(people.member, tree.community, _local(2026, 3, 1 + n))
    found = _open(party)
    assert {i.code: i.auto for i in _org_sheet(found, party.branch).items} == {"O-EV": flagged}


def test_an_organisation_item_takes_only_an_organisation_indicator(api, people):
    base = {"field": "community", "code": "X-1", "text": "讲学所未开讲", "points": 3}
    r = api(people.admin).post(
        "/checklist-items",
        json={
            **base,
            "target": "member",
            "indicator": "lecture_months_missed_above",
            "threshold": 0,
        },
    )
    assert r.status_code == 422 and "indicator" in str(r.json)
    r = api(people.admin).post(
        "/checklist-items",
        json={**base, "target": "organisation", "indicator": "no_shows_above", "threshold": 1},
    )
    assert r.status_code == 422
    r = api(people.admin).post(
        "/checklist-items",
        json={
            **base,
            "target": "organisation",
            "indicator": "lecture_months_missed_above",
            "threshold": 0,
        },
    )
    assert r.status_code == 201, r.json


# --- the state machine: the member sheet's, for organisations ---------------------------


def test_the_organisations_secretary_self_assesses_the_secretary_above_reviews(party, people):
    item("O-1", 3, target="organisation")
    item("O-2", 5, target="organisation")
    found = _open(party)
    sheet = _org_sheet(found, party.branch)
    with pytest.raises(NotAllowed):
        sheets.self_assess(party.committee_secretary, sheet, items=["O-1"], now=OPENED)
    with pytest.raises(NotAllowed):
        sheets.self_assess(people.member, sheet, items=["O-1"], now=OPENED)
    sheets.self_assess(party.secretary, sheet, items=["O-1"], note="讲学所三月停讲", now=OPENED)
    assert sheet.status == "self_assessed"
    with pytest.raises(NotFound):  # nobody reviews their own organisation
        sheets.review(
            party.secretary, sheet, decisions=[{"code": "O-1", "confirm": True}], now=OPENED
        )
    with pytest.raises(NotFound):  # a sibling's secretary is not above it
        sheets.finalise(party.other_secretary, sheet, now=OPENED)
    sheets.review(
        party.committee_secretary,
        sheet,
        decisions=[{"code": "O-1", "confirm": True, "reason": "记录属实"}],
        now=OPENED,
    )
    with pytest.raises(Conflict):
        sheets.self_assess(party.secretary, sheet, items=[], now=OPENED)
    sheets.finalise(party.committee_secretary, sheet, now=OPENED)
    assert (sheet.status, sheet.score, sheet.grade) == ("final", 97, "good")
    told = db.session.scalars(
        sa.select(Notification.member_id).where(Notification.kind == "party_org_sheet_finalised")
    ).all()
    assert told == [party.secretary.id]
    sheets.acknowledge(party.secretary, sheet, rectification="恢复每月开讲", now=OPENED)
    assert sheet.acknowledged_at is not None


def test_a_final_organisation_sheet_is_corrected_only_in_its_history(party, people):
    item("O-1", 3, target="organisation")
    found = _open(party)
    sheet = _org_sheet(found, party.branch)
    sheets.finalise(party.committee_secretary, sheet, now=OPENED)
    with pytest.raises(Exception) as refused:
        sheets.review(
            party.committee_secretary,
            sheet,
            decisions=[{"code": "O-1", "confirm": True}],
            now=OPENED,
        )
    assert getattr(refused.value, "status", None) == 422
    sheets.review(
        party.committee_secretary,
        sheet,
        decisions=[{"code": "O-1", "confirm": True, "reason": "复核"}],
        now=OPENED,
    )
    db.session.refresh(sheet)
    assert sheet.score == 100 and [i.decision for i in sheet.items] == ["dropped"]


def test_the_check_closes_only_when_the_organisations_sheets_are_final_too(party, people):
    found = _open(party, org=party.branch, actor=party.secretary)
    for member in (people.member, people.neighbour):
        sheets.finalise(party.secretary, sheets.find_sheet(found.id, member.id), now=OPENED)
    db.session.refresh(found)
    assert found.status == "open"
    # the top organisation of the check: reviewed by the organisers over it (none here) or
    # the secretaries above it (the general branch's and the committee's)
    sheets.finalise(party.committee_secretary, _org_sheet(found, party.branch), now=OPENED)
    db.session.refresh(found)
    assert found.status == "closed"


def test_recurring_items_on_an_organisations_next_sheet(party, people):
    item("O-1", 3, target="organisation")
    first = _open(party)
    sheet = _org_sheet(first, party.branch)
    sheets.review(
        party.committee_secretary,
        sheet,
        decisions=[{"code": "O-1", "confirm": True, "reason": "属实"}],
        now=OPENED,
    )
    sheets.finalise(party.committee_secretary, sheet, now=OPENED)
    second = _open(party, period="2026H2", now=datetime(2026, 12, 20, tzinfo=UTC))
    assert sheets.recurring_codes(_org_sheet(second, party.branch)) == {"O-1"}
    assert sheets.recurring_codes(_org_sheet(second, party.other_branch)) == set()


# --- who sees it: the API ---------------------------------------------------------------


def test_the_api_answers_the_organisations_secretary_and_those_above(api, party, people):
    item("O-1", 3, target="organisation")
    found = _open(party)
    url = f"/checks/{found.id}/organisations/{party.branch.id}"
    r = api(party.secretary).get(url)
    assert r.status_code == 200, r.json
    assert (r.json["target"], r.json["party_org_id"], r.json["member_id"]) == (
        "organisation",
        party.branch.id,
        None,
    )
    assert set(r.json["indicators"]) >= {"lecture_months_missed", "events_handled"}
    assert [i["code"] for i in r.json["items"]] == ["O-1"]
    assert api(party.committee_secretary).get(url).status_code == 200
    # secretaries and organisers out of scope: 404 (the sheet's existence is private)
    assert api(party.other_secretary).get(url).status_code == 404
    assert api(people.organiser).get(url).status_code == 404  # the committee has no unit here
    # whoever does no party work at all: 403 before anything is read
    for outsider in (people.member, people.coordinator, people.staff, people.far_coordinator):
        assert api(outsider).get(url).status_code == 403, outsider.name
    assert api().get(url).status_code == 401
    assert api(party.secretary).get(f"/checks/{found.id}/organisations/999999").status_code == 404


def test_the_api_runs_the_loop_for_an_organisation(api, party, people):
    item("O-1", 3, target="organisation")
    found = _open(party)
    url = f"/checks/{found.id}/organisations/{party.branch.id}"
    r = api(party.secretary).post(f"{url}/self-assessment", json={"items": ["O-1"], "note": "不足"})
    assert r.status_code == 200 and r.json["status"] == "self_assessed"
    bad = api(party.secretary).post(f"{url}/self-assessment", json={"items": ["NOPE"]})
    assert bad.status_code == 422
    assert api(party.secretary).post(f"{url}/finalise").status_code == 404
    r = api(party.committee_secretary).post(
        f"{url}/review", json={"decisions": [{"code": "O-1", "confirm": True, "reason": "属实"}]}
    )
    assert r.status_code == 200 and r.json["status"] == "reviewed"
    r = api(party.committee_secretary).post(f"{url}/finalise")
    assert (r.status_code, r.json["score"], r.json["grade"]) == (200, 97, "good")
    assert api(party.committee_secretary).post(f"{url}/finalise").status_code == 409


def test_organisers_over_the_organisation_review_its_sheet(api, party, people, tree):
    party.committee.unit_id = tree.town.id  # people.organiser organises the town
    found = _open(party)
    url = f"/checks/{found.id}/organisations/{party.committee.id}"
    assert api(party.committee_secretary).get(url).status_code == 200  # its own secretary
    assert api(party.committee_secretary).post(f"{url}/finalise").status_code == 404
    assert api(people.organiser).post(f"{url}/finalise").status_code == 200


# --- the pages --------------------------------------------------------------------------


def test_the_list_shows_each_organisation_sheet_in_scope(party, people, login):
    found = _open(party)
    branch = _org_sheet(found, party.branch)
    other = _org_sheet(found, party.other_branch)
    top = login(party.committee_secretary).get("/party/organisations").get_data(as_text=True)
    assert (
        f'data-test="org-sheet-{branch.id}"' in top and f'data-test="org-sheet-{other.id}"' in top
    )
    mine = login(party.secretary).get("/party/organisations").get_data(as_text=True)
    assert f'data-test="org-sheet-{branch.id}"' in mine
    assert f'data-test="org-sheet-{other.id}"' not in mine
    for outsider in (people.member, people.coordinator, people.staff):
        assert login(outsider).get("/party/organisations").status_code == 404, outsider.name
    assert (
        login(party.secretary).get("/party/organisations?page=99999999999999999999").status_code
        == 200
    )


def test_the_sheet_page_self_assessment_review_and_finalise(party, people, login):
    item("O-1", 3, target="organisation", text="讲学所当月未开讲")
    found = _open(party)
    sheet = _org_sheet(found, party.branch)
    url = f"/party/org-sheets/{sheet.id}"
    own = login(party.secretary)
    page = own.get(url).get_data(as_text=True)
    assert "讲学所当月未开讲" in page and 'data-test="save-self"' in page
    assert 'data-test="finalise"' not in page
    assert own.post(url, data={"items": ["O-1"], "note": "三月停讲"}).status_code == 302
    assert own.post(f"{url}/finalise").status_code == 404
    above = login(party.committee_secretary)
    page = above.get(url).get_data(as_text=True)
    assert "三月停讲" in page and 'data-test="finalise"' in page
    r = above.post(f"{url}/review", data={"d_O-1": "confirm", "r_O-1": "属实"})
    assert r.status_code == 302
    assert above.post(f"{url}/finalise").status_code == 302
    db.session.refresh(sheet)
    assert (sheet.status, sheet.score) == ("final", 97)
    done = login(party.secretary).get(url).get_data(as_text=True)
    assert 'data-test="notice"' in done and 'data-test="acknowledge"' in done
    inbox = login(party.secretary).get("/inbox").get_data(as_text=True)
    assert "问题提醒通知单" in inbox
    notice = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "party_org_sheet_finalised")
    )
    opened = login(party.secretary).post(f"/inbox/{notice.id}/open")
    assert opened.headers["Location"].endswith(f"/party/org-sheets/{sheet.id}")
    r = login(party.secretary).post(f"{url}/acknowledge", data={"rectification": "恢复开讲"})
    assert r.status_code == 302
    db.session.refresh(sheet)
    assert sheet.rectification == "恢复开讲" and sheet.acknowledged_at is not None
    for outsider in (party.other_secretary, people.member, people.coordinator, people.organiser):
        assert login(outsider).get(url).status_code == 404, outsider.name
    member_sheet = sheets.find_sheet(found.id, people.member.id)
    assert (
        login(party.committee_secretary).get(f"/party/org-sheets/{member_sheet.id}").status_code
        == 404
    )


def test_member_pages_and_exports_leave_the_organisations_sheets_out(party, people, login):
    found = _open(party, org=party.branch, actor=party.secretary)
    html = login(party.secretary).get("/party/checks").get_data(as_text=True)
    assert "已定稿0/2份" in html
    csv = (
        login(party.secretary)
        .get(f"/party/checks/{found.id}/results.csv", buffered=True)
        .get_data(as_text=True)
    )
    assert len([line for line in csv.splitlines() if line.strip()]) == 3  # header + 2 members


def test_an_attendance_of_a_lecture_is_not_service_on_the_organisations_sheet(party, people, tree):
    cp, _ = _point(tree.community, party.branch)
    shift = _lecture(tree.community, cp, _local(2026, 3, 10))
    db.session.add(
        Attendance(
            member_id=people.member.id,
            shift_id=shift.id,
            checked_in_at=shift.starts_at,
            checked_out_at=shift.ends_at,
            check_in_method="scan",
            check_out_method="scan",
            credited_minutes=0,
        )
    )
    db.session.flush()
    found = _open(party)
    sheet = _org_sheet(found, party.branch)
    assert (sheet.lectures_attended, sheet.service_minutes, sheet.shifts_served) == (1, 0, 0)


def test_org_sheet_rows_are_one_query_and_one_count(party, people, tree):
    extra = [make_member(tree.community, name=f"成员{n}") for n in range(3)]
    assert extra
    _open(party)
    from timebank.party import queries

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        rows, total = queries.org_sheet_rows(party.committee_secretary)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert total == 4 and len(rows) == 4
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # the secretary's paths, the organiser's roles, the count, the page: never one per row
    assert len(selects) <= 4
