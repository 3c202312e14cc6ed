"""Checks: indicators from real records, automatic flags, scoring, the 211 loop (SPEC 7)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_shift
from tests.party.conftest import join
from tests.party.records import MARCH, invited, item, missed, served
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.ledger.services import reverse
from timebank.notifications.models import Notification
from timebank.party import checks, indicators
from timebank.party.models import Check, Sheet, SheetItem, SheetReview
from timebank.party.sheets import grade_of, score_of


def _open(api, actor, org, period="2026H1"):
    return api(actor).post("/checks", json={"party_org_id": org.id, "period": period})


def test_periods_are_bounded_in_beijing_time():
    h1 = indicators.parse_period("2026H1")
    assert h1.starts.isoformat() == "2025-12-31T16:00:00+00:00"
    assert h1.ends.isoformat() == "2026-06-30T16:00:00+00:00"
    assert indicators.parse_period("2026").ends.isoformat() == "2026-12-31T16:00:00+00:00"
    for bad in ("2026H3", "26", "2026-H1", "2026h1", "", None, 2026, "99999", "2026\n", "２０２６"):
        assert indicators.parse_period(bad) is None


def test_indicators_come_from_the_records(party, people, tree):
    m, c = people.member, tree.community
    _shift, entry = served(m, c, minutes=240)
    served(m, c, minutes=120, at=MARCH + timedelta(days=1))
    reverse(people.coordinator, entry, reason="记错了", now=MARCH + timedelta(days=2))
    served(m, c, minutes=90, at=MARCH - timedelta(days=80))  # 2025: outside the period
    missed(m, c)
    missed(m, c, status="cancelled", late=True, at=MARCH + timedelta(days=3))
    missed(m, c, status="cancelled", late=False, at=MARCH + timedelta(days=4))
    for status in ("accepted", "declined", "expired", "pending"):
        invited(m, c, status)
    served(m, c, kind="lecture", at=MARCH + timedelta(days=5))
    make_shift(c, kind="lecture", starts_at=MARCH + timedelta(days=6), now=MARCH)
    values = indicators.compute(party.committee, indicators.parse_period("2026H1"))[m.id]
    assert values["service_minutes"] == 120  # 240 reversed; the lecture's 0; 2025 outside
    assert values["shifts_served"] == 2  # attendances in the period, lectures apart
    assert values["no_shows"] == 1 and values["late_cancellations"] == 1
    assert (values["callouts_asked"], values["callouts_answered"]) == (3, 2)
    assert (values["lectures_attended"], values["lectures_held"]) == (1, 2)
    assert set(indicators.compute(party.committee, indicators.parse_period("2026H1"))) == {
        people.member.id,
        people.neighbour.id,
    }


@pytest.mark.parametrize("minutes, flagged", [(599, True), (600, False)])
def test_automatic_flag_at_the_thresholds_edge(party, people, tree, minutes, flagged):
    item("M-SVC", 5, "service_minutes_below", 600)
    item("M-NS", 3, "no_shows_above", 0)
    served(people.member, tree.community, minutes=minutes)
    found, count = checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    assert count == 2
    sheet = db.session.scalar(sa.select(Sheet).where(Sheet.member_id == people.member.id))
    by_code = {i.code: i.auto for i in sheet.items}
    assert by_code == {"M-NS": False, "M-SVC": flagged}


def test_the_response_rate_and_lectures_flag_only_with_a_record(party, people, tree):
    item("M-CR", 4, "callout_response_rate_below", 0.5)
    item("M-LEC", 2, "lectures_attended_below", 3)
    invited(people.member, tree.community, "expired")
    make_shift(tree.community, kind="lecture", starts_at=MARCH, now=MARCH)
    checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    flags = {
        (s.member_id, i.code): i.auto for s in db.session.scalars(sa.select(Sheet)) for i in s.items
    }
    assert flags[(people.member.id, "M-CR")] is True  # 0 of 1 asked
    assert flags[(people.neighbour.id, "M-CR")] is False  # never asked
    assert flags[(people.member.id, "M-LEC")] is True  # 0 of the 1 held


def test_only_items_of_the_field_and_the_sheets_target(party, people):
    item("M-1", 2)
    item("O-1", 2, target="organisation")
    item("S-1", 2, field="soe")
    checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    rows = db.session.execute(
        sa.select(Sheet.target, SheetItem.code).join(Sheet, Sheet.id == SheetItem.sheet_id)
    ).all()
    assert set(rows) == {("member", "M-1"), ("organisation", "O-1")}


def test_scores_and_grades():
    class Row:
        def __init__(self, points, decision):
            self.points, self.decision = points, decision

    assert score_of([Row(5, "confirmed"), Row(20, "dropped"), Row(3, None)]) == 95
    assert score_of([Row(20, "confirmed")] * 6) == 0
    assert [grade_of(s) for s in (100, 90, 89, 75, 74, 0)] == [
        "good",
        "good",
        "fair",
        "fair",
        "attention",
        "attention",
    ]


def test_a_second_check_for_the_period_is_409(api, party):
    assert _open(api, party.secretary, party.branch).status_code == 201
    r = _open(api, party.committee_secretary, party.branch)
    assert r.status_code == 409 and r.json["error"]["code"] == "check_exists"
    assert _open(api, party.secretary, party.branch, "2026").status_code == 201


def test_bad_periods_and_scopes_are_refused(api, party, people):
    r = _open(api, party.secretary, party.branch, "2026H3")
    assert r.status_code == 422 and "period" in r.json["error"]["fields"]
    assert _open(api, party.other_secretary, party.branch).status_code == 403
    assert _open(api, people.coordinator, party.branch).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Check)) == 0


def test_the_211_loop_end_to_end(api, party, people, tree):
    item("M-SVC", 5, "service_minutes_below", 600, text="服务时长不足")
    item("M-STUDY", 3, text="部署基层学，自己不主动学")
    item("M-LIFE", 2, text="无故缺席组织生活")
    r = _open(api, party.secretary, party.branch)
    assert r.status_code == 201 and r.json["sheets"] == 2
    check_id = r.json["id"]
    told = db.session.scalars(
        sa.select(Notification.member_id).where(Notification.kind == "party_check_opened")
    ).all()
    assert sorted(told) == sorted([people.member.id, people.neighbour.id])

    me = api(people.member)
    sheet = me.get(f"/checks/{check_id}/sheets/{people.member.id}").json
    assert sheet["status"] == "draft"
    assert {i["code"]: i["auto"] for i in sheet["items"]}["M-SVC"] is True
    r = me.post(f"/checks/{check_id}/sheets/me", json={"items": ["M-STUDY"], "note": "要加强学习"})
    assert r.status_code == 200 and r.json["status"] == "self_assessed"

    sec = api(party.secretary)
    url = f"/checks/{check_id}/sheets/{people.member.id}"
    r = sec.post(
        url + "/review",
        json={
            "decisions": [
                {"code": "M-SVC", "confirm": True, "reason": "半年服务不足10小时"},
                {"code": "M-STUDY", "confirm": False, "reason": "已参加讲学"},
            ]
        },
    )
    assert r.status_code == 200 and r.json["status"] == "reviewed"
    assert me.post(f"/checks/{check_id}/sheets/me", json={"items": []}).status_code == 409
    r = sec.post(url + "/finalise")
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["score"], r.json["grade"]) == ("final", 95, "good")
    assert sec.post(url + "/finalise").status_code == 409
    assert (
        db.session.scalar(
            sa.select(Notification).where(Notification.kind == "party_sheet_finalised")
        ).member_id
        == people.member.id
    )

    r = me.post(f"/checks/{check_id}/sheets/me/acknowledge", json={"rectification": "每月参加服务"})
    assert r.status_code == 200 and r.json["acknowledged_at"]
    page = api(people.member).client
    assert page is not None

    # A final sheet never changes: a correction needs a reason and goes to the history.
    r = sec.post(url + "/review", json={"decisions": [{"code": "M-LIFE", "confirm": True}]})
    assert r.status_code == 422
    r = sec.post(
        url + "/review",
        json={"decisions": [{"code": "M-LIFE", "confirm": True, "reason": "补记：缺席一次"}]},
    )
    assert r.status_code == 200 and r.json["score"] == 95
    history = db.session.scalars(sa.select(SheetReview).where(SheetReview.correction)).all()
    assert [h.code for h in history] == ["M-LIFE"]

    # The next check shows the confirmed item as recurring.
    r = _open(api, party.secretary, party.branch, "2026")
    nxt = me.get(f"/checks/{r.json['id']}/sheets/{people.member.id}").json
    assert {i["code"]: i["recurring"] for i in nxt["items"]} == {
        "M-LIFE": False,
        "M-STUDY": False,
        "M-SVC": True,
    }


def test_sheets_are_private(api, party, people, tree):
    item("M-1", 2)
    check_id = _open(api, party.secretary, party.branch).json["id"]
    url = f"/checks/{check_id}/sheets/{people.member.id}"
    assert api(people.member).get(url).status_code == 200
    assert api(party.secretary).get(url).status_code == 200
    assert api(party.committee_secretary).get(url).status_code == 200
    for outsider in (
        people.neighbour,
        people.coordinator,
        people.organiser,
        people.admin,
        people.staff,
        party.other_secretary,
    ):
        assert api(outsider).get(url).status_code == 404, outsider.name
        r = api(outsider).post(url + "/finalise")
        # Rights first: only secretaries review; a secretary elsewhere learns nothing either.
        assert r.status_code == (404 if outsider is party.other_secretary else 403)
    assert api().get(url).status_code == 401


def test_a_new_member_joins_later_checks_only(party, tree):
    checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    late = make_member(tree.community)
    join(late, party.branch)
    found, count = checks.open_check(party.secretary, party.branch, "2026", now=utcnow())
    assert count == 3


def test_a_secretary_s_malformed_review_is_400(api, party, people):
    item("M-1", 2)
    check_id = _open(api, party.secretary, party.branch).json["id"]
    url = f"/checks/{check_id}/sheets/{people.member.id}/review"
    r = api(party.secretary)._call("POST", url, data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"
