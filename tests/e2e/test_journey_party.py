"""A secretary opens the mid-year check, a member self-assesses, the secretary reviews and
finalises, the member reads the notice and acknowledges it (phone, Chinese)."""

import pytest
from playwright.sync_api import expect

from timebank.core.clock import utcnow
from timebank.party import checks, sheets

from .. import factories
from ..party.conftest import join, make_org, make_secretary
from ..party.records import item
from .test_journey_members import sign_in


@pytest.fixture
def branch(live, committed):
    tree = factories.make_tree()
    committee = make_org("P-NS", "committee", name="南沙区委")
    org = make_org("P-HG-1", "branch", committee, name="金洲社区党支部")
    secretary = factories.make_member(tree.community, name="支部书记")
    member = factories.make_member(tree.community, name="王小明")
    make_secretary(secretary, org)
    join(member, org)
    item("C-M01", 2, text="创新履职不够，服务群众方法单一")
    item("C-M06", 3, "lectures_attended_below", 2, text="部署基层学，自己不主动学")
    item("C-M02", 2, "service_minutes_below", 600, text="半年服务不足10小时")
    committed.session.commit()
    seeded = {"secretary": secretary, "member": member, "org": org}
    return seeded


@pytest.mark.e2e
def test_the_211_loop_on_a_phone(live, branch, phone, shot, committed):
    found, _ = checks.open_check(branch["secretary"], branch["org"], "2026H1", now=utcnow())
    committed.session.commit()
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, branch["member"].phone, factories.PASSWORD)
    page.goto(f"{live}/party/checks/{found.id}/me")
    expect(page.locator("h1")).to_contain_text("党性体检")
    expect(page.locator('[data-test="item-C-M02"] [data-test="auto"]')).to_be_visible()
    page.locator("#item-C-M01").check()
    page.locator("#note").fill("服务方法要创新")
    shot(page, "member-self-assessment")
    page.locator('[data-test="save-self"]').click()
    expect(page.locator(".alert-success")).to_be_visible()

    secretary = phone().new_page()
    secretary.goto(live + "/login")
    sign_in(secretary, live, branch["secretary"].phone, factories.PASSWORD)
    secretary.goto(f"{live}/party/checks")
    secretary.locator(f'[data-test="check-{found.id}"] a').click()
    secretary.locator(f'[data-test="review-{branch["member"].id}"]').click()
    for code, reason in (("C-M01", "本人认可"), ("C-M02", "半年服务不足")):
        secretary.locator(f'[data-test="decide-{code}"]').select_option("confirm")
        secretary.locator(f'[data-test="reason-{code}"]').fill(reason)
    shot(secretary, "secretary-review")
    secretary.locator('[data-test="save-review"]').click()
    expect(secretary.locator(".alert-success")).to_be_visible()
    secretary.locator('[data-test="finalise"]').click()
    expect(secretary.locator('[data-test="score"]')).to_contain_text("96")
    shot(secretary, "secretary-finalised")

    page.goto(f"{live}/party/checks/{found.id}/me")
    expect(page.locator('[data-test="score"]')).to_have_text("96")
    page.locator("#rectification").fill("每月到社区服务两次")
    page.locator('[data-test="acknowledge"]').click()
    expect(page.locator('[data-test="acknowledged"]')).to_be_visible()
    shot(page, "member-notice-acknowledged")

    secretary.goto(f"{live}/party/checks/{found.id}")
    expect(secretary.locator(f'[data-test="sheet-{branch["member"].id}"]')).to_contain_text("96")
    shot(secretary, "secretary-check-page")


@pytest.mark.e2e
def test_the_annual_report_on_a_phone(live, branch, phone, shot, committed):
    for period in ("2026H1", "2026"):
        found, _ = checks.open_check(branch["secretary"], branch["org"], period, now=utcnow())
        sheet = sheets.find_sheet(found.id, branch["member"].id)
        decision = {"code": "C-M01", "confirm": True, "reason": "本人认可"}
        sheets.review(branch["secretary"], sheet, now=utcnow(), decisions=[decision])
        sheets.finalise(branch["secretary"], sheet, now=utcnow())
    committed.session.commit()
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, branch["member"].phone, factories.PASSWORD)
    page.goto(f"{live}/party/checks/{found.id}/me")
    page.locator('[data-test="report"]').click()
    expect(page.locator('[data-test="score"]')).to_contain_text("得分：98")
    shot(page, "annual-report")
