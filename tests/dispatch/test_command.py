"""The command centre (SPEC 6, rule 6): who sees it, its live counts, the overdue queue,
the figures per town and category, the grids' coverage and the JSON it polls."""

from datetime import timedelta

import pytest

from tests.dispatch.conftest import T0
from tests.dispatch.test_loop import dispatched, handled
from tests.factories import make_member, make_unit
from timebank.auth.models import Role, RoleAssignment
from timebank.core.errors import NotAllowed, NotFound
from timebank.dispatch import command
from timebank.dispatch.closing import give_feedback
from timebank.dispatch.deadlines import mark_accept_overdue
from timebank.dispatch.transitions import register_event, reject_event
from timebank.extensions import db
from timebank.members.models import MemberStatus
from timebank.units.models import Level

PERIOD = command.period_of(30, T0)


def test_only_organisers_of_the_district_or_a_town_command(world):
    p, tree = world.people, world.tree
    assert command.command_unit(p.admin, None) == tree.district
    assert command.command_unit(p.organiser, None) == tree.town
    assert [u.id for u in command.command_units(p.organiser)] == [tree.town.id]
    with pytest.raises(NotAllowed):
        command.command_unit(p.organiser, tree.district.id)  # above their town
    with pytest.raises(NotAllowed):
        command.command_unit(p.organiser, tree.other_town.id)  # another town
    with pytest.raises(NotAllowed):
        command.command_unit(p.coordinator, None)
    with pytest.raises(NotFound):
        command.command_unit(p.admin, tree.community.id)  # not a district or town
    with pytest.raises(NotFound):
        command.command_unit(p.admin, 999999)


def test_counts_are_open_events_now_and_closed_or_rejected_of_the_period(world):
    p = world.people
    good, _ = handled(world)
    give_feedback(p.member, good, rating=5, now=T0 + timedelta(hours=2))
    handled(world)
    reject_event(p.coordinator, world.report(), reason="重复", now=T0)
    register_event(p.coordinator, world.report(), now=T0)
    dispatched(world)
    world.report()
    counts = command.status_counts(world.tree.district, PERIOD)
    assert counts == {
        "reported": 1,
        "registered": 1,
        "dispatched": 1,
        "accepted": 0,
        "handled": 1,
        "closed": 1,
        "rejected": 1,
    }
    assert command.status_counts(world.tree.other_town, PERIOD)["reported"] == 0
    earlier = command.Period(PERIOD.first - timedelta(60), PERIOD.first - timedelta(31), 30)
    assert command.status_counts(world.tree.district, earlier)["closed"] == 0


def test_the_overdue_queue_and_grids_list_open_late_events_in_scope(world):
    late = dispatched(world)
    dispatched(world, now=T0 + timedelta(hours=2))  # not yet due
    mark_accept_overdue(T0 + timedelta(hours=1))
    queue, total = command.overdue_queue(world.tree.district)
    assert [e.id for e in queue] == [late.id] and total == 1
    assert command.overdue_queue(world.tree.other_town) == ([], 0)
    assert command.overdue_grids(world.tree.town) == {world.tree.grid.id: 1}


def test_grids_without_an_active_grid_worker_on_them_or_their_community(world):
    tree = world.tree
    bare = make_unit(Level.GRID, tree.sibling, code="T-HG-C2-G1", name="第2网格")
    by_community = make_unit(Level.GRID, tree.far, code="T-DG-C1-G1", name="第3网格")
    worker = make_member(tree.far, name="社区网格员")
    db.session.add(RoleAssignment(member_id=worker.id, role=Role.GRIDWORKER, unit_id=tree.far.id))
    db.session.flush()
    assert [g.id for g in command.uncovered_grids(tree.district)] == [bare.id]
    worker.status = MemberStatus.SUSPENDED
    db.session.flush()
    assert {g.id for g in command.uncovered_grids(tree.district)} == {bare.id, by_community.id}
    world.gridworker.status = worker.status
    db.session.flush()
    assert tree.grid.id in {g.id for g in command.uncovered_grids(tree.town)}


def test_figures_by_the_level_below_and_by_category(world):
    good, _ = handled(world)
    give_feedback(world.people.member, good, rating=5, now=T0 + timedelta(hours=2))
    world.report()
    by_town, by_category = command.unit_figures(world.tree.district, PERIOD)
    assert [i["id"] for i in by_town["items"]] == [world.tree.town.id]
    assert by_town["totals"]["closure_rate"] == 0.5
    assert [i["code"] for i in by_category["items"]] == [world.street.code]
    by_community, _ = command.unit_figures(world.tree.town, PERIOD)
    assert [i["id"] for i in by_community["items"]] == [world.tree.community.id]


def test_the_page_and_its_json_follow_the_events_without_a_reload(world, login):
    tree = world.tree
    tree.grid.lat, tree.grid.lon = 22.835, 113.525
    client = login(world.people.admin)
    page = client.get(f"/command?unit_id={tree.district.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-test="command-map"' in html and f'data-grid="{tree.grid.id}"' in html
    assert "command-live.js" in html and "chart.umd.min.js" in html
    before = client.get(f"/command/live.json?unit_id={tree.district.id}").get_json()
    assert before["counts"]["reported"] == 0
    world.report()
    after = client.get(f"/command/live.json?unit_id={tree.district.id}")
    assert after.headers["Cache-Control"] == "no-store"
    assert after.get_json()["counts"]["reported"] == 1


def test_the_page_refuses_whoever_may_not_command(world, login, client):
    assert client.get("/command").status_code in (302, 401)
    coordinator = login(world.people.coordinator)
    assert coordinator.get("/command").status_code == 403
    assert coordinator.get("/command/live.json").status_code == 403
    organiser = login(world.people.organiser)
    assert organiser.get(f"/command?unit_id={world.tree.district.id}").status_code == 403
    assert organiser.get(f"/command?unit_id={world.tree.community.id}").status_code == 404
    assert organiser.get("/command").status_code == 200


def test_the_organiser_home_links_the_command_centre(world, login):
    html = login(world.people.organiser).get("/").get_data(as_text=True)
    assert 'data-test="home-command"' in html
