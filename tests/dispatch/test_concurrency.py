"""Many people acting on one event at once: exactly one wins (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.dispatch.conftest import T0, make_world
from tests.factories import make_member, make_people, make_tree
from tests.shifts.test_concurrency import _run_in_threads
from timebank.dispatch import counters, jobs
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import give_feedback
from timebank.dispatch.deadlines import close_unrated
from timebank.dispatch.intake import report_event
from timebank.dispatch.jobs import event_tick_job
from timebank.dispatch.models import DepartmentHandler, Event, EventStep
from timebank.dispatch.transitions import accept_event, handle_event, register_event
from timebank.extensions import db
from timebank.members.models import Member
from timebank.notifications.models import Notification

pytestmark = pytest.mark.concurrency


def _world():
    tree = make_tree()
    return make_world(tree, make_people(tree))


def _get(model, ident):
    return db.session.get(model, ident)


def _steps(event_id, action):
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(EventStep)
        .where(EventStep.event_id == event_id, EventStep.action == action)
    )


def _registered(world):
    event = world.report()
    register_event(world.people.coordinator, event, now=T0)
    return event


def test_eight_handlers_accepting_at_once_one_wins(app, committed):
    world = _world()
    handlers = [world.handler.id, world.other_handler.id]
    for _ in range(6):
        member = make_member(world.tree.far)
        db.session.add(DepartmentHandler(department_id=world.department.id, member_id=member.id))
        handlers.append(member.id)
    event = _registered(world)
    dispatch_event(world.people.coordinator, event, department_code="CUM", now=T0)
    event_id = event.id
    db.session.commit()

    def work(i):
        return accept_event(_get(Member, handlers[i]), _get(Event, event_id)).status

    outcomes, errors = _run_in_threads(app, 8, work)
    assert errors == []
    assert sorted(outcomes) == ["accepted"] + ["invalid_transition"] * 7
    db.session.expire_all()
    assert _get(Event, event_id).status == "accepted"
    assert _steps(event_id, "accepted") == 1


def test_two_coordinators_dispatching_one_event(app, committed):
    world = _world()
    event = _registered(world)
    dispatchers = [world.people.coordinator.id, world.people.organiser.id]
    event_id, worker_id = event.id, world.gridworker.id
    db.session.commit()

    def work(i):
        actor, target = _get(Member, dispatchers[i]), _get(Event, event_id)
        return dispatch_event(actor, target, assignee_id=worker_id).status

    outcomes, errors = _run_in_threads(app, 2, work)
    assert errors == []
    assert sorted(outcomes) == ["dispatched", "invalid_transition"]
    db.session.expire_all()
    assert _steps(event_id, "dispatched") == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.kind == "event_dispatched")
        )
        == 1
    )


@pytest.mark.parametrize("round_", range(3))
def test_a_rating_while_the_scheduler_closes_unrated(app, committed, round_):
    world = _world()
    event = _registered(world)
    dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=T0)
    accept_event(world.gridworker, event, now=T0)
    handle_event(world.gridworker, event, result="好", now=T0)
    event_id, reporter_id = event.id, world.people.member.id
    db.session.commit()
    due = T0 + timedelta(hours=80)

    def work(i):
        if i == 0:
            return give_feedback(
                _get(Member, reporter_id), _get(Event, event_id), now=due, rating=5
            ).status
        return "auto_closed" if close_unrated(due) else "nothing"

    outcomes, errors = _run_in_threads(app, 2, work)
    assert errors == []
    assert sorted(outcomes) in (["closed", "nothing"], ["auto_closed", "invalid_transition"])
    db.session.expire_all()
    closing_steps = _steps(event_id, "rated") + _steps(event_id, "auto_closed")
    assert closing_steps == 1
    assert counters.differences() == []


def test_two_schedulers_mark_and_escalate_each_event_once(app, committed):
    world = _world()
    ids = []
    for _ in range(12):
        event = _registered(world)
        dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=T0)
        ids.append(event.id)
    db.session.commit()
    late = T0 + timedelta(hours=30)

    outcomes, errors = _run_in_threads(app, 2, lambda i: event_tick_job(now=late))
    assert errors == []
    assert sum(outcomes) == 24  # 12 accept and 12 handle deadlines, each once
    db.session.expire_all()
    for event_id in ids:
        assert _steps(event_id, "overdue") == 2  # the accept and the handle deadline
        assert _steps(event_id, "escalated") == 1
    overdue_notices = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.kind == "event_overdue", Notification.member_id == world.gridworker.id)
    )
    assert overdue_notices == 24


def test_two_schedulers_in_small_batches_tell_each_event_once(app, committed, monkeypatch):
    """Batches of 3, so the two schedulers take turns over 14 events (half with a
    department): each deadline marked once, and each person told once per deadline."""
    monkeypatch.setattr(jobs, "BATCH", 3)
    world = _world()
    ids = {}
    for i in range(14):
        event = _registered(world)
        to = {"assignee_id": world.gridworker.id} if i % 2 else {"department_code": "CUM"}
        dispatch_event(world.people.coordinator, event, now=T0, **to)
        ids[event.id] = [world.gridworker] if i % 2 else [world.handler, world.other_handler]
    db.session.commit()
    late = T0 + timedelta(hours=30)

    outcomes, errors = _run_in_threads(app, 2, lambda i: event_tick_job(now=late))
    assert errors == []
    assert sum(outcomes) == 28
    db.session.expire_all()
    told = db.session.execute(
        sa.select(Notification.subject_id, Notification.member_id, sa.func.count())
        .where(Notification.kind == "event_overdue")
        .group_by(Notification.subject_id, Notification.member_id)
    ).all()
    expected = {
        (event_id, member.id)
        for event_id, people in ids.items()
        for member in [*people, world.people.coordinator]
    }
    assert {(e, m) for e, m, _ in told} == expected
    assert {n for *_, n in told} == {2}  # the accept and the handle deadline
    for event_id in ids:
        assert _steps(event_id, "overdue") == 2
        assert _steps(event_id, "escalated") == 1


def test_reports_at_once_get_distinct_numbers(app, committed):
    world = _world()
    member_id = world.people.member.id
    grid_id, code = world.tree.grid.id, world.street.code
    db.session.commit()

    def work(i):
        member = _get(Member, member_id)
        return report_event(
            member, now=T0, category_code=code, description="x", grid_id=grid_id
        ).number

    outcomes, errors = _run_in_threads(app, 8, work)
    assert errors == []
    assert sorted(outcomes) == [f"NS20261203{n:06d}" for n in range(1, 9)]
