"""An organiser stands a call-out down on a phone, in Chinese and in English: the page asks
why and for a confirmation, the live page's clock stops, and the member who accepted is
told at once why they need not come (issue 17)."""

import re

import pytest
from playwright.sync_api import expect

from .homes import seed_homes
from .test_journey_home import first_screen_shot, signed_in

REASON = {"zh-CN": "火情已扑灭，无需增援", "en": "The fire is out; no help needed"}
STOOD_DOWN = {"zh-CN": "已解除", "en": "Stood down"}


@pytest.fixture
def homes(live, committed):
    return seed_homes(committed)


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_stand_down_asks_why_and_tells_the_member_who_accepted(live, homes, phone, locale):
    answer = f"{live}/callouts/{homes.callout_id}/answer"
    member = signed_in(phone, live, homes.member, locale)
    member.goto(answer)
    member.locator('[data-test="accept"]').click()
    expect(member.locator('[data-test="accepted-waiting"]')).to_be_visible()
    first_screen_shot(member, f"standdown-{locale}-1-member-accepted")

    organiser = signed_in(phone, live, homes.organiser, locale)
    organiser.goto(f"{live}/callouts/{homes.callout_id}")
    organiser.locator('[data-test="close-callout"]').click()  # a page, not a one-tap POST
    expect(organiser).to_have_url(re.compile(r"/callouts/\d+/close$"))
    expect(organiser.locator('[data-test="stand-down-who"]')).to_contain_text("1")
    dialogs = []
    organiser.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    organiser.locator('[data-test="stand-down-submit"]').click()  # "cancel" in the dialog
    expect(organiser).to_have_url(re.compile(r"/callouts/\d+/close$"))
    assert dialogs, "the stand-down asks for a confirmation"
    organiser.once("dialog", lambda d: d.accept())
    organiser.locator('[data-test="stand-down-submit"]').click()  # no reason: refused
    expect(organiser.locator(".is-invalid")).to_be_visible()
    organiser.locator("#reason").fill(REASON[locale])
    first_screen_shot(organiser, f"standdown-{locale}-2-organiser-reason")
    organiser.once("dialog", lambda d: d.accept())
    organiser.locator('[data-test="stand-down-submit"]').click()
    expect(organiser.locator('[data-test="callout-live"]')).to_have_attribute(
        "data-status", "closed"
    )
    banner = organiser.locator('[data-test="live-banner"]')
    expect(banner).to_contain_text(REASON[locale])
    since = organiser.locator('[data-test="since"]').inner_text()
    organiser.wait_for_timeout(2500)  # the clock has stopped at the stand-down
    expect(organiser.locator('[data-test="since"]')).to_have_text(since)
    expect(organiser.locator('[data-test="close-callout"]')).to_have_count(0)
    first_screen_shot(organiser, f"standdown-{locale}-3-organiser-live")

    member.goto(answer)
    expect(member.locator('[data-test="stood-down-reason"]')).to_contain_text(REASON[locale])
    expect(member.locator('[data-test="accepted-waiting"]')).to_have_count(0)
    urgent = member.locator('[data-test="urgent-notice"]')
    expect(urgent).to_have_count(1)  # the stand-down itself, not the old invitation
    expect(urgent).to_contain_text(STOOD_DOWN[locale])
    expect(urgent).to_contain_text(REASON[locale])
    first_screen_shot(member, f"standdown-{locale}-4-member-told")
    member.goto(f"{live}/inbox")
    expect(member.locator('[data-test="urgent-badge"]')).to_have_count(1)
    first_screen_shot(member, f"standdown-{locale}-5-member-inbox")
