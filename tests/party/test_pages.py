"""The member's sheet page: self-assessment, the notice and its acknowledgement."""

from tests.party.records import item
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.party import checks, sheets


def test_member_fills_in_and_acknowledges_on_the_page(party, people, login):
    item("M-STUDY", 3, text="理论学习不主动")
    found, _ = checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    client = login(people.member)
    page = client.get(f"/party/checks/{found.id}/me")
    assert page.status_code == 200 and "理论学习不主动" in page.get_data(as_text=True)
    r = client.post(f"/party/checks/{found.id}/me", data={"items": ["M-STUDY"], "note": "自查"})
    assert r.status_code == 302
    sheet = sheets.find_sheet(found.id, people.member.id)
    db.session.refresh(sheet)
    assert sheet.status == "self_assessed" and sheet.items[0].self_
    sheets.review(
        party.secretary,
        sheet,
        decisions=[{"code": "M-STUDY", "confirm": True, "reason": "属实"}],
        now=utcnow(),
    )
    sheets.finalise(party.secretary, sheet, now=utcnow())
    html = client.get(f"/party/checks/{found.id}/me").get_data(as_text=True)
    assert "问题提醒通知单" in html and 'data-test="score">97<' in html
    r = client.post(f"/party/checks/{found.id}/me/acknowledge", data={"rectification": "已整改"})
    assert r.status_code == 302
    db.session.refresh(sheet)
    assert sheet.acknowledged_at is not None and sheet.rectification == "已整改"


def test_others_cannot_open_a_members_sheet_page(party, people, login):
    found, _ = checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    assert login(people.coordinator).get(f"/party/checks/{found.id}/me").status_code == 404
