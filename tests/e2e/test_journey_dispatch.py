"""有呼必应 on phones, in Chinese and in English (issue 18): a resident reports on /report
with a photo, a coordinator registers and dispatches it, the grid worker accepts and
reports the result with a photo, and the resident rates it on the follow page.
Screenshots go to tests/screenshots/ as dispatch-<lang>-<n>-<step>.png."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.dispatch.conftest import make_world
from tests.dispatch.test_photos import picture

from .test_journey_home import first_screen_shot, signed_in

RESIDENT_PHONE = "13900001234"
CLOSED = {"zh-CN": "已办结", "en": "Case closed"}


@dataclass
class Seeded:
    coordinator: str
    gridworker: str
    category: str
    grid_id: int


@pytest.fixture
def seeded(live, committed):
    tree = factories.make_tree()
    people = factories.make_people(tree)
    world = make_world(tree, people)
    tree.grid.lat, tree.grid.lon = 22.835, 113.525  # at 金洲社区's centre
    committed.session.commit()
    return Seeded(people.coordinator.phone, world.gridworker.phone, world.street.code, tree.grid.id)


def _photo(name):
    return {"name": name, "mimeType": "image/jpeg", "buffer": picture()}


def _full(page, name):
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=f"tests/screenshots/{name}.png", full_page=True)


def _follow(page, digits="1234"):
    page.locator("#digits").fill(digits)
    page.locator('[data-test="follow-submit"]').click()
    expect(page.locator('[data-test="follow-status"]')).to_be_visible()


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_resident_report_goes_round_the_loop(live, seeded, phone, locale):
    tag = f"dispatch-{locale[:2]}"
    resident = phone(locale).new_page()
    resident.goto(live + "/report")
    if locale == "en":
        resident.locator('[data-test="lang-en"]').first.click()
        expect(resident.locator("html")).to_have_attribute("lang", "en")
    resident.locator("#name").fill("陈阿姨")
    resident.locator("#phone").fill(RESIDENT_PHONE)
    resident.locator("#category_code").select_option(seeded.category)
    resident.locator("#description").fill("路灯不亮三天了 / The street light has been out for days")
    if locale == "en":  # a tap on 金洲社区 on the map of communities (ordered by code)
        resident.locator('[data-test="unit-map"] circle').nth(1).click()
        expect(resident.locator("[data-locate-status]")).to_contain_text("22.83")
    else:
        resident.locator("#grid_id").select_option(str(seeded.grid_id))
    resident.locator("#photos").set_input_files([_photo("lamp.jpg")])
    _full(resident, f"{tag}-1-report")
    resident.locator('[data-test="report-submit"]').click()
    expect(resident).to_have_url(re.compile(r"/report/NS\d{14}$"))
    number = resident.locator('[data-test="tracking-number"]').inner_text().strip()
    _follow(resident)
    first_screen_shot(resident, f"{tag}-2-follow")

    coordinator = signed_in(phone, live, seeded.coordinator, locale)
    coordinator.goto(live + "/dispatch-queue")
    coordinator.locator(f'[data-number="{number}"] a').click()
    expect(coordinator.locator('[data-test="photos"] img')).to_have_count(1)
    coordinator.locator('[data-test="register-submit"]').click()
    expect(coordinator.locator('[data-test="dispatch-form"]')).to_be_visible()
    coordinator.locator("#assignee").select_option(index=0)  # the grid worker comes first
    first_screen_shot(coordinator, f"{tag}-3-dispatch")
    coordinator.locator('[data-test="dispatch-submit"]').click()
    expect(coordinator).to_have_url(re.compile(r"/dispatch-queue\?tab=registered$"))

    worker = signed_in(phone, live, seeded.gridworker, locale)
    worker.goto(live + "/worklist")
    card = worker.locator(f'[data-number="{number}"]')
    expect(card.locator('[data-test="due"]')).to_be_visible()
    first_screen_shot(worker, f"{tag}-4-worklist")
    card.locator('[data-test="accept"]').click()
    expect(worker).to_have_url(re.compile(r"/worklist$"))
    worker.locator(f'[data-number="{number}"] a').click()
    worker.locator("#result").fill("已更换灯泡 / Bulb replaced")
    worker.locator("#photos").set_input_files([_photo("fixed.jpg")])
    first_screen_shot(worker, f"{tag}-5-handle")
    worker.locator('[data-test="handle-submit"]').click()
    expect(worker.locator('[data-test="photos"] img')).to_have_count(2)
    _full(worker, f"{tag}-6-handled")

    resident.goto(f"{live}/report/{number}")
    _follow(resident)
    rating = resident.locator('[data-test="resident-rating"]')
    rating.locator('[data-test="stars"] label').nth(4).click()
    first_screen_shot(resident, f"{tag}-7-rate")
    rating.locator('[data-test="rate-submit"]').click()
    expect(resident.locator('[data-test="follow-status"]')).to_have_text(CLOSED[locale])
    _full(resident, f"{tag}-8-closed")
