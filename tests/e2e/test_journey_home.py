"""Each role's home page on a phone, in Chinese and in English: its first screen (390×844)
starts that role's job (issue 17). Screenshots of the first screen go to
tests/screenshots/ as home-<lang>-<role>.png (tools/contact_sheet.py lays them out)."""

import pytest
from playwright.sync_api import expect

from .. import factories
from .conftest import SCREENSHOTS
from .homes import seed_homes
from .test_journey_members import sign_in

#: What each role must find on its first screen, by data-test.
FIRST_SCREEN = {
    "member": ["home-invitation", "next-shift", "home-qr", "home-balance"],
    "staff": ["home-today-shift", "open-scanner", "scan-shift", "home-qr"],
    "coordinator": ["count-approvals", "count-corrections", "count-reviews", "post-shift"],
    "organiser": ["raise-callout", "home-callout", "home-month"],
    "several": ["home-invitation", "home-today-shift", "count-approvals", "post-shift"],
}
#: Words that must show in each language (and, in Chinese, the English ones must not).
WORDS = {
    "zh-CN": {
        "member": "我的下一个班次",
        "staff": "今日班次",
        "coordinator": "发布班次",
        "organiser": "发起召集",
        "several": "等待您回复",
    },
    "en": {
        "member": "My next shift",
        "staff": "Today's shifts",
        "coordinator": "Post a shift",
        "organiser": "Raise a call-out",
        "several": "Waiting for your answer",
    },
}
VIEWPORT_HEIGHT = 844


@pytest.fixture
def homes(live, committed):
    return seed_homes(committed)


def signed_in(phone, live, who, locale):
    """A phone signed in as `who`, on the home page, in `locale` (zh-CN or en)."""
    page = phone(locale).new_page()
    page.goto(live + "/login")
    sign_in(page, live, who, factories.PASSWORD)
    if locale == "en":
        page.locator('[data-test="lang-en"]').first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


def first_screen_shot(page, name):
    """The phone's first screen only (no scrolling), as a user sees it on opening."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _on_first_screen(page, test):
    element = page.locator(f'[data-test="{test}"]').first
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert box["y"] + box["height"] <= VIEWPORT_HEIGHT, f"{test} is below the first screen"


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_home_page_of_each_role_starts_its_job(live, homes, phone, locale):
    for role, tests in FIRST_SCREEN.items():
        page = signed_in(phone, live, getattr(homes, role), locale)
        for test in tests:
            _on_first_screen(page, test)
        text = page.locator("main").inner_text()
        assert WORDS[locale][role] in text, (role, text[:300])
        if locale == "zh-CN":
            assert WORDS["en"][role] not in text
        first_screen_shot(page, f"home-{locale}-{role}")
        if role == "coordinator":
            counts = [
                page.locator(f'[data-test="count-{q}"]').inner_text()
                for q in ("approvals", "corrections", "reviews")
            ]
            assert counts == ["2", "1", "1"]  # three jobs, three counts
            badges = page.locator('[data-test="nav-badge"]')
            expect(badges).to_have_count(3)  # the menu never adds them into one number
        if role == "member":
            expect(page.locator('[data-test="next-shift"]')).to_contain_text("北门卡口")
            balance = "4 小时 30 分钟" if locale == "zh-CN" else "4 h 30 min"
            expect(page.locator('[data-test="home-balance-value"]')).to_have_text(balance)
        page.context.close()
