"""A coordinator finds the texts the time bank could not read, on a phone, in Chinese and
in English, and marks one dealt with (SPEC 9: no unclear answer is lost)."""

import pytest
from playwright.sync_api import expect

from timebank.core.clock import utcnow
from timebank.sms.services import receive

from .homes import seed_homes
from .test_journey_home import first_screen_shot, signed_in

DONE = {"zh-CN": "已处理", "en": "Dealt with"}


@pytest.fixture
def homes(live, committed):
    homes = seed_homes(committed)
    now = utcnow()
    receive(phone=homes.member, text="明天下午可以吗", received_at=None, now=now)
    receive(phone="13999990000", text="你好，请问这是哪里", received_at=None, now=now)
    committed.session.commit()
    return homes


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_coordinator_resolves_an_unclear_text(live, homes, phone, locale):
    page = signed_in(phone, live, homes.coordinator, locale)
    page.goto(f"{live}/sms/unclear")
    texts = page.locator('[data-test="unclear-text"]')
    expect(texts).to_have_count(2)
    expect(page.locator('[data-test="unclear-texts"]')).to_contain_text("明天下午可以吗")
    first_screen_shot(page, f"sms-{locale}-1-unclear")
    texts.first.locator('input[name="note"]').fill("已电话联系" if locale == "zh-CN" else "Called")
    texts.first.locator('[data-test="resolve"]').click()
    expect(page.locator('[data-test="unclear-text"]')).to_have_count(1)
    page.goto(f"{live}/sms/unclear?done=1")
    expect(page.locator('[data-test="unclear-text"]')).to_have_count(1)
    expect(page.locator("h1")).to_be_visible()
    first_screen_shot(page, f"sms-{locale}-2-dealt-with")
