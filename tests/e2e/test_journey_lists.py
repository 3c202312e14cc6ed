"""Lists at district scale on a phone, in Chinese and English: the board's pages, "load
more" and search; the audit log in words with its filters."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from timebank.auth.models import Role
from timebank.core.clock import utcnow
from timebank.ledger.services import adjust
from timebank.members.services import approve_member, suspend_member

from .test_journey_home import signed_in


@pytest.fixture
def lists(live, committed):
    tree = factories.make_tree()
    member = factories.make_member(tree.community, name="党员志愿者")
    organiser = factories.make_member(
        tree.town, name="镇组织员", roles=[(Role.ORGANISER, tree.town)]
    )
    coordinator = factories.make_member(
        tree.community, name="社区协调员", roles=[(Role.COORDINATOR, tree.community)]
    )
    gate = factories.make_checkpoint(tree.community, name="北门卡口")
    for i in range(20):
        factories.make_shift(
            tree.community,
            title="北门值守",
            checkpoint=gate,
            starts_at=utcnow() + timedelta(hours=3 + 5 * i),
        )
    for i in range(12):
        factories.make_shift(
            tree.sibling,
            title="反诈宣传",
            kind="outreach",
            starts_at=utcnow() + timedelta(hours=4 + 7 * i),
        )
    first = factories.make_shift(
        tree.community, title="北门早班", checkpoint=gate, starts_at=utcnow() + timedelta(hours=1)
    )
    for i, name in enumerate(["王小明", "李建国", "陈丽华", "赵子龙"]):
        volunteer = factories.make_member(tree.community, name=name)
        factories.make_signup(volunteer, first)
        adjust(coordinator, volunteer, minutes=90 + 45 * i, reason="补录", now=utcnow())
    pending = factories.make_member(tree.community, name="新申请人", status="pending")
    approve_member(coordinator, pending)
    suspend_member(
        coordinator, factories.make_member(tree.community, name="违规成员"), reason="多次无故缺席"
    )
    committed.session.commit()
    committed.session.remove()
    return {
        "member": member.phone,
        "organiser": organiser.phone,
        "coordinator": coordinator.phone,
        "shift": first.id,
        "community": tree.community.id,
    }


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_board_pages_and_audit_log_on_a_phone(live, lists, phone, shot, locale):
    lang = "zh" if locale == "zh-CN" else "en"
    page = signed_in(phone, live, lists["member"], locale)
    page.goto(live + "/shifts/")
    cards = page.locator('[data-test="shift-card"]')
    expect(cards).to_have_count(25)
    shot(page, f"board-{lang}")
    page.locator("[data-load-more]").click()
    expect(cards).to_have_count(33)
    expect(page.locator("[data-load-more]")).to_have_count(0)
    # The community select narrows as one types, keeping its town groups.
    search = page.locator('[data-test="select-search"]')
    search.fill("黄阁社")
    options = page.locator("#community_id option")
    expect(options).to_have_count(2)  # "all communities" and 黄阁社区
    expect(page.locator("#community_id optgroup")).to_have_count(1)
    search.fill("")
    page.locator('[data-test="board-search"]').fill("反诈")
    page.locator('[data-test="board-filters"] button[type=submit]').click()
    expect(cards).to_have_count(12)
    shot(page, f"board-search-{lang}")

    page = signed_in(phone, live, lists["organiser"], locale)
    page.goto(live + "/admin/audit")
    rows = page.locator('[data-test="audit-row"]')
    expect(rows).to_have_count(6)  # 4 hour adjustments, an approval, a suspension
    words = "停用了成员" if lang == "zh" else "Suspended a member"
    expect(rows.first).to_contain_text(words)
    expect(rows.first).to_contain_text("违规成员")
    shot(page, f"audit-{lang}")
    page.locator("#action").select_option("member.approve")
    page.locator('[data-test="audit-filters"] button[type=submit]').click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("新申请人")
    shot(page, f"audit-filtered-{lang}")


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_roster_cards_and_ranking_pages_on_a_phone(live, lists, phone, shot, locale):
    lang = "zh" if locale == "zh-CN" else "en"
    page = signed_in(phone, live, lists["coordinator"], locale)
    page.goto(live + f"/shifts/{lists['shift']}/roster")
    row = page.locator('[data-test="roster"] tbody tr').first
    expect(row).to_contain_text("王小明")
    box = row.bounding_box()
    assert box["height"] > 60  # a card: the cells stack
    name = row.locator(".tb-roster-name").bounding_box()
    assert name["width"] > 150  # the name on one line, not a character a line
    shot(page, f"roster-{lang}")
    page.goto(live + f"/rankings?by=member&period=month&unit_id={lists['community']}&limit=all")
    expect(page.locator("main")).to_contain_text("赵子龙")
    shot(page, f"rankings-{lang}")
