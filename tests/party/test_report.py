"""The annual check report: the printable page and the Chinese PDF (text extracted back)."""

import io

from pypdf import PdfReader

from tests.party.records import item
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.party import checks, sheets


def _final(party, people, period):
    found, _ = checks.open_check(party.secretary, party.branch, period, now=utcnow())
    sheet = sheets.find_sheet(found.id, people.member.id)
    sheets.review(
        party.secretary,
        sheet,
        decisions=[{"code": "M-STUDY", "confirm": True, "reason": "学习记录缺失"}],
        now=utcnow(),
    )
    sheets.finalise(party.secretary, sheet, now=utcnow())
    return found, sheet


def test_the_annual_report_page_and_pdf_carry_the_chinese_text(party, people, login):
    item("M-STUDY", 3, text="理论学习不主动")
    _final(party, people, "2026H1")
    found, sheet = _final(party, people, "2026")
    sheets.acknowledge(people.member, sheet, rectification="每月参加讲学", now=utcnow())
    db.session.flush()
    client = login(people.member)
    base = f"/party/checks/{found.id}/members/{people.member.id}/report"
    assert 'data-test="report"' in client.get(f"/party/checks/{found.id}/me").get_data(as_text=True)
    html = client.get(base).get_data(as_text=True)
    assert "2026年度党性体检报告" in html and "上半年" in html and "得分：97" in html
    r = client.get(f"{base}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.get_data())).pages)
    for words in ("2026年度党性体检报告", "理论学习不主动", "学习记录缺失", "等次：好", "上半年"):
        assert words in text, words
    assert login(party.secretary).get(f"{base}.pdf").status_code == 200


def test_no_report_for_a_half_year_check_or_for_outsiders(party, people, login):
    item("M-STUDY", 3, text="理论学习不主动")
    half, _ = _final(party, people, "2026H1")
    url = f"/party/checks/{half.id}/members/{people.member.id}/report"
    assert login(people.member).get(url).status_code == 404
    found, _ = _final(party, people, "2026")
    url = f"/party/checks/{found.id}/members/{people.member.id}/report.pdf"
    for outsider in (people.coordinator, people.organiser, people.admin, party.other_secretary):
        assert login(outsider).get(url).status_code == 404, outsider.name
