"""A party member names their branch on their profile (the searchable select), the branch's
secretary confirms it on the checks page, the member sees it confirmed; the secretary
writes the organisation's comment on an annual sheet and the member reads it in the
report (phone, Chinese)."""

import pytest
from playwright.sync_api import expect

from timebank.core.clock import utcnow
from timebank.party import checks

from .. import factories
from ..party.conftest import join, make_org, make_secretary
from ..party.records import item
from .test_journey_home import signed_in
from .test_journey_members import sign_in


@pytest.fixture
def tree_of_branches(live, committed):
    tree = factories.make_tree()
    committee = make_org("P-NS", "committee", name="南沙区委")
    general = make_org("P-HG", "general_branch", committee, name="黄阁镇党总支")
    old = make_org("P-HG-1", "branch", general, name="金洲社区党支部")
    new = make_org("P-HG-2", "branch", general, field="soe", name="黄阁国企第一党支部")
    make_org("P-HG-3", "branch", general, name="麒麟社区党支部")
    secretary = factories.make_member(tree.community, name="国企支部书记")
    make_secretary(secretary, new)
    member = factories.make_member(tree.community, name="王小明")
    join(member, old)
    committed.session.commit()
    return {"secretary": secretary, "member": member, "old": old, "new": new}


def _signed_in(phone, live, who):
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, who.phone, factories.PASSWORD)
    return page


@pytest.mark.e2e
def test_a_member_names_a_branch_and_the_secretary_confirms(live, tree_of_branches, phone, shot):
    t = tree_of_branches
    page = _signed_in(phone, live, t["member"])
    page.goto(f"{live}/members/{t['member'].id}")
    panel = page.locator('[data-test="branch-panel"]')
    expect(panel.locator('[data-test="branch-confirmed"]')).to_have_text("金洲社区党支部")
    panel.locator('[data-test="select-search"]').fill("国企")
    select = panel.locator("select")
    expect(select.locator("option")).to_have_count(2)  # the empty choice and the match
    select.select_option(label="黄阁国企第一党支部")
    panel.scroll_into_view_if_needed()
    shot(page, "profile-branch-select")
    panel.locator('[data-test="branch-submit"]').click()
    expect(page.locator('[data-test="branch-pending"]')).to_contain_text("黄阁国企第一党支部")

    secretary = _signed_in(phone, live, t["secretary"])
    secretary.goto(f"{live}/party/checks")
    requests = secretary.locator('[data-test="branch-requests"]')
    expect(requests).to_contain_text("王小明")
    shot(secretary, "secretary-branch-requests")
    requests.locator('[data-test^="branch-confirm-"]').click()
    expect(secretary.locator(".alert-success")).to_be_visible()
    expect(secretary.locator('[data-test="branch-requests"]')).to_have_count(0)

    page.goto(f"{live}/members/{t['member'].id}")
    expect(page.locator('[data-test="branch-confirmed"]')).to_have_text("黄阁国企第一党支部")
    page.goto(f"{live}/inbox")
    expect(page.locator("body")).to_contain_text("组织关系已确认")
    shot(page, "member-told")


@pytest.mark.e2e
def test_the_secretary_comments_the_annual_sheet(live, tree_of_branches, phone, shot, committed):
    t = tree_of_branches
    item("C-M01", 2, text="创新履职不够，服务群众方法单一")
    member = t["member"]
    make_secretary(t["secretary"], t["old"])
    found, _ = checks.open_check(t["secretary"], t["old"], "2026", now=utcnow())
    committed.session.commit()
    secretary = _signed_in(phone, live, t["secretary"])
    secretary.goto(f"{live}/party/checks/{found.id}/members/{member.id}")
    comment = "该同志服务群众热情，理论学习较主动；今后要更多参加组织生活，" * 2
    secretary.locator('[data-test="org-comment-input"]').fill(comment)
    secretary.locator('[data-test="save-comment"]').click()
    expect(secretary.locator(".alert-success")).to_be_visible()
    shot(secretary, "secretary-comment")
    secretary.locator('[data-test="finalise"]').click()
    expect(secretary.locator('[data-test="org-comment"]')).to_contain_text("组织生活")

    page = _signed_in(phone, live, t["member"])
    page.goto(f"{live}/party/checks/{found.id}/members/{member.id}/report")
    expect(page.locator('[data-test="org-comment"]')).to_contain_text("组织评语：该同志")
    shot(page, "member-report-comment")


@pytest.mark.e2e
def test_the_branch_pages_in_english(live, tree_of_branches, phone, shot):
    t = tree_of_branches
    page = signed_in(phone, live, t["member"].phone, "en")
    page.goto(f"{live}/members/{t['member'].id}")
    panel = page.locator('[data-test="branch-panel"]')
    expect(panel).to_contain_text("My party branch")
    panel.locator("select").select_option(label="黄阁国企第一党支部")
    panel.locator('[data-test="branch-submit"]').click()
    expect(page.locator(".alert-success")).to_contain_text("secretary will confirm")
    expect(page.locator('[data-test="branch-pending"]')).to_contain_text(
        "Waiting for the secretary"
    )
    shot(page, "en-profile-pending")
    secretary = signed_in(phone, live, t["secretary"].phone, "en")
    secretary.goto(f"{live}/party/checks")
    requests = secretary.locator('[data-test="branch-requests"]')
    expect(secretary.locator("#branch-requests")).to_contain_text("Branch requests to confirm")
    expect(requests).to_contain_text("Now in 金洲社区党支部")
    requests.locator('[data-test^="branch-refuse-"]').click()
    expect(secretary.locator(".alert-danger")).to_be_visible()  # a refusal needs a reason
    requests.locator('[data-test^="branch-reason-"]').fill("Not a member of this branch")
    requests.locator('[data-test^="branch-refuse-"]').click()
    expect(secretary.locator(".alert-success")).to_contain_text("refused")
    shot(secretary, "en-secretary-refused")
    page.goto(f"{live}/members/{t['member'].id}")
    expect(page.locator('[data-test="branch-refused"]')).to_contain_text("Not a member of this")
