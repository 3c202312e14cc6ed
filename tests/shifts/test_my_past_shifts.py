"""My shifts says, for past shifts, whether I came and what was credited; the hours page
explains the credit window (issue 17: why a 4-hour shift earned 4 h 36)."""

import re
from datetime import timedelta

from tests.factories import make_shift, make_signup
from timebank.checkin.models import Attendance
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.ledger.services import credit_service


def test_past_shifts_show_attended_no_show_and_hours_credited(tree, people, login):
    start = utcnow() - timedelta(days=2)
    came = make_shift(tree.community, title="北门值守", starts_at=start, hours=4)
    missed = make_shift(tree.community, title="南门值守", starts_at=start - timedelta(days=1))
    make_signup(people.member, came)
    make_signup(people.member, missed, status="no_show")
    attendance = Attendance(
        member_id=people.member.id,
        shift_id=came.id,
        checked_in_at=start - timedelta(minutes=10),
        checked_out_at=start + timedelta(hours=4, minutes=26),
        check_in_method="scan",
        check_out_method="scan",
        credited_minutes=276,  # 15 min before to 30 after: 10 + 240 + 26
    )
    db.session.add(attendance)
    db.session.flush()
    credit_service(attendance, now=utcnow())
    html = login(people.member).get("/shifts/mine").get_data(as_text=True)
    rows = dict(re.findall(r'>(北门值守|南门值守)</a>.*?data-test="(past-[\w-]+)"', html, re.S))
    assert rows == {"北门值守": "past-attended", "南门值守": "past-no-show"}
    assert 'data-test="past-credited">计入 4 小时 36 分钟<' in html
    assert "15 分钟" in html and "30 分钟" in html  # the credit window, from the settings


def test_the_hours_page_explains_the_credit_window(people, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "GRACE_AFTER_MIN", 20)
    html = login(people.member).get("/hours").get_data(as_text=True)
    window = re.search(r'data-test="credit-window">(.*?)</p>', html, re.S).group(1)
    assert "15 分钟" in window and "20 分钟" in window and "4 小时 35 分钟" in window
