"""An organisation's own sheet on a phone: the branch's secretary self-assesses against the
organisation list, the committee's secretary reviews and finalises, the branch's secretary
reads the notice and acknowledges it; then the learning coverage page (Chinese)."""

import pytest
from playwright.sync_api import expect

from timebank.core.clock import utcnow
from timebank.party import checks, sheets

from .. import factories
from ..party.conftest import join, make_org, make_secretary
from ..party.records import item
from .test_journey_members import sign_in


@pytest.fixture
def tree_of_two(live, committed):
    tree = factories.make_tree()
    committee = make_org("P-NS", "committee", name="南沙区委")
    branch = make_org("P-HG-1", "branch", committee, name="金洲社区党支部")
    secretary = factories.make_member(tree.community, name="支部书记")
    above = factories.make_member(tree.community, name="区委书记")
    make_secretary(secretary, branch)
    make_secretary(above, committee)
    join(factories.make_member(tree.community, name="王小明"), branch)
    item("C-O01", 3, target="organisation", text="社区讲学所当月未开讲")
    item("C-O03", 3, "events_handled_below", 1, target="organisation", text="党员接办事件少")
    committed.session.commit()
    return {"committee": committee, "branch": branch, "secretary": secretary, "above": above}


def _signed_in(phone, live, member):
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, member.phone, factories.PASSWORD)
    return page


@pytest.mark.e2e
def test_an_organisations_sheet_on_a_phone(live, tree_of_two, phone, shot, committed):
    t = tree_of_two
    found, _ = checks.open_check(t["above"], t["committee"], "2026H1", now=utcnow())
    sheet_id = sheets.find_org_sheet(found.id, t["branch"].id).id
    committed.session.commit()  # and no transaction left open while the browser writes

    own = _signed_in(phone, live, t["secretary"])
    own.goto(f"{live}/party/organisations")
    own.locator(f'[data-test="org-sheet-{sheet_id}"] a').click()
    expect(own.locator('[data-test="item-C-O03"] [data-test="auto"]')).to_be_visible()
    own.locator("#item-C-O01").check()
    own.locator("#note").fill("三月讲学所停讲")
    shot(own, "org-self-assessment")
    own.locator('[data-test="save-self"]').click()
    expect(own.locator(".alert-success")).to_be_visible()

    above = _signed_in(phone, live, t["above"])
    above.goto(f"{live}/party/org-sheets/{sheet_id}")
    expect(above.locator('[data-test="note"]')).to_have_text("三月讲学所停讲")
    above.locator('[data-test="decide-C-O01"]').select_option("confirm")
    above.locator('[data-test="reason-C-O01"]').fill("记录属实")
    above.locator('[data-test="save-review"]').click()
    expect(above.locator(".alert-success")).to_be_visible()
    above.locator('[data-test="finalise"]').click()
    expect(above.locator('[data-test="score"]')).to_contain_text("97")
    shot(above, "org-finalised")

    own.goto(f"{live}/party/org-sheets/{sheet_id}")
    own.locator("#rectification").fill("恢复每月开讲")
    own.locator('[data-test="acknowledge"]').click()
    expect(own.locator('[data-test="acknowledged"]')).to_be_visible()
    shot(own, "org-notice-acknowledged")

    above.goto(f"{live}/party/coverage?month=2026-13")
    expect(above.locator('[data-test="month-error"]')).to_be_visible()
    above.goto(f"{live}/party/coverage")
    expect(above.locator('[data-test="no-study"]')).to_be_visible()
    shot(above, "coverage")
