"""Who may act on an event, role by role (SPEC 6, rule 1): 404 when they cannot see it,
403 when they can see it but not act."""

import pytest

from tests.dispatch.conftest import T0
from tests.dispatch.test_loop import dispatched, handled
from timebank.auth.models import Role
from timebank.auth.permissions import has_role
from timebank.core.errors import NotAllowed, NotFound
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import close_event, give_feedback
from timebank.dispatch.rights import can_view
from timebank.dispatch.transitions import (
    accept_event,
    handle_event,
    register_event,
    reject_event,
    return_event,
)

ACTORS = {
    "coordinator": lambda w: w.people.coordinator,
    "organiser": lambda w: w.people.organiser,
    "admin": lambda w: w.people.admin,
    "far_coordinator": lambda w: w.people.far_coordinator,
    "staff": lambda w: w.people.staff,
    "gridworker": lambda w: w.gridworker,
    "reporter": lambda w: w.people.member,
    "neighbour": lambda w: w.people.neighbour,
    "handler": lambda w: w.handler,
}
OK, DENIED, HIDDEN = "ok", NotAllowed, NotFound


def outcome(fn):
    try:
        fn()
    except (NotAllowed, NotFound) as exc:
        return type(exc)
    return OK


COORDINATING = {
    "coordinator": OK,
    "organiser": OK,
    "admin": OK,
    "far_coordinator": HIDDEN,
    "staff": HIDDEN,
    "gridworker": DENIED,
    "reporter": DENIED,
    "neighbour": HIDDEN,
    "handler": HIDDEN,
}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(
    "step",
    [
        lambda a, w, e: register_event(a, e, now=T0),
        lambda a, w, e: reject_event(a, e, reason="重复", now=T0),
    ],
    ids=["register", "reject"],
)
def test_register_and_reject(world, who, step):
    event = world.report()
    assert outcome(lambda: step(ACTORS[who](world), world, event)) == COORDINATING[who]


@pytest.mark.parametrize("who", ACTORS)
def test_dispatch(world, who):
    event = world.report()
    register_event(world.people.coordinator, event, now=T0)
    actor = ACTORS[who](world)
    assert (
        outcome(lambda: dispatch_event(actor, event, assignee_id=world.gridworker.id, now=T0))
        == COORDINATING[who]
    )


@pytest.mark.parametrize("who", ACTORS)
def test_close(world, who):
    event, _ = handled(world)
    expected = {**COORDINATING, "gridworker": DENIED}
    assert outcome(lambda: close_event(ACTORS[who](world), event, note="核实")) == expected[who]


WORKING = {
    "coordinator": DENIED,
    "organiser": DENIED,
    "admin": DENIED,
    "far_coordinator": HIDDEN,
    "staff": HIDDEN,
    "gridworker": OK,
    "reporter": DENIED,
    "neighbour": HIDDEN,
    "handler": HIDDEN,
}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(
    "step",
    [
        lambda a, e: accept_event(a, e, now=T0),
        lambda a, e: return_event(a, e, reason="不归我管", now=T0),
    ],
    ids=["accept", "return"],
)
def test_accept_and_return_by_the_assigned_grid_worker(world, who, step):
    event = dispatched(world)
    assert outcome(lambda: step(ACTORS[who](world), event)) == WORKING[who]


@pytest.mark.parametrize("who", ACTORS)
def test_handle_by_any_handler_of_the_assigned_department(world, who):
    event = dispatched(world, to={"department_code": "CUM"})
    accept_event(world.other_handler, event, now=T0)
    expected = {**WORKING, "gridworker": DENIED, "handler": OK}
    assert (
        outcome(lambda: handle_event(ACTORS[who](world), event, result="好", now=T0))
        == expected[who]
    )


@pytest.mark.parametrize("who", ACTORS)
def test_feedback_by_the_reporter_only(world, who):
    event, _ = handled(world)
    expected = {
        **{k: DENIED if v is OK else v for k, v in COORDINATING.items()},
        "reporter": OK,
    }
    assert outcome(lambda: give_feedback(ACTORS[who](world), event, rating=5)) == expected[who]


def test_admin_does_not_hold_the_grid_worker_role(world):
    grid = world.tree.grid
    assert not has_role(world.people.admin, Role.GRIDWORKER, grid)
    assert has_role(world.gridworker, Role.GRIDWORKER, grid)
    assert not has_role(world.gridworker, Role.STAFF, grid)
    assert Role.GRIDWORKER.covers(Role.GRIDWORKER)
    assert not Role.ADMIN.covers(Role.GRIDWORKER) and not Role.GRIDWORKER.covers(Role.STAFF)


def test_grid_workers_see_the_events_of_their_units_only(world):
    event = world.report(grid_id=world.tree.grid.id)
    # No place given: the reporter's community (far away).
    elsewhere = world.report(world.people.far_member, grid_id=None)
    assert elsewhere.unit_id == world.tree.far.id
    assert can_view(world.gridworker, event)
    assert not can_view(world.gridworker, elsewhere)
