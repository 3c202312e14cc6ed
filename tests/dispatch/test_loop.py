"""The five-step loop, step by step, with a controlled clock."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.dispatch.conftest import T0
from timebank.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from timebank.dispatch import queries
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import close_event, give_feedback
from timebank.dispatch.models import EventStep
from timebank.dispatch.transitions import (
    accept_event,
    handle_event,
    register_event,
    reject_event,
    return_event,
)
from timebank.extensions import db
from timebank.notifications.models import Notification, OutboxMessage


def actions(event):
    return [(s.action, s.from_status, s.to_status) for s in queries.timeline(event)]


def notices(member, kind):
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.member_id == member.id, Notification.kind == kind
        )
    ).all()


def test_the_whole_loop_closes_with_a_good_rating(world):
    p = world.people
    event = world.report()
    assert event.status == "reported"
    assert event.number == "NS20261203000001"
    assert event.unit_id == world.tree.grid.id
    assert (event.community_id, event.town_id) == (world.tree.community.id, world.tree.town.id)
    register_event(p.coordinator, event, now=T0 + timedelta(minutes=1))
    dispatch_event(
        p.coordinator, event, assignee_id=world.gridworker.id, now=T0 + timedelta(minutes=2)
    )
    assert event.status == "dispatched"
    assert event.assignee == {"kind": "gridworker", "id": world.gridworker.id}
    assert event.accept_due_at == T0 + timedelta(minutes=32)
    assert event.handle_due_at == T0 + timedelta(hours=24, minutes=2)
    assert len(notices(world.gridworker, "event_dispatched")) == 1
    accept_event(world.gridworker, event, now=T0 + timedelta(minutes=10))
    handle_event(world.gridworker, event, result="已修复", now=T0 + timedelta(hours=2, minutes=2))
    assert event.status == "handled"
    assert event.handle_minutes == 120 and event.handled_on_time is True
    assert event.feedback_due_at == T0 + timedelta(hours=74, minutes=2)
    assert len(notices(p.member, "event_handled")) == 1
    sms = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == p.member.phone)
    ).all()
    assert len(sms) == 1
    give_feedback(p.member, event, rating=4, comment="好", now=T0 + timedelta(hours=3))
    assert (event.status, event.rating, event.reopened) == ("closed", 4, False)
    assert actions(event) == [
        ("reported", None, "reported"),
        ("registered", "reported", "registered"),
        ("dispatched", "registered", "dispatched"),
        ("accepted", "dispatched", "accepted"),
        ("handled", "accepted", "handled"),
        ("rated", "handled", "closed"),
    ]
    steps = queries.timeline(event)
    assert steps[1].actor_id == p.coordinator.id and steps[-1].note == "好"


def dispatched(world, *, to=None, now=T0, **fields):
    event = world.report(now=now, **fields)
    register_event(world.people.coordinator, event, now=now)
    if to is None:
        dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=now)
    else:
        dispatch_event(world.people.coordinator, event, now=now, **to)
    return event


def handled(world, **kw):
    event = dispatched(world, **kw)
    worker = world.gridworker if event.assignee_kind == "gridworker" else None
    worker = worker or (
        world.handler if event.assignee_kind == "department" else event.assignee_member
    )
    accept_event(worker, event, now=T0)
    handle_event(worker, event, result="好了", now=T0 + timedelta(hours=1), **kw.pop("handle", {}))
    return event, worker


def test_reject_needs_a_reason_and_may_name_the_duplicate(world):
    c = world.people.coordinator
    first, second = world.report(), world.report()
    with pytest.raises(ValidationFailed) as refused:
        reject_event(c, second, reason="  ", duplicate_of=999999, now=T0)
    assert set(refused.value.fields) == {"reason", "duplicate_of"}
    reject_event(c, second, reason="重复", duplicate_of=first.id, now=T0)
    assert (second.status, second.duplicate_of_id, second.reject_reason) == (
        "rejected",
        first.id,
        "重复",
    )
    assert actions(second)[-1] == ("rejected", "reported", "rejected")
    with pytest.raises(Conflict) as conflict:
        register_event(c, second, now=T0)
    assert conflict.value.code == "invalid_transition"
    assert "Rejected" in str(conflict.value.message) or "驳回" in str(conflict.value.message)


def test_register_may_correct_category_and_priority(world):
    event = world.report()
    with pytest.raises(ValidationFailed) as refused:
        register_event(world.people.coordinator, event, category_code="NOPE", priority="x")
    assert set(refused.value.fields) == {"category_code", "priority"}
    register_event(
        world.people.coordinator, event, category_code=world.errand.code, priority="urgent", now=T0
    )
    assert (event.category_id, event.priority) == (world.errand.id, "urgent")


@pytest.mark.parametrize(
    "step",
    [
        lambda w, e: accept_event(w.gridworker, e, now=T0),
        lambda w, e: handle_event(w.gridworker, e, result="x", now=T0),
        lambda w, e: dispatch_event(w.people.coordinator, e, assignee_id=w.gridworker.id),
        lambda w, e: close_event(w.people.coordinator, e, note="看过"),
        lambda w, e: give_feedback(w.people.member, e, rating=5),
    ],
)
def test_steps_out_of_order_are_invalid_transitions(world, step):
    event = world.report()
    # Dispatched to the grid worker without the register step: every other step is refused.
    event.assignee_kind, event.assignee_member_id = "gridworker", world.gridworker.id
    db.session.flush()
    with pytest.raises(Conflict) as conflict:
        step(world, event)
    assert conflict.value.code == "invalid_transition"
    assert conflict.value.field == "status"
    assert event.status == "reported"


def test_dispatching_twice_is_refused(world):
    event = dispatched(world)
    with pytest.raises(Conflict) as conflict:
        dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id)
    assert conflict.value.code == "invalid_transition"


def test_return_needs_a_reason_and_registers_the_event_again(world):
    event = dispatched(world)
    with pytest.raises(ValidationFailed):
        return_event(world.gridworker, event, reason="")
    accept_event(world.gridworker, event, now=T0)
    return_event(world.gridworker, event, reason="不在我的网格", now=T0)
    assert (event.status, event.assignee, event.handle_due_at) == ("registered", None, None)
    assert actions(event)[-1] == ("returned", "accepted", "registered")
    with pytest.raises(NotAllowed):  # no longer theirs
        accept_event(world.gridworker, event, now=T0)
    dispatch_event(world.people.coordinator, event, department_code="CUM", now=T0)
    assert event.assignee == {"kind": "department", "id": world.department.id}


def test_a_low_rating_reopens_once_then_any_rating_closes(world):
    event, worker = handled(world)
    later = T0 + timedelta(hours=5)
    give_feedback(world.people.member, event, rating=2, comment="没修好", now=later)
    assert (event.status, event.reopened, event.first_rating, event.rating) == (
        "dispatched",
        True,
        2,
        None,
    )
    assert event.assignee_member_id == worker.id
    assert event.accept_due_at == later + timedelta(minutes=30)
    assert event.handle_due_at == later + timedelta(hours=24)
    assert len(notices(worker, "event_reopened")) == 1
    with pytest.raises(Conflict) as conflict:
        give_feedback(world.people.member, event, rating=1, now=later)
    assert conflict.value.code == "feedback_given"
    accept_event(worker, event, now=later)
    handle_event(worker, event, result="再修", now=later + timedelta(hours=1))
    give_feedback(world.people.member, event, rating=1, now=later + timedelta(hours=2))
    assert (event.status, event.rating) == ("closed", 1)
    with pytest.raises(Conflict) as conflict:
        give_feedback(world.people.member, event, rating=5, now=later)
    assert conflict.value.code == "feedback_given"
    assert [a for a, *_ in actions(event)][-4:] == ["reopened", "accepted", "handled", "rated"]


def test_feedback_checks_its_fields(world):
    event, _ = handled(world)
    with pytest.raises(ValidationFailed) as refused:
        give_feedback(world.people.member, event, rating=6, comment="x" * 501)
    assert set(refused.value.fields) == {"rating", "comment"}
    for bad in (0, True, 3.0, "4", None):
        with pytest.raises(ValidationFailed):
            give_feedback(world.people.member, event, rating=bad)


def test_coordinator_closes_a_handled_event_with_a_note(world):
    event, _ = handled(world)
    with pytest.raises(ValidationFailed) as refused:
        close_event(world.people.coordinator, event, note="", credit_minutes=30)
    assert set(refused.value.fields) == {"note", "credit_minutes"}
    close_event(world.people.coordinator, event, note="现场核实", now=T0 + timedelta(hours=2))
    assert (event.status, event.close_note, event.rating) == ("closed", "现场核实", None)
    assert event.credit_entry_id is None


def test_urgent_events_get_half_of_both_limits(world):
    event = dispatched(world, priority="urgent")
    assert event.accept_due_at == T0 + timedelta(minutes=15)
    assert event.handle_due_at == T0 + timedelta(hours=12)


def test_an_explicit_handle_due_may_be_earlier_never_later(world):
    c = world.people.coordinator
    event = world.report()
    register_event(c, event, now=T0)
    for bad in (T0 + timedelta(hours=25), T0 - timedelta(minutes=1), "tomorrow"):
        with pytest.raises(ValidationFailed) as refused:
            dispatch_event(c, event, assignee_id=world.gridworker.id, handle_due_at=bad, now=T0)
        assert set(refused.value.fields) == {"handle_due_at"}
    dispatch_event(
        c, event, assignee_id=world.gridworker.id, handle_due_at=T0 + timedelta(minutes=20), now=T0
    )
    assert event.handle_due_at == T0 + timedelta(minutes=20)
    assert event.accept_due_at == T0 + timedelta(minutes=20)  # never after the handle due


def test_a_department_event_goes_to_the_categorys_department_by_default(world):
    event = dispatched(world, to={})
    assert event.assignee == {"kind": "department", "id": world.department.id}
    assert len(notices(world.handler, "event_dispatched")) == 1
    assert len(notices(world.other_handler, "event_dispatched")) == 1
    with pytest.raises(NotAllowed):
        accept_event(world.gridworker, event, now=T0)
    accept_event(world.other_handler, event, now=T0)
    handle_event(world.handler, event, result="修好", now=T0)  # any handler of it
    assert event.status == "handled"


def test_dispatch_needs_an_assignee_when_the_category_has_no_department(world):
    event = world.report(category_code=world.errand.code)
    register_event(world.people.coordinator, event, now=T0)
    with pytest.raises(ValidationFailed) as refused:
        dispatch_event(world.people.coordinator, event, now=T0)
    assert refused.value.fields.keys() == {"assignee_id"}
    assert refused.value.code == "validation_failed"
    with pytest.raises(ValidationFailed) as refused:
        dispatch_event(world.people.coordinator, event, department_code="NOPE", now=T0)
    assert refused.value.fields.keys() == {"department_code"}
    with pytest.raises(ValidationFailed) as refused:
        dispatch_event(
            world.people.coordinator, event, assignee_id=world.gridworker.id, department_code="CUM"
        )
    assert refused.value.fields.keys() == {"assignee_id"}


def test_the_timeline_of_a_missing_event_is_a_404(world):
    with pytest.raises(NotFound):
        queries.get_event(123456)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventStep)) == 0
