"""The command centre on a phone, in Chinese and English: an event reported while the page
is open shows in its counts without a reload (screenshots command-<lang>.png)."""

import pytest
from playwright.sync_api import expect

from .. import factories
from ..dispatch.conftest import make_world
from .conftest import SCREENSHOTS
from .test_journey_members import sign_in


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_command_centre_follows_a_new_event_without_a_reload(live, committed, phone, locale):
    tree = factories.make_tree()
    people = factories.make_people(tree)
    world = make_world(tree, people)
    committed.session.commit()
    page = phone(locale).new_page()
    page.goto(live + "/login")
    sign_in(page, live, people.admin.phone, factories.PASSWORD)
    if locale == "en":
        page.locator('[data-test="lang-en"]').first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live + "/command")
    count = page.locator('[data-test="count-reported"]')
    expect(count).to_have_text("0")
    url = page.url
    world.report()
    committed.session.commit()
    expect(count).to_have_text("1", timeout=15_000)  # polled every 5 s
    assert page.url == url
    expect(page.locator('[data-field="closed_of"]')).to_contain_text("1")
    title = "指挥中心" if locale == "zh-CN" else "Command centre"
    assert title in page.locator("main").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"command-{locale}.png"))
