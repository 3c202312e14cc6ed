"""The time bank's pages: my hours, corrections, review, manual attendance, a member's
ledger, and the chain check; for each role, in and out of scope.

Pages are read in English (the msgids), so the numbers can be checked whatever the state
of the Chinese catalogue.
"""

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_member, make_shift, make_signup, qr_for
from tests.ledger.test_ledger import _tamper
from timebank.checkin.jobs import close_shifts_job
from timebank.checkin.models import Attendance
from timebank.checkin.services import record_scan
from timebank.core.clock import LOCAL_TZ, local, utcnow
from timebank.ledger import chain
from timebank.ledger.corrections import request_correction
from timebank.ledger.models import Correction, LedgerEntry
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust, reverse


def at_local(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """An aware datetime: `days_ago` days before today, at a local (Asia/Shanghai) time."""
    day = local(utcnow()).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


@pytest.fixture
def as_(login):
    """as_(member): the client signed in as `member`, reading the pages in English."""

    def _as(member):
        client = login(member)
        client.post("/lang/en")
        return client

    return _as


@pytest.fixture
def shift(tree):
    """Yesterday 08:00–12:00 local, in the community."""
    return make_shift(tree.community, starts_at=at_local(1, 8), hours=4, title="北门卡口值守")


def _text(response) -> str:
    return response.get_data(as_text=True)


def _shown(html: str, test_id: str) -> str:
    match = re.search(rf'data-test="{test_id}"[^>]*>\s*([^<]*?)\s*<', html)
    assert match, f"{test_id} not on the page"
    return match.group(1)


def _invalid(html: str, field_id: str) -> bool:
    """Whether the input with this id is marked invalid (its error shown at the field)."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', html)
    return bool(tag) and "is-invalid" in tag.group(0)


def _open_correction(member, shift, **kw):
    data = dict(
        shift_id=shift.id,
        claimed_in=shift.starts_at,
        claimed_out=shift.ends_at,
        reason="扫码失败，实际到岗",
    )
    return request_correction(member, **{**data, **kw})


# The filter


@pytest.mark.parametrize(
    ("minutes", "signed", "text"),
    [
        (0, False, "0 min"),
        (30, False, "30 min"),
        (240, False, "4 h"),
        (750, False, "12 h 30 min"),
        (-90, False, "−1 h 30 min"),
        (90, True, "+1 h 30 min"),
        (-5, True, "−5 min"),
    ],
)
def test_hours_filter(app, minutes, signed, text):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert app.jinja_env.filters["hours"](minutes, signed=signed) == text


# My hours


def test_my_hours_shows_balance_history_and_reversals(people, shift, as_):
    credit = adjust(
        people.coordinator, people.member, minutes=800, reason="补录", shift_id=shift.id
    )
    adjust(people.coordinator, people.member, minutes=-20, reason="多记了")
    reversal = reverse(people.coordinator, credit, reason="重复记录")
    adjust(people.coordinator, people.member, minutes=770, reason="重新核定")
    html = _text(as_(people.member).get("/hours"))
    assert _shown(html, "balance") == "12 h 30 min"  # 800 - 20 - 800 + 770 = 750
    assert _shown(html, "balance-minutes") == "750 minutes in all"
    assert balance_minutes(people.member.id) == 750
    assert html.index(f'data-test="entry-{reversal.id}"') < html.index(
        f'data-test="entry-{credit.id}"'
    )  # newest first
    entry = html[html.index(f'data-test="entry-{credit.id}"') :]
    assert 'data-test="reversed"' in entry.split("</li>")[0]
    assert f"of entry #{credit.id}" in html and "−20 min" in html and "+12 h 50 min" in html
    assert f'href="/shifts/{shift.id}"' in html and "多记了" in html
    assert "/ledger/entries/" not in html  # members cannot reverse
    assert 'href="/hours/corrections/new"' in html


def test_my_hours_lists_my_correction_requests_with_their_status(people, shift, tree, as_):
    _open_correction(people.member, shift)
    other = make_shift(tree.community, starts_at=at_local(2, 8), title="南门卡口")
    decided = _open_correction(people.member, other)
    decided.status, decided.decision_reason = "rejected", "当天未排班"
    html = _text(as_(people.member).get("/hours"))
    assert "Waiting" in html and "Not approved" in html and "当天未排班" in html


def test_balance_on_the_profile_for_self_and_coordinators_only(people, as_):
    adjust(people.coordinator, people.member, minutes=90, reason="补录")
    html = _text(as_(people.member).get(f"/members/{people.member.id}"))
    assert _shown(html, "member-balance") == "1 h 30 min" and 'href="/hours"' in html
    html = _text(as_(people.coordinator).get(f"/members/{people.member.id}"))
    assert f'href="/members/{people.member.id}/hours"' in html
    html = _text(as_(people.staff).get(f"/members/{people.member.id}"))
    assert 'data-test="member-balance"' not in html


# Asking for a correction


def test_correction_form_offers_my_recent_started_shifts_only(people, tree, shift, as_):
    make_signup(people.member, shift)
    future = make_shift(tree.community, title="明天的班")
    make_signup(people.member, future)
    old = make_shift(tree.community, starts_at=at_local(70, 8), title="很久以前")
    make_signup(people.member, old)
    cancelled = make_shift(tree.community, starts_at=at_local(3, 8), title="取消了")
    make_signup(people.member, cancelled, status="cancelled")
    not_mine = make_shift(tree.community, starts_at=at_local(2, 8), title="别人的班")
    make_signup(people.neighbour, not_mine)
    html = _text(as_(people.member).get(f"/hours/corrections/new?shift_id={shift.id}"))
    assert f'<option selected value="{shift.id}">北门卡口值守' in html
    for title in ("明天的班", "很久以前", "取消了", "别人的班"):
        assert title not in html


def test_member_asks_for_a_correction_in_local_time(people, shift, as_, db):
    make_signup(people.member, shift, status="no_show")
    client = as_(people.member)
    response = client.post(
        "/hours/corrections/new",
        data={
            "shift_id": str(shift.id),
            "claimed_in": "08:05",
            "claimed_out": "12:00",
            "reason": "扫码枪坏了",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/hours"
    correction = db.session.scalars(sa.select(Correction)).one()
    assert correction.claimed_in == at_local(1, 8, 5).astimezone(UTC)
    assert correction.claimed_out == shift.ends_at and correction.status == "open"
    html = _text(client.get("/hours"))
    assert "Your request was sent" in html and "Waiting" in html


def test_a_time_left_before_the_time_came_is_the_next_day(people, tree, as_, db):
    night = make_shift(tree.community, starts_at=at_local(2, 20), hours=4, title="夜班")
    make_signup(people.member, night)
    response = as_(people.member).post(
        "/hours/corrections/new",
        data={
            "shift_id": str(night.id),
            "claimed_in": "20:00",
            "claimed_out": "00:30",
            "reason": "夜班",
        },
    )
    assert response.status_code == 302, _text(response)[:2000]
    correction = db.session.scalars(sa.select(Correction)).one()
    assert correction.claimed_out - correction.claimed_in == timedelta(hours=4, minutes=30)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"claimed_out": "08:00"}, "claimed_out"),  # the service: the end must be after the start
        ({"day": "2020-01-01"}, "claimed_in"),  # the service: far from the shift's times
        ({"reason": ""}, "reason"),
        ({"shift_id": ""}, "shift_id"),
        ({"claimed_in": "8 o'clock"}, "claimed_in"),
    ],
)
def test_correction_errors_are_shown_at_their_fields(people, shift, as_, db, changes, field):
    make_signup(people.member, shift)
    data = {"shift_id": str(shift.id), "claimed_in": "08:00", "claimed_out": "12:00"}
    data["reason"] = "漏扫"
    response = as_(people.member).post("/hours/corrections/new", data={**data, **changes})
    html = _text(response)
    assert response.status_code == 200 and _invalid(html, field), field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Correction)) == 0


def test_second_request_about_the_same_shift_is_refused(people, shift, as_, db):
    make_signup(people.member, shift)
    _open_correction(people.member, shift)
    response = as_(people.member).post(
        "/hours/corrections/new",
        data={
            "shift_id": shift.id,
            "claimed_in": "08:00",
            "claimed_out": "12:00",
            "reason": "再问",
        },
    )
    assert response.status_code == 200 and "already asked about this shift" in _text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Correction)) == 1


def test_without_recent_shifts_the_form_says_so(people, as_):
    html = _text(as_(people.member).get("/hours/corrections/new"))
    assert 'data-test="no-shifts"' in html and 'data-test="correction-form"' not in html


# Deciding corrections


def test_queue_shows_requests_in_scope_with_suggested_minutes(people, tree, shift, as_):
    adjust(people.coordinator, people.member, minutes=60, reason="部分", shift_id=shift.id)
    correction = _open_correction(people.member, shift)
    far_shift = make_shift(tree.far, starts_at=at_local(1, 8))
    _open_correction(people.far_member, far_shift)
    html = _text(as_(people.coordinator).get("/corrections"))
    assert people.member.name in html and people.far_member.name not in html
    assert _shown(html, "suggested") == "3 h (180 min)"  # 240 claimed, 60 already credited
    assert re.search(rf'id="minutes-{correction.id}"[^>]*value="180"', html)
    html = _text(as_(people.far_coordinator).get("/corrections"))
    assert people.member.name not in html and people.far_member.name in html


def test_nav_badges_count_open_requests_and_reviews_in_scope(people, shift, as_):
    _open_correction(people.member, shift)
    html = _text(as_(people.coordinator).get("/"))
    link = re.search(r'href="/corrections">(.*?)</a>', html, re.S).group(1)
    assert "Corrections" in link and ">1</span>" in link
    assert 'href="/attendances/review"' in html
    html = _text(as_(people.far_coordinator).get("/"))
    link = re.search(r'href="/corrections">(.*?)</a>', html, re.S).group(1)
    assert "badge" not in link
    html = _text(as_(people.member).get("/"))
    assert 'href="/corrections"' not in html and 'href="/hours"' in html


def test_approve_with_edited_minutes_credits_the_member(people, shift, as_, db):
    correction = _open_correction(people.member, shift)
    client = as_(people.coordinator)
    response = client.post(
        f"/corrections/{correction.id}/decide", data={"minutes": "200", "approve": "Approve"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/corrections"
    assert correction.status == "approved" and balance_minutes(people.member.id) == 200
    queue = _text(client.get("/corrections"))
    assert f'data-test="correction-{correction.id}"' not in queue  # no longer waiting
    assert f'data-test="decided-{correction.id}"' in queue  # but kept as history
    html = _text(as_(people.member).get("/hours"))
    assert _shown(html, "balance") == "3 h 20 min" and "Approved" in html
    assert f"Correction request #{correction.id}" in html


def test_approve_over_the_cap_is_shown_at_the_minutes(people, shift, as_, db):
    correction = _open_correction(people.member, shift)
    response = as_(people.coordinator).post(
        f"/corrections/{correction.id}/decide", data={"minutes": "300", "approve": "Approve"}
    )
    html = _text(response)
    assert response.status_code == 200 and _invalid(html, f"minutes-{correction.id}")
    assert "At most 240 minutes" in html
    assert correction.status == "open" and balance_minutes(people.member.id) == 0


def test_reject_needs_a_reason_at_the_field_and_the_member_sees_it(people, shift, as_, db):
    correction = _open_correction(people.member, shift)
    client = as_(people.coordinator)
    response = client.post(
        f"/corrections/{correction.id}/decide", data={"reason": "", "reject": "Reject"}
    )
    assert response.status_code == 200 and _invalid(_text(response), f"reason-{correction.id}")
    response = client.post(
        f"/corrections/{correction.id}/decide", data={"reason": "当天未见到", "reject": "Reject"}
    )
    assert response.status_code == 302 and correction.status == "rejected"
    html = _text(as_(people.member).get("/hours"))
    assert "Not approved" in html and "当天未见到" in html and _shown(html, "balance") == "0 min"


def test_deciding_twice_is_flashed(people, shift, as_):
    correction = _open_correction(people.member, shift)
    client = as_(people.coordinator)
    client.post(f"/corrections/{correction.id}/decide", data={"reject": "x", "reason": "不符"})
    response = client.post(f"/corrections/{correction.id}/decide", data={"approve": "x"})
    assert response.status_code == 200 and "decided already" in _text(response)


# Reviewing auto-closed attendances


def test_review_queue_confirm(people, shift, as_, db):
    attendance = _auto_closed_attendance(people, shift, db)
    client = as_(people.coordinator)
    html = _text(client.get("/attendances/review"))
    assert f'data-test="attendance-{attendance.id}"' in html and "+4 h" in html
    assert people.member.name not in _text(as_(people.far_coordinator).get("/attendances/review"))
    client = as_(people.coordinator)
    response = client.post(f"/attendances/{attendance.id}/review", data={"confirm": "Confirm"})
    assert response.status_code == 302 and attendance.review == "confirmed"
    assert balance_minutes(people.member.id) == 240
    assert f'data-test="attendance-{attendance.id}"' not in _text(client.get("/attendances/review"))


def test_review_reverse_needs_a_reason_then_reverses_the_credit(people, shift, as_, db):
    attendance = _auto_closed_attendance(people, shift, db)
    client = as_(people.coordinator)
    response = client.post(f"/attendances/{attendance.id}/review", data={"reverse": "Reverse"})
    assert response.status_code == 200 and _invalid(_text(response), f"reason-{attendance.id}")
    assert attendance.review == "pending"
    response = client.post(
        f"/attendances/{attendance.id}/review", data={"reverse": "Reverse", "reason": "提前离开"}
    )
    assert response.status_code == 302 and attendance.review == "reversed"
    html = _text(as_(people.member).get("/hours"))
    assert _shown(html, "balance") == "0 min" and "提前离开" in html


def _auto_closed_attendance(people, shift, db) -> Attendance:
    make_signup(people.member, shift)
    record_scan(
        people.staff,
        shift.id,
        qr_payload=qr_for(people.member, shift.starts_at),
        scan_id=str(uuid.uuid4()),
        scanned_at=shift.starts_at,
        now=shift.starts_at,
    )
    close_shifts_job(now=shift.ends_at + timedelta(hours=1))
    attendance = db.session.scalars(sa.select(Attendance)).one()
    assert attendance.review == "pending" and attendance.credited_minutes == 240
    return attendance


# Manual attendance


def test_roster_links_to_manual_attendance_for_coordinators(people, shift, as_):
    make_signup(people.member, shift)
    html = _text(as_(people.coordinator).get(f"/shifts/{shift.id}/roster"))
    url = f"/shifts/{shift.id}/attendance/new?member_id={people.member.id}"
    assert url in html
    assert url not in _text(as_(people.staff).get(f"/shifts/{shift.id}/roster"))


def test_roster_has_no_link_before_the_shift_starts(people, tree, as_):
    future = make_shift(tree.community)
    make_signup(people.member, future)
    assert "/attendance/new" not in _text(
        as_(people.coordinator).get(f"/shifts/{future.id}/roster")
    )


def test_coordinator_enters_an_attendance(people, shift, as_, db):
    make_signup(people.member, shift, status="no_show")
    client = as_(people.coordinator)
    url = f"/shifts/{shift.id}/attendance/new?member_id={people.member.id}"
    html = _text(client.get(url))
    assert 'value="08:00"' in html and 'value="12:00"' in html
    assert f'value="{shift.starts_at.astimezone(LOCAL_TZ).date().isoformat()}"' in html
    response = client.post(
        url,
        data={
            "day": local(shift.starts_at).date().isoformat(),
            "checked_in": "08:30",
            "checked_out": "12:00",
            "reason": "手机没电",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == (
        f"/shifts/{shift.id}/roster"
    )
    attendance = db.session.scalars(sa.select(Attendance)).one()
    assert attendance.check_in_method == "coordinator" and attendance.credited_minutes == 210
    assert balance_minutes(people.member.id) == 210
    html = _text(client.get(f"/shifts/{shift.id}/roster"))
    assert "3 h 30 min credited" in html and "Attendance of" in html
    html = _text(client.get(url))
    assert 'data-test="already-recorded"' in html and 'data-test="attendance-form"' not in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"checked_out": "08:00"}, "checked_out"),  # the service: the end after the start
        ({"day": "2020-01-01"}, "checked_in"),  # the service: far from the shift's times
        ({"reason": " "}, "reason"),
        ({"checked_in": ""}, "checked_in"),
    ],
)
def test_manual_attendance_errors_at_fields(people, shift, as_, db, changes, field):
    data = {
        "day": local(shift.starts_at).date().isoformat(),
        "checked_in": "08:00",
        "checked_out": "12:00",
        "reason": "扫码枪坏了",
    }
    response = as_(people.coordinator).post(
        f"/shifts/{shift.id}/attendance/new?member_id={people.member.id}",
        data={**data, **changes},
    )
    assert response.status_code == 200 and _invalid(_text(response), field), field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_manual_attendance_needs_a_member(people, shift, as_):
    client = as_(people.coordinator)
    assert client.get(f"/shifts/{shift.id}/attendance/new").status_code == 404
    assert client.get(f"/shifts/{shift.id}/attendance/new?member_id=999999").status_code == 404


# A member's ledger, for coordinators


def test_member_ledger_adjust_and_reverse(people, shift, as_, db):
    adjust(people.coordinator, people.member, minutes=240, reason="值守", shift_id=shift.id)
    client = as_(people.coordinator)
    url = f"/members/{people.member.id}/hours"
    assert _shown(_text(client.get(url)), "balance") == "4 h"
    response = client.post(url + "/adjust", data={"minutes": "-30", "reason": "提前离开"})
    assert response.status_code == 302 and response.headers["Location"] == url
    html = _text(client.get(url))
    assert _shown(html, "balance") == "3 h 30 min" and "The balance is adjusted." in html
    assert balance_minutes(people.member.id) == 210
    first = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.id)).first()
    response = client.post(f"/ledger/entries/{first.id}/reverse", data={"reason": "记错了"})
    assert response.status_code == 302 and response.headers["Location"] == url
    html = _text(client.get(url))
    assert _shown(html, "balance") == "−30 min" and balance_minutes(people.member.id) == -30
    assert f"Entry #{first.id} is reversed." in html
    reversal = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.id.desc())).first()
    assert reversal.kind == "reversal" and reversal.reverses_id == first.id
    # no reverse button for the reversed entry nor for the reversal itself
    assert f'data-test="reverse-{first.id}"' not in html
    assert f'data-test="reverse-{reversal.id}"' not in html
    assert f'data-test="reverse-{reversal.id - 1}"' in html  # the -30 adjustment


def test_reversing_twice_or_a_reversal_is_flashed(people, as_, db):
    entry = adjust(people.coordinator, people.member, minutes=60, reason="值守")
    reversal = reverse(people.coordinator, entry, reason="错")
    client = as_(people.coordinator)
    client.post(f"/ledger/entries/{entry.id}/reverse", data={"reason": "再来"})
    html = _text(client.get(f"/members/{people.member.id}/hours"))
    assert "reversed already" in html
    client.post(f"/ledger/entries/{reversal.id}/reverse", data={"reason": "再来"})
    html = _text(client.get(f"/members/{people.member.id}/hours"))
    assert "A reversal cannot be reversed" in html
    client.post(f"/ledger/entries/{entry.id}/reverse", data={"reason": ""})
    assert "Give a reason to reverse" in _text(client.get(f"/members/{people.member.id}/hours"))
    assert balance_minutes(people.member.id) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"minutes": "0", "reason": "零"}, "minutes"),  # the service: not 0
        ({"minutes": "100000", "reason": "太多"}, "minutes"),  # the service: at most a month
        ({"minutes": "1.5", "reason": "小数"}, "minutes"),
        ({"minutes": "30", "reason": ""}, "reason"),
    ],
)
def test_adjustment_errors_at_fields(people, as_, db, data, field):
    response = as_(people.coordinator).post(f"/members/{people.member.id}/hours/adjust", data=data)
    assert response.status_code == 200 and _invalid(_text(response), field)
    assert balance_minutes(people.member.id) == 0


# The chain check


def test_organiser_checks_the_chain(people, as_, db):
    adjust(people.coordinator, people.member, minutes=60, reason="a")
    last = adjust(people.coordinator, people.member, minutes=30, reason="b")
    html = _text(as_(people.organiser).get("/ledger/verify"))
    assert 'data-test="verify-ok"' in html and "2 entries checked." in html
    assert _shown(html, "head-hash") == last.entry_hash == chain.verify().head_hash
    html = _text(as_(people.organiser).get("/ledger/verify?entry=1"))
    first = db.session.get(LedgerEntry, 1)
    assert _shown(html, "entry-hash") == first.entry_hash
    assert "There is no entry #99." in _text(as_(people.organiser).get("/ledger/verify?entry=99"))


def test_a_broken_chain_names_the_first_bad_entry(people, as_, db):
    for minutes in (10, 20, 30):
        adjust(people.coordinator, people.member, minutes=minutes, reason="r")
    _tamper(db, "UPDATE ledger_entries SET minutes = 600 WHERE id = 2")
    html = _text(as_(people.organiser).get("/ledger/verify"))
    assert 'data-test="verify-broken"' in html and _shown(html, "first-bad") == "#2"
    assert "changed after it was written" in html


def test_nav_shows_the_ledger_check_to_organisers_only(people, as_):
    assert 'href="/ledger/verify"' in _text(as_(people.organiser).get("/"))
    assert 'href="/ledger/verify"' not in _text(as_(people.coordinator).get("/"))


# Who may do what


ROLES = ["self", "neighbour", "staff", "coordinator", "organiser", "admin", "far_coordinator"]
COORDINATORS = {"coordinator", "organiser", "admin"}
PAGES = [
    ("GET", "/hours", set(ROLES)),
    ("GET", "/hours/corrections/new", set(ROLES)),
    ("GET", "/corrections", COORDINATORS | {"far_coordinator"}),
    ("GET", "/attendances/review", COORDINATORS | {"far_coordinator"}),
    ("GET", "/members/{member}/hours", COORDINATORS),
    ("POST", "/members/{member}/hours/adjust", COORDINATORS),
    ("POST", "/ledger/entries/{entry}/reverse", COORDINATORS),
    ("GET", "/shifts/{shift}/attendance/new?member_id={newcomer}", COORDINATORS),
    ("POST", "/shifts/{shift}/attendance/new?member_id={newcomer}", COORDINATORS),
    ("POST", "/corrections/{correction}/decide", COORDINATORS),
    ("POST", "/attendances/{attendance}/review", COORDINATORS),
    ("GET", "/ledger/verify", {"organiser", "admin"}),
]
FORM = {
    "minutes": "30",
    "reason": "检查",
    "reject": "Reject",
    "confirm": "Confirm",
    "day": "",
    "checked_in": "08:00",
    "checked_out": "12:00",
}


@pytest.mark.parametrize(("method", "template", "allowed"), PAGES)
@pytest.mark.parametrize("who", ROLES)
def test_pages_enforce_role_and_scope(people, shift, as_, db, method, template, allowed, who):
    actor = people.member if who == "self" else getattr(people, who)
    attendance = _auto_closed_attendance(people, shift, db)
    entry = db.session.scalars(sa.select(LedgerEntry)).one()
    other = make_shift(shift.community, starts_at=at_local(2, 8))
    correction = _open_correction(people.member, other)
    url = template.format(
        member=people.member.id,
        shift=shift.id,
        entry=entry.id,
        correction=correction.id,
        attendance=attendance.id,
        newcomer=make_member(shift.community).id,  # no attendance at the shift yet
    )
    data = {**FORM, "day": local(shift.starts_at).date().isoformat()}
    client = as_(actor)
    response = client.open(url, method=method, data=data if method == "POST" else None)
    if who in allowed:
        expected = 200 if method == "GET" else 302
        assert response.status_code == expected, (who, url, _text(response)[:3000])
    else:
        assert response.status_code in (403, 404), (who, url, response.status_code)
