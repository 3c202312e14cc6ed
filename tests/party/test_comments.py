"""The organisation's comment (组织评语) on annual sheets: who writes it, when, and where it
shows (the report page, the PDF, the notice)."""

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.party.records import item
from timebank.core.clock import utcnow
from timebank.core.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from timebank.extensions import db
from timebank.notifications.models import Notification
from timebank.notifications.rendering import find_notice, texts
from timebank.party import checks, comments, report, sheets

COMMENT = "该同志理论学习较主动，服务群众热情，今后要加强组织生活参与。"


def _sheet(party, people, period):
    found, _ = checks.open_check(party.secretary, party.branch, period, now=utcnow())
    return found, sheets.find_sheet(found.id, people.member.id)


def _finalise(party, sheet):
    sheets.review(
        party.secretary,
        sheet,
        decisions=[{"code": "M-STUDY", "confirm": True, "reason": "学习记录缺失"}],
        now=utcnow(),
    )
    sheets.finalise(party.secretary, sheet, now=utcnow())


@pytest.fixture
def listed(db):
    item("M-STUDY", 3, text="理论学习不主动")


def test_a_secretary_in_scope_comments_an_annual_sheet(party, people, listed):
    _found, sheet = _sheet(party, people, "2026")
    comments.write_comment(party.committee_secretary, sheet, comment=f"  {COMMENT} ", now=utcnow())
    assert sheet.org_comment == COMMENT and sheet.org_comment_by_id == party.committee_secretary.id
    comments.write_comment(party.secretary, sheet, comment="改写", now=utcnow())
    assert sheet.org_comment == "改写"
    for outsider in (people.member, party.other_secretary, people.admin, people.coordinator):
        with pytest.raises(NotFound):
            comments.write_comment(outsider, sheet, comment="越权", now=utcnow())
    assert sheet.org_comment == "改写"


def test_bad_comments_are_refused(party, people, listed):
    _found, sheet = _sheet(party, people, "2026")
    for bad in ("x" * 1001, "a\x00b", "\ud800"):
        with pytest.raises(ValidationFailed) as raised:
            comments.write_comment(party.secretary, sheet, comment=bad, now=utcnow())
        assert "comment" in raised.value.fields
    assert sheet.org_comment is None


def test_a_mid_year_sheet_takes_no_comment(party, people, listed):
    _found, sheet = _sheet(party, people, "2026H1")
    with pytest.raises(RuleViolation) as raised:
        comments.write_comment(party.secretary, sheet, comment=COMMENT, now=utcnow())
    assert raised.value.code == "annual_only"
    assert sheet.org_comment is None


def test_a_final_sheet_takes_no_comment(party, people, listed):
    _found, sheet = _sheet(party, people, "2026")
    comments.write_comment(party.secretary, sheet, comment=COMMENT, now=utcnow())
    _finalise(party, sheet)
    with pytest.raises(Conflict) as raised:
        comments.write_comment(party.secretary, sheet, comment="改", now=utcnow())
    assert raised.value.code == "already_final"
    db.session.refresh(sheet)
    assert sheet.org_comment == COMMENT


def test_the_comment_is_in_the_notice_the_report_page_and_the_pdf(party, people, listed, login):
    found, sheet = _sheet(party, people, "2026")
    long = COMMENT * 4 + "尾"  # far wider than a line of the PDF
    comments.write_comment(party.secretary, sheet, comment=long, now=utcnow())
    _finalise(party, sheet)
    [notice] = db.session.scalars(
        sa.select(Notification).where(
            Notification.member_id == people.member.id,
            Notification.kind == "party_sheet_finalised_commented",
        )
    )
    _title, body = texts(find_notice(notice.kind), notice.params, "zh_CN")
    assert long in body
    client = login(people.member)
    assert long in client.get(f"/party/checks/{found.id}/me").get_data(as_text=True)
    base = f"/party/checks/{found.id}/members/{people.member.id}/report"
    assert f"组织评语：{long}" in client.get(base).get_data(as_text=True)
    r = client.get(f"{base}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.get_data())).pages)
    flat = text.replace("\n", "").replace(" ", "")
    assert "组织评语：" in text and long in flat  # every character, the tail included


def test_without_a_comment_the_notice_is_the_plain_one(party, people, listed):
    _found, sheet = _sheet(party, people, "2026")
    _finalise(party, sheet)
    kinds = set(
        db.session.scalars(
            sa.select(Notification.kind).where(Notification.member_id == people.member.id)
        )
    )
    assert "party_sheet_finalised" in kinds and "party_sheet_finalised_commented" not in kinds


def test_wrap_fits_the_width_and_keeps_every_character():
    line = "  " + COMMENT * 5
    pieces = report.wrap(line, 11, 495)
    assert len(pieces) > 1
    assert all(stringWidth(p, report.FONT, 11) <= 495 for p in pieces)
    assert "".join(p.strip() for p in pieces) == line.strip()
    assert all(p.startswith("  ") for p in pieces)
    assert report.wrap("一\n二", 11, 495) == ["一", "二"]


def test_the_report_pdf_never_clips_a_long_item(party, people, db, login):
    item("M-LONG", 2, text="长" * 200 + "完")
    found, sheet = _sheet(party, people, "2026")
    sheets.review(
        party.secretary,
        sheet,
        decisions=[{"code": "M-LONG", "confirm": True, "reason": "理由" * 50}],
        now=utcnow(),
    )
    sheets.finalise(party.secretary, sheet, now=utcnow())
    pdf = report.report_pdf(report.report_of(sheet))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "长" * 200 + "完" in text.replace("\n", "").replace(" ", "")


# --- API and the secretary's page ----------------------------------------------------


def test_api_comment(api, party, people, listed):
    found, sheet = _sheet(party, people, "2026")
    url = f"/checks/{found.id}/sheets/{people.member.id}/comment"
    r = api(party.secretary).post(url, json={"comment": COMMENT})
    assert r.status_code == 200 and r.json["org_comment"] == COMMENT
    assert api(people.member).post(url, json={"comment": "我"}).status_code == 403
    assert api(party.other_secretary).post(url, json={"comment": "越权"}).status_code == 404
    r = api(party.secretary).post(url, json={"comment": 5, "bogus": 1})
    assert r.status_code == 422 and {"comment", "bogus"} <= set(r.json["error"]["fields"])
    r = api(people.member).get(f"/checks/{found.id}/sheets/{people.member.id}")
    assert r.json["org_comment"] == COMMENT
    half, _ = _sheet(party, people, "2026H1")
    r = api(party.secretary).post(
        f"/checks/{half.id}/sheets/{people.member.id}/comment", json={"comment": COMMENT}
    )
    assert r.status_code == 422 and r.json["error"]["code"] == "annual_only"
    _finalise(party, sheet)
    r = api(party.secretary).post(url, json={"comment": "改"})
    assert r.status_code == 409 and r.json["error"]["code"] == "already_final"


def test_the_secretary_writes_the_comment_on_the_review_page(party, people, listed, login):
    found, sheet = _sheet(party, people, "2026")
    client = login(party.secretary)
    page = f"/party/checks/{found.id}/members/{people.member.id}"
    assert 'data-test="org-comment-input"' in client.get(page).get_data(as_text=True)
    r = client.post(f"{page}/comment", data={"comment": COMMENT}, follow_redirects=True)
    assert r.status_code == 200 and COMMENT in r.get_data(as_text=True)
    assert sheet.org_comment == COMMENT
    r = login(party.other_secretary).post(f"{page}/comment", data={"comment": "越权"})
    assert r.status_code == 404
    half, _ = _sheet(party, people, "2026H1")
    html = login(party.secretary).get(f"/party/checks/{half.id}/members/{people.member.id}")
    assert 'data-test="org-comment-card"' not in html.get_data(as_text=True)
