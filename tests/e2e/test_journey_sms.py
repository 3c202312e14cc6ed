"""A coordinator finds the texts the time bank could not read, on a phone, in Chinese and
in English, and marks one dealt with (SPEC 9: no unclear answer is lost)."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from timebank.core.clock import utcnow
from timebank.notifications.models import Notification, OutboxMessage
from timebank.notifications.reports import record_delivery_report
from timebank.sms.services import receive

from .conftest import SCREENSHOTS
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


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_live_page_shows_who_was_not_reached(live, homes, phone, committed, locale):
    message = committed.session.scalar(
        sa.select(OutboxMessage)
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .where(
            Notification.subject_type == "callout",
            Notification.subject_id == homes.callout_id,
            OutboxMessage.channel == "sms",
        )
        .limit(1)
    )
    record_delivery_report(message.id, "failed", "用户关机", now=utcnow())
    committed.session.commit()
    page = signed_in(phone, live, homes.organiser, locale)
    page.goto(f"{live}/callouts/{homes.callout_id}")
    box = page.locator('[data-test="not-reached"]')
    expect(box).to_contain_text("用户关机")
    box.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sms-{locale}-3-not-reached.png"))
