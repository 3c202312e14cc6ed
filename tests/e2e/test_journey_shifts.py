"""A coordinator publishes a week of checkpoint duty; a member signs up on a phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from timebank.auth.models import Role
from timebank.core.clock import local, utcnow

from .. import factories
from .test_journey_members import sign_in


@pytest.fixture
def people(live, committed):
    tree = factories.make_tree()
    coordinator = factories.make_member(
        tree.community, name="社区协调员", roles=[(Role.COORDINATOR, tree.community)]
    )
    member = factories.make_member(tree.community, name="党员志愿者")
    checkpoint = factories.make_checkpoint(tree.community, name="北门卡口")
    seeded = {
        "community": tree.community.id,
        "checkpoint": checkpoint.id,
        "coordinator": coordinator.phone,
        "member": member.phone,
    }
    committed.session.commit()
    committed.session.remove()
    return seeded


@pytest.mark.e2e
def test_coordinator_publishes_series_member_signs_up(live, people, phone, shot):
    # The coordinator publishes seven days of morning duty at the north gate.
    coordinator = phone().new_page()
    coordinator.goto(live + "/login")
    sign_in(coordinator, live, people["coordinator"], factories.PASSWORD)
    coordinator.goto(live + "/shifts/new")
    first_day = (local(utcnow()) + timedelta(days=1)).date().isoformat()
    coordinator.locator("#title").fill("北门早班")
    coordinator.locator("#community_id").select_option(str(people["community"]))
    coordinator.locator("#checkpoint_id").select_option(str(people["checkpoint"]))
    coordinator.locator("#first_day").fill(first_day)
    coordinator.locator("#start_time").fill("08:00")
    coordinator.locator("#end_time").fill("12:00")
    coordinator.locator("#days").fill("7")
    coordinator.locator("#capacity").fill("3")
    shot(coordinator, "publish-form")
    coordinator.locator("#submit").click()
    expect(coordinator.locator(".alert-success")).to_contain_text("7")
    expect(coordinator.locator("h1")).to_have_text("北门早班")
    shot(coordinator, "published")

    # The member opens the board on a phone and signs up for the first one.
    member = phone().new_page()
    member.goto(live + "/login")
    sign_in(member, live, people["member"], factories.PASSWORD)
    member.goto(live + "/shifts/")
    cards = member.locator('[data-test="shift-card"]', has_text="北门早班")
    expect(cards).to_have_count(6)  # the board shows a week from today: days 1-6 of 7
    first = cards.first
    expect(first.locator('[data-test="free-places"]')).to_contain_text("3")
    shot(member, "board")
    first.locator('[data-test^="signup-"]').click()
    expect(member.locator(".alert-success")).to_be_visible()
    expect(
        member.locator('[data-test="shift-card"]', has_text="北门早班").first.locator(
            '[data-test="my-status"]'
        )
    ).to_be_visible()
    shot(member, "signed-up")

    # ... and finds it under "my shifts".
    member.goto(live + "/shifts/mine")
    upcoming = member.locator('[data-test="upcoming"] [data-test="shift-card"]')
    expect(upcoming).to_have_count(1)
    expect(upcoming).to_contain_text("北门早班")
    expect(upcoming).to_contain_text("08:00")
    shot(member, "my-shifts")
