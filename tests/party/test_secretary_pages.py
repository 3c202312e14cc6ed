"""The secretary's pages: the list of checks, a member's sheet with review and finalise."""

from tests.party.records import item
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.party import checks, sheets
from timebank.party.models import SheetReview


def _open(party):
    item("M-STUDY", 3, text="理论学习不主动")
    item("M-STYLE", 2, text="作风不实")
    found, _ = checks.open_check(party.secretary, party.branch, "2026H1", now=utcnow())
    return found


def test_the_list_shows_the_checks_in_scope_only(party, people, login):
    found = _open(party)
    html = login(party.secretary).get("/party/checks").get_data(as_text=True)
    assert f'data-test="check-{found.id}"' in html and "已定稿0/2份" in html
    committee = login(party.committee_secretary).get("/party/checks").get_data(as_text=True)
    assert f'data-test="check-{found.id}"' in committee
    other = login(party.other_secretary).get("/party/checks").get_data(as_text=True)
    assert f'data-test="check-{found.id}"' not in other
    for outsider in (people.member, people.coordinator, people.organiser, people.admin):
        assert login(outsider).get("/party/checks").status_code == 404, outsider.name


def test_the_secretary_reviews_with_reasons_and_finalises(party, people, login):
    found = _open(party)
    client = login(party.secretary)
    url = f"/party/checks/{found.id}/members/{people.member.id}"
    page = client.get(url).get_data(as_text=True)
    assert "理论学习不主动" in page and 'data-test="finalise"' in page
    r = client.post(
        url, data={"d_M-STUDY": "confirm", "r_M-STUDY": "学习记录缺失", "d_M-STYLE": ""}
    )
    assert r.status_code == 302
    sheet = sheets.find_sheet(found.id, people.member.id)
    db.session.refresh(sheet)
    decided = {i.code: (i.decision, i.reason) for i in sheet.items}
    assert decided == {"M-STUDY": ("confirmed", "学习记录缺失"), "M-STYLE": (None, None)}
    assert sheet.status == "reviewed"
    assert client.post(f"{url}/finalise").status_code == 302
    db.session.refresh(sheet)
    assert sheet.status == "final" and sheet.score == 97
    html = client.get(url).get_data(as_text=True)
    assert 'data-test="finalise"' not in html and "学习记录缺失" in html
    again = client.post(f"{url}/finalise", follow_redirects=True).get_data(as_text=True)
    assert "这份体检表已定稿。" in again


def test_a_correction_of_a_final_sheet_needs_a_reason_and_keeps_the_sheet(party, people, login):
    found = _open(party)
    sheet = sheets.find_sheet(found.id, people.member.id)
    sheets.finalise(party.secretary, sheet, now=utcnow())
    db.session.commit()
    client = login(party.secretary)
    url = f"/party/checks/{found.id}/members/{people.member.id}"
    r = client.post(url, data={"d_M-STUDY": "confirm", "r_M-STUDY": ""})
    assert r.status_code == 200 and "is-invalid" in r.get_data(as_text=True)
    assert db.session.query(SheetReview).count() == 0
    r = client.post(url, data={"d_M-STUDY": "confirm", "r_M-STUDY": "补充认定"})
    assert r.status_code == 302
    db.session.refresh(sheet)
    assert sheet.score == 100 and all(i.decision == "dropped" for i in sheet.items)
    review = db.session.query(SheetReview).one()
    assert review.correction and review.reason == "补充认定"


def test_nobody_else_reaches_the_review_page(party, people, login):
    found = _open(party)
    url = f"/party/checks/{found.id}/members/{people.member.id}"
    for outsider in (
        people.member,
        people.coordinator,
        people.organiser,
        people.admin,
        party.other_secretary,
    ):
        c = login(outsider)
        assert c.get(url).status_code == 404, outsider.name
        assert c.post(url, data={"d_M-STUDY": "confirm", "r_M-STUDY": "x"}).status_code == 404
        assert c.post(f"{url}/finalise").status_code == 404
    sheet = sheets.find_sheet(found.id, people.member.id)
    db.session.refresh(sheet)
    assert sheet.status == "draft" and db.session.query(SheetReview).count() == 0
