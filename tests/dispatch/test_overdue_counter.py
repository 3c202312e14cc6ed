"""The `overdue_open` counter through every step: marked by the scheduler, ended by the
steps that take an event out of "with someone and late", never counted twice."""

from datetime import date, timedelta

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from tests.dispatch.conftest import T0, make_world
from tests.dispatch.test_loop import dispatched
from tests.factories import make_people, make_tree
from tests.shifts.test_concurrency import _run_in_threads
from timebank.dispatch import counters
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import close_event, give_feedback
from timebank.dispatch.deadlines import mark_accept_overdue, mark_handle_overdue
from timebank.dispatch.models import Event
from timebank.dispatch.stats import Scope, figures, overdue_now
from timebank.dispatch.transitions import (
    accept_event,
    handle_event,
    register_event,
    return_event,
)
from timebank.extensions import db
from timebank.members.models import Member

DAY = date(2026, 12, 3)
H = timedelta(hours=1)


def overdue(world) -> int:
    """Open overdue events as the counters tell it, checked against the events."""
    assert counters.differences() == []
    district = world.tree.district
    now = overdue_now(district)
    assert figures(Scope(district, DAY, DAY, "town"))["totals"]["overdue_open"] == now
    return now


def test_marked_accepted_late_handled_reopened_and_closed(world):
    w = world.gridworker
    event = dispatched(world, now=T0)
    assert overdue(world) == 0
    assert mark_accept_overdue(T0 + H) == 1
    assert overdue(world) == 1
    accept_event(w, event, now=T0 + 2 * H)  # the handle deadline is still ahead
    assert overdue(world) == 0
    assert mark_handle_overdue(T0 + 25 * H) == 1
    assert overdue(world) == 1
    handle_event(w, event, result="好了", now=T0 + 26 * H)
    assert overdue(world) == 0
    give_feedback(world.people.member, event, rating=1, now=T0 + 27 * H)  # reopened
    assert (event.status, event.overdue) == ("dispatched", False)
    assert overdue(world) == 0
    assert mark_accept_overdue(T0 + 28 * H) == 1
    assert overdue(world) == 1
    accept_event(w, event, now=T0 + 29 * H)
    handle_event(w, event, result="又好了", now=T0 + 30 * H)
    close_event(world.people.coordinator, event, note="核实", now=T0 + 31 * H)
    assert event.status == "closed"
    assert overdue(world) == 0


def test_both_deadlines_count_once(world):
    dispatched(world, now=T0)
    assert mark_accept_overdue(T0 + 25 * H) == 1
    assert mark_handle_overdue(T0 + 25 * H) == 1  # overdue already: not counted again
    assert overdue(world) == 1


def test_handle_deadline_marked_before_the_accept_deadline_counts_once(world):
    dispatched(world, now=T0)
    assert mark_handle_overdue(T0 + 25 * H) == 1
    assert mark_accept_overdue(T0 + 25 * H) == 1
    assert overdue(world) == 1


def test_returned_and_dispatched_again(world):
    w = world.gridworker
    event = dispatched(world, now=T0)
    mark_accept_overdue(T0 + H)
    accept_event(w, event, now=T0 + 2 * H)
    mark_handle_overdue(T0 + 25 * H)
    assert overdue(world) == 1
    return_event(w, event, reason="不归我管", now=T0 + 26 * H)
    assert (event.status, overdue(world)) == ("registered", 0)
    dispatch_event(world.people.coordinator, event, assignee_id=w.id, now=T0 + 26 * H)
    assert overdue(world) == 0
    mark_accept_overdue(T0 + 27 * H)
    return_event(w, event, reason="还是不归我管", now=T0 + 28 * H)
    assert overdue(world) == 0


def test_a_closed_event_that_was_late_leaves_the_count(world):
    w = world.gridworker
    event = dispatched(world, now=T0)
    accept_event(w, event, now=T0)
    mark_handle_overdue(T0 + 25 * H)
    assert overdue(world) == 1
    handle_event(w, event, result="好了", now=T0 + 26 * H)
    close_event(world.people.coordinator, event, note="核实", now=T0 + 27 * H)
    assert overdue(world) == 0
    assert figures(Scope(world.tree.district, DAY, DAY, "town"))["totals"]["closed"] == 1


def test_a_step_on_a_stale_overdue_flag_still_counts_right(world):
    """The scheduler marked the event after the assignee's page read it: the step's
    conditional UPDATE misses, reads the flag again and ends the overdue count."""
    event = dispatched(world, now=T0)
    mark_accept_overdue(T0 + H)
    set_committed_value(event, "overdue", False)  # what a page read before the mark saw
    accept_event(world.gridworker, event, now=T0 + 2 * H)
    assert event.status == "accepted"
    assert overdue(world) == 0


def test_the_period_counts_what_was_reported_in_it(world):
    dispatched(world, now=T0)
    mark_accept_overdue(T0 + H)
    later = figures(Scope(world.tree.district, DAY + timedelta(1), DAY + timedelta(2), "town"))
    assert later["totals"]["overdue_open"] == 0
    assert overdue_now(world.tree.district) == overdue_now(world.tree.grid) == 1


@pytest.mark.concurrency
def test_assignees_acting_while_the_scheduler_marks(app, committed):
    """Eight events past their accept deadline: the scheduler marks them while their
    assignee accepts four and returns four; the counters end equal to the events."""
    tree = make_tree()
    world = make_world(tree, make_people(tree))
    ids = []
    for _ in range(8):
        event = world.report()
        register_event(world.people.coordinator, event, now=T0)
        dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=T0)
        ids.append(event.id)
    worker_id = world.gridworker.id
    db.session.commit()
    late = T0 + H

    def work(i):
        if i == 0:
            return mark_accept_overdue(late)
        actor, event = db.session.get(Member, worker_id), db.session.get(Event, ids[i - 1])
        if i % 2:
            return accept_event(actor, event, now=late).status
        return return_event(actor, event, reason="不归我管", now=late).status

    outcomes, errors = _run_in_threads(app, 9, work)
    assert errors == []
    assert len(outcomes) == 9
    db.session.expire_all()
    assert counters.differences() == []
    assert overdue_now(tree.district) == 0
