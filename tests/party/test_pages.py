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


def test_secretary_sees_the_check_and_exports_results_others_do_not(party, people, login):
    import csv
    import io

    import openpyxl

    item("M-STUDY", 3, text="=理论学习不主动")
    found, _ = checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    sheet = sheets.find_sheet(found.id, people.member.id)
    sheets.review(
        party.secretary,
        sheet,
        decisions=[{"code": "M-STUDY", "confirm": True, "reason": "属实"}],
        now=utcnow(),
    )
    sheets.finalise(party.secretary, sheet, now=utcnow())
    people.member.name = "=HYPERLINK(1)"
    db.session.flush()
    client = login(party.secretary)
    html = client.get(f"/party/checks/{found.id}").get_data(as_text=True)
    assert "金洲社区" in html and 'data-test="grades"' in html
    body = client.get(f"/party/checks/{found.id}/results.csv", buffered=True).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0][-7:] == [
        "民主评议党员",
        "组织生活会",
        "民主生活会",
        "年度评先评优",
        "绩效考核",
        "选拔任用",
        "谈心谈话",
    ]
    mine = [line for line in lines if line[5] == "M-STUDY"][0]
    assert mine[0] == "'=HYPERLINK(1)" and mine[3] == "97"
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/party/checks/{found.id}/results.xlsx").get_data())
    )
    assert book.worksheets[0].max_row == 3
    cells = [row[0] for row in book.worksheets[0].iter_rows(min_row=2)]
    hostile = [c for c in cells if c.value == "=HYPERLINK(1)"]
    assert len(hostile) == 1 and hostile[0].data_type == "s"  # text, without the apostrophe
    for outsider in (
        people.coordinator,
        people.organiser,
        people.admin,
        people.member,
        party.other_secretary,
    ):
        c = login(outsider)
        for path in ("", "/results.csv", "/results.xlsx"):
            r = c.get(f"/party/checks/{found.id}{path}", buffered=True)
            assert r.status_code == 404, outsider.name


def test_the_coordinator_sees_the_members_branch_not_the_sheet(party, people, login):
    html = login(people.coordinator).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="party-branch">金洲社区党支部<' in html
