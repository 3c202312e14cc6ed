"""An organiser raises a sharp-knife squad on a phone; two members accept on theirs; the
organiser's live page, never reloaded, shows it filled with the team."""

import re

import pytest
from playwright.sync_api import expect

from timebank.auth.models import Role

from .. import factories
from .test_journey_members import sign_in

#: The north gate, 3 km north of the community centre where everyone else lives.
PLACE = (22.862, 113.525)


def _north(metres):
    return (PLACE[0] + metres / 111_195, PLACE[1])


def _seed(committed, names):
    """A tree, a town organiser (living at the community centre, far from the gate), the
    gate as a checkpoint, and members living `100 m × n` north of it."""
    tree = factories.make_tree()
    organiser = factories.make_member(
        tree.community, name="镇组织委员", roles=[(Role.ORGANISER, tree.town)]
    )
    factories.make_member(tree.community, name="社区居民")  # at the centre: not called
    checkpoint = factories.make_checkpoint(
        tree.community, name="北门卡口", lat=PLACE[0], lon=PLACE[1]
    )
    members = [
        factories.make_member(tree.community, name=name, home=_north(100 * n))
        for n, name in enumerate(names, 1)
    ]
    seeded = {
        "town": tree.town.id,
        "checkpoint": checkpoint.id,
        "organiser": organiser.phone,
        "members": [(m.name, m.phone) for m in members],
    }
    committed.session.commit()
    committed.session.remove()
    return seeded


@pytest.fixture
def squad(live, committed):
    return _seed(committed, ["张先锋", "李尖刀"])


@pytest.fixture
def lone(live, committed):
    return _seed(committed, ["王志愿"])


def _signed_in(phone, live, who):
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, who, factories.PASSWORD)
    return page


def _raise_on_the_form(page, live, seeded, shot, *, title, needed, team_size):
    page.goto(live + "/callouts/new")
    page.locator("#kind").select_option("sharp_knife")
    page.locator("#title").fill(title)
    page.locator("#unit_id").select_option(str(seeded["town"]))
    expect(page.locator("#place-0")).to_be_checked()  # a checkpoint, when there are any
    page.locator("#checkpoint_id").select_option(str(seeded["checkpoint"]))
    expect(page.locator("#lat")).to_be_hidden()
    page.locator("#radius_km").fill("1")
    page.locator("#needed").fill(str(needed))
    page.locator("#team_size").fill(str(team_size))
    page.locator("#respond_within_min").fill("5")
    shot(page, "form")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/callouts/\d+$"))
    return page.url.rsplit("/", 1)[1]


@pytest.mark.e2e
def test_organiser_raises_two_members_accept_live_page_fills(live, squad, phone, shot):
    organiser = _signed_in(phone, live, squad["organiser"])
    callout_id = _raise_on_the_form(
        organiser, live, squad, shot, title="北门封控支援", needed=2, team_size=2
    )
    board = organiser.locator("#callout-live")
    expect(organiser.locator(".alert-success")).to_be_visible()  # "2 members invited"
    expect(board).to_have_attribute("data-status", "open")
    expect(organiser.locator('[data-count="invited"]')).to_have_text("2")
    expect(organiser.locator('[data-count="pending"]')).to_have_text("2")
    expect(organiser.locator('[data-test="invitation"]')).to_have_count(2)
    organiser.evaluate("window.tbNeverReloaded = true")
    shot(organiser, "live-open")

    # The nearest member sees the urgent notice on the home page and opens it.
    (first_name, first_phone), (second_name, second_phone) = squad["members"]
    first = _signed_in(phone, live, first_phone)
    notice = first.locator('[data-test="urgent-notice"]')
    expect(notice).to_contain_text("北门封控支援")
    shot(first, "member-notice")
    notice.locator('[data-test="urgent-open"]').click()
    expect(first).to_have_url(f"{live}/callouts/{callout_id}/answer")
    expect(first.locator('[data-test="countdown"] [data-countdown-value]')).to_have_text(
        re.compile(r"^[45]:\d\d$")
    )
    shot(first, "member-invited")
    first.locator('[data-test="accept"]').click()
    expect(first.locator(".alert-success").first).to_be_visible()
    expect(first.locator('[data-test="accepted-waiting"]')).to_be_visible()
    shot(first, "member-accepted-waiting")

    # Meanwhile the organiser's page counts one of two, by itself.
    expect(organiser.locator('[data-count="accepted"]')).to_have_text("1")

    # The second member opens the page straight away and accepts: the squad is filled.
    second = _signed_in(phone, live, second_phone)
    second.goto(f"{live}/callouts/{callout_id}/answer")
    second.locator('[data-test="accept"]').click()
    team = second.locator('[data-test="my-team"]')
    expect(team).to_contain_text(first_name)
    expect(team).to_contain_text(second_name)
    expect(team.locator(f'a[href="tel:{first_phone}"]')).to_be_visible()
    expect(second.locator('a[href^="geo:22.862"]').first).to_be_visible()
    shot(second, "member-team")

    # The organiser's page, opened before the answers and never reloaded, shows it filled.
    expect(board).to_have_attribute("data-status", "filled")
    expect(organiser.locator('[data-test="live-status"]')).to_have_class(
        re.compile("text-bg-success")
    )
    expect(organiser.locator('[data-count="accepted"]')).to_have_text("2")
    expect(organiser.locator('[data-count="pending"]')).to_have_text("0")
    expect(organiser.locator('[data-test="time-to-fill"]')).to_be_visible()
    teams = organiser.locator('[data-test="team"]')
    expect(teams).to_have_count(1)
    expect(teams.first).to_contain_text(first_name)
    expect(teams.first).to_contain_text(second_name)
    expect(teams.first.locator(".badge")).to_have_count(1)  # one leader
    assert organiser.evaluate("window.tbNeverReloaded") is True
    shot(organiser, "live-filled")

    # The first member's page shows the team too (it refreshes itself while waiting).
    first.reload()
    expect(first.locator('[data-test="my-team"]')).to_contain_text(second_name)
    expect(first.locator(f'[data-test="my-team"] a[href="tel:{second_phone}"]')).to_be_visible()
    shot(first, "member-team-first")

    # Their call-outs and their record; the organiser's list.
    first.goto(live + "/callouts/mine")
    expect(first.locator('[data-test="my-invitation"]')).to_have_count(1)
    shot(first, "member-mine")
    first.goto(live + "/members/me")
    expect(first.locator('[data-test="rr-accepted"]')).to_have_text("1")
    shot(first, "member-profile")
    listing = organiser.context.new_page()
    listing.goto(live + "/callouts")
    expect(listing.locator('[data-test="callout-card"]')).to_have_count(1)
    expect(listing.locator('[data-test="callout-accepted"]')).to_contain_text("2")
    shot(listing, "organiser-list")


@pytest.mark.e2e
def test_member_declines_and_the_live_page_shows_the_shortfall(live, lone, phone, shot):
    organiser = _signed_in(phone, live, lone["organiser"])
    callout_id = _raise_on_the_form(
        organiser, live, lone, shot, title="夜间巡查", needed=2, team_size=1
    )
    board = organiser.locator("#callout-live")
    expect(board).to_have_attribute("data-status", "open")
    expect(organiser.locator('[data-count="invited"]')).to_have_text("1")

    (_name, member_phone) = lone["members"][0]
    member = _signed_in(phone, live, member_phone)
    member.goto(f"{live}/callouts/{callout_id}/answer")
    member.locator('[data-test="decline"]').click()
    expect(member.locator('[data-test="declined-thanks"]')).to_be_visible()
    shot(member, "member-declined")

    expect(board).to_have_attribute("data-status", "short")
    banner = organiser.locator('[data-test="live-banner"]')
    expect(banner).to_have_class(re.compile("alert-danger"))
    expect(banner).to_contain_text("2")
    expect(organiser.locator('[data-count="declined"]')).to_have_text("1")
    shot(organiser, "live-short")

    organiser.locator('[data-test="close-callout"]').click()  # the stand-down page
    organiser.locator("#reason").fill("人手不足，改派专业队伍")
    organiser.once("dialog", lambda dialog: dialog.accept())  # "Stand down…?"
    organiser.locator('[data-test="stand-down-submit"]').click()
    board = organiser.locator("#callout-live")
    expect(board).to_have_attribute("data-status", "closed")
    expect(organiser.locator('[data-test="urgent-notice"]')).to_have_count(0)  # retired
    shot(organiser, "live-closed")
