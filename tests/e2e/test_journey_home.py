"""Each role's home page on a phone, in Chinese and in English: the first screen starts
that role's job (issue 17). Screenshots go to tests/screenshots/ as home-<lang>-<role>."""

import pytest
from playwright.sync_api import expect

from .. import factories
from .homes import seed_homes
from .test_journey_members import sign_in

ROLES = ("member", "staff", "coordinator", "organiser", "several")


@pytest.fixture
def homes(live, committed):
    return seed_homes(committed)


def _home(phone, live, who, locale):
    page = phone(locale).new_page()
    page.goto(live + "/login")
    sign_in(page, live, who, factories.PASSWORD)
    if locale == "en":
        page.locator('[data-test="lang-en"]').first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_home_page_of_each_role(live, homes, phone, shot, locale):
    for role in ROLES:
        page = _home(phone, live, getattr(homes, role), locale)
        shot(page, f"{role}")
