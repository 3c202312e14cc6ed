"""A member's first journey on a phone: register, wait, get approved, sign in again.

Run once in Chinese (the default) and once in English after the language switch. Every
step checks the page language and a piece of visible text in that language, and saves a
screenshot to tests/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from timebank.auth.models import Role

from .. import factories

PASSWORD = "journey2024"
NEW_MEMBER = {"name": "陈志远", "phone": "13912345678"}

#: Per language: the <html lang>, then per step the words of which one must be visible.
#: The Chinese words are loose on purpose (several fair translations of one English text);
#: in Chinese the English text of the step must not be visible.
LANGUAGES = {
    "zh_CN": {
        "html": "zh-CN",
        "home": ["登录"],
        "register": ["报到", "注册"],
        "pending": ["审核", "批准", "协调员"],
        "login": ["登录"],
        "pending_list": ["待审核", "审核", "批准"],
        "approved": ["批准", "通过", "审核"],
        "signed_out": ["退出", "登出", "注销"],
        "active": ["正常", "活跃", "激活", "有效", "在册", "已批准", "已通过", "已审核"],
    },
    "en": {
        "html": "en",
        "home": ["Sign in"],
        "register": ["Report to a community"],
        "pending": ["coordinator"],
        "login": ["Sign in"],
        "pending_list": ["Waiting for approval"],
        "approved": ["is approved"],
        "signed_out": ["signed out"],
        "active": ["Active"],
    },
}


def check_language(page, lang, step, where="body"):
    """The page is in `lang`, and `where` shows one of the words expected for `step`."""
    expected = LANGUAGES[lang]
    expect(page.locator("html")).to_have_attribute("lang", expected["html"])
    text = page.locator(where).first.inner_text()
    assert any(word in text for word in expected[step]), (
        f"{step}: none of {expected[step]} in {where!r}: {text[:400]!r}"
    )
    if lang != "en":
        english = LANGUAGES["en"][step]
        assert not any(word in text for word in english), (
            f"{step}: untranslated {english} in {where!r}: {text[:400]!r}"
        )


def switch_language(page, lang):
    """Chinese is the default; English is one click on the switch of any page."""
    if lang == "en":
        page.locator('[data-test="lang-en"]').click()
        # The page comes back with the switch pointing the other way.
        expect(page.locator('[data-test="lang-en"]')).to_have_count(0)
        expect(page.locator('[data-test="lang-zh_CN"]')).to_be_visible()


def sign_in(page, base, phone, password):
    page.locator("#phone").fill(phone)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    expect(page).to_have_url(base + "/")


def sign_out(page):
    """Open the collapsed navbar (phone width) and the user menu, then sign out."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # wait for the collapse to finish opening: a click on the user menu while it is
        # still animating can be lost (seen on a slow machine), leaving the menu closed
        expect(page.locator(".navbar-collapse.show")).to_be_visible()
        expect(page.locator(".navbar-collapse.collapsing")).to_have_count(0)
    menu = page.locator('[data-test="user-menu"]')
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.locator('[data-test="logout"]').click()


@pytest.fixture
def community(live, committed):
    """A tree and the coordinator of its community, committed for the live server."""
    tree = factories.make_tree()
    coordinator = factories.make_member(
        tree.community, name="社区协调员", roles=[(Role.COORDINATOR, tree.community)]
    )
    seeded = {
        "id": tree.community.id,
        "name": tree.community.name,
        "coordinator_phone": coordinator.phone,
    }
    committed.session.commit()
    committed.session.remove()  # hold no transaction (nor SQLite lock) while pages run
    return seeded


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_member_registers_is_approved_and_signs_in_again(live, community, phone, shot, lang):
    member = phone().new_page()

    # A visitor opens the home page (and switches the language).
    member.goto(live + "/")
    switch_language(member, lang)
    check_language(member, lang, "home")
    shot(member, "home")

    # ... registers and reports to the community ...
    member.locator('[data-test="register-link"]').click()
    expect(member).to_have_url(live + "/register")
    check_language(member, lang, "register")
    member.locator("#name").fill(NEW_MEMBER["name"])
    member.locator("#phone").fill(NEW_MEMBER["phone"])
    member.locator("#password").fill(PASSWORD)
    member.locator("#confirm").fill(PASSWORD)
    member.locator("#community_id").select_option(str(community["id"]))
    member.locator('input[name="skills"][value="medical"]').check()
    member.locator('input[name="skills"][value="driving"]').check()
    shot(member, "register")
    member.locator("#submit").click()

    # ... and lands on the home page, signed in, with a notice that approval is pending.
    expect(member).to_have_url(live + "/")
    notice = member.locator('[data-test="pending-notice"]')
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(community["name"])
    check_language(member, lang, "pending", where='[data-test="pending-notice"]')
    shot(member, "pending-notice")

    # The coordinator of that community signs in on another phone ...
    coordinator = phone().new_page()
    coordinator.goto(live + "/login")
    switch_language(coordinator, lang)
    check_language(coordinator, lang, "login")
    shot(coordinator, "coordinator-login")
    sign_in(coordinator, live, community["coordinator_phone"], factories.PASSWORD)

    # ... opens the pending list and approves the new member.
    coordinator.locator('[data-test="queue-approvals"]').click()
    expect(coordinator).to_have_url(live + "/members/pending")
    check_language(coordinator, lang, "pending_list", where="h1")
    row = coordinator.locator('[data-test="pending-row"]', has_text=NEW_MEMBER["name"])
    expect(row).to_have_count(1)
    shot(coordinator, "pending-list")
    approve = row.locator('[data-test^="approve-"]')
    assert re.fullmatch(r"approve-\d+", approve.get_attribute("data-test"))
    approve.click()
    expect(coordinator.locator('[data-test="pending-row"]')).to_have_count(0)
    check_language(coordinator, lang, "approved", where=".alert-success")
    shot(coordinator, "approved")

    # The member signs out and in again, and sees their profile as active.
    member.reload()
    expect(member.locator('[data-test="pending-notice"]')).to_have_count(0)
    sign_out(member)
    expect(member).to_have_url(live + "/login")
    check_language(member, lang, "signed_out", where=".alert")
    shot(member, "signed-out")
    sign_in(member, live, NEW_MEMBER["phone"], PASSWORD)
    member.goto(live + "/members/me")
    expect(member).to_have_url(re.compile(re.escape(live) + r"/members/\d+$"))
    status = member.locator('[data-test="member-status"]')
    expect(status).to_have_class(re.compile(r"\btext-bg-success\b"))
    check_language(member, lang, "active", where='[data-test="member-status"]')
    expect(member.locator("h1")).to_have_text(NEW_MEMBER["name"])
    shot(member, "profile")
