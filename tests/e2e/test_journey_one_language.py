"""One language at a time, series changed and cancelled as a whole, confirmations, and
corrections withdrawn, on a 390×844 phone in Chinese and in English (issue 17).

Screenshots go to tests/screenshots/ as lang-<locale>-<nn>-<step>.png.
"""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from tests import factories
from timebank.auth.models import Role
from timebank.core.clock import LOCAL_TZ, utcnow
from timebank.ledger.corrections import request_correction
from timebank.shifts import services
from timebank.shifts.signups import sign_up

from .conftest import SCREENSHOTS
from .test_journey_home import signed_in

ENGLISH = {"district": "Nansha District", "town": "Huangge Town", "community": "Jinzhou Community"}


@dataclass
class Cast:
    member: str
    staff: str
    coordinator: str
    organiser: str
    series_first_id: int
    single_id: int
    correction_id: int


def _seed(committed) -> Cast:
    now = utcnow()
    tree = factories.make_tree()
    for key, name_en in ENGLISH.items():
        getattr(tree, key).name_en = name_en
    c = tree.community
    organiser = factories.make_member(c, name="镇组织委员", roles=[(Role.ORGANISER, tree.town)])
    coordinator = factories.make_member(c, name="社区协调员", roles=[(Role.COORDINATOR, c)])
    staff = factories.make_member(c, name="卡口值守员", roles=[(Role.STAFF, c)])
    member = factories.make_member(c, name="王小明")
    first_day = (now.astimezone(LOCAL_TZ) + timedelta(days=2)).date()
    shifts = services.create_series(
        coordinator,
        community_id=c.id,
        title="北门早班",
        kind="checkpoint",
        first_day=first_day,
        start_time=time(8),
        end_time=time(12),
        days=4,
        capacity=3,
        now=now,
    )
    for shift in shifts[:2]:
        sign_up(member, shift, now=now)
    single = factories.make_shift(
        c, title="社区宣讲", starts_at=now + timedelta(days=9), hours=2, now=now
    )
    sign_up(member, single, now=now)
    past = factories.make_shift(c, title="上周夜间值守", starts_at=now - timedelta(days=3))
    correction = request_correction(
        member,
        shift_id=past.id,
        claimed_in=past.starts_at,
        claimed_out=past.ends_at,
        reason="忘记签退",
        now=now,
    )
    cast = Cast(
        member.phone,
        staff.phone,
        coordinator.phone,
        organiser.phone,
        shifts[0].id,
        single.id,
        correction.id,
    )
    committed.session.commit()
    committed.session.remove()
    return cast


@pytest.fixture
def cast(live, committed):
    return _seed(committed)


class Shots:
    def __init__(self, locale):
        self.locale, self.n = locale, 0

    def __call__(self, page, step):
        SCREENSHOTS.mkdir(exist_ok=True)
        self.n += 1
        page.evaluate("window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"lang-{self.locale}-{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)


def _tap_size(page, selector):
    box = page.locator(selector).first.bounding_box()
    return box["width"], box["height"]


def _accept_next_dialog(page, seen):
    page.once("dialog", lambda d: (seen.append(d.message), d.accept()))


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_one_language_series_and_confirmations(live, cast, phone, locale):
    shot, en = Shots(locale), locale == "en"
    community = "Jinzhou Community" if en else "金洲社区"
    other = "金洲社区" if en else "Jinzhou Community"

    # Coordinator: change the series' times from its second day, then cancel the rest.
    page = signed_in(phone, live, cast.coordinator, locale)
    page.goto(f"{live}/shifts/{cast.series_first_id}")
    expect(page.locator("main")).to_contain_text(community)
    assert other not in page.locator("main").inner_text()
    page.locator('[data-test="series-edit-link"]').click()
    page.locator("#start_time").fill("09:00")
    shot(page, "coordinator-series-edit")
    page.locator("#submit").click()
    told = "1 member was told." if en else "已通知 1 名成员。"
    expect(page.locator(".alert-success")).to_contain_text(told)
    shot(page, "coordinator-series-changed")
    page.goto(f"{live}/shifts/{cast.series_first_id}")
    page.locator('[data-test="series-cancel-link"]').click()
    summary = page.locator('[data-test="series-cancel-summary"]')
    expect(summary).to_contain_text("4")
    page.locator("#reason").fill("台风预警" if not en else "Typhoon warning")
    shot(page, "coordinator-series-cancel-confirm")
    page.locator("#submit").click()
    expect(page.locator(".alert-success")).to_contain_text(told)
    shot(page, "coordinator-series-cancelled")
    page.context.close()

    # Member: one notice per series change, in the reader's language; a sign-up is
    # cancelled only after a confirmation; a pending correction is withdrawn.
    page = signed_in(phone, live, cast.member, locale)
    width, height = _tap_size(page, '[data-test="inbox-bell"]')
    assert width >= 44 and height >= 44, (width, height)
    assert _tap_size(page, '[data-test^="lang-"]')[1] >= 44
    page.locator('[data-test="inbox-bell"]').click()
    inbox = page.locator("main").inner_text()
    assert ("Shifts cancelled" if en else "班次已取消") in inbox
    assert ("班次已取消" if en else "Shifts cancelled") not in inbox
    shot(page, "member-inbox")
    page.goto(f"{live}/shifts/{cast.single_id}")
    seen = []
    _accept_next_dialog(page, seen)
    page.locator('[data-test="cancel-signup"]').click()
    expect(page.locator(".alert")).to_be_visible()
    assert seen and ("Cancel your sign-up" if en else "确定取消报名") in seen[0]
    shot(page, "member-signup-cancelled")
    page.goto(f"{live}/hours")
    _accept_next_dialog(page, seen)
    page.locator(f'[data-test="withdraw-{cast.correction_id}"]').click()
    expect(page.locator(f'[data-test="correction-{cast.correction_id}"]')).to_contain_text(
        "Withdrawn" if en else "已撤回"
    )
    shot(page, "member-correction-withdrawn")
    page.context.close()

    # Staff: the roster names the community in the reader's language.
    page = signed_in(phone, live, cast.staff, locale)
    page.goto(f"{live}/shifts/{cast.series_first_id}/roster")
    expect(page.locator("body")).to_contain_text(community)
    shot(page, "staff-roster")
    page.context.close()

    # Organiser: the dashboard and rankings name units in one language.
    page = signed_in(phone, live, cast.organiser, locale)
    page.goto(f"{live}/dashboard")
    main = page.locator("main").inner_text()
    assert ("Huangge Town" if en else "黄阁镇") in main
    assert ("黄阁镇" if en else "Huangge Town") not in main
    shot(page, "organiser-dashboard")
    page.context.close()
