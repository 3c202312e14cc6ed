"""The scheduler's work with a controlled clock: overdue, escalation, closing unrated."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.dispatch.conftest import T0
from tests.dispatch.test_loop import actions, dispatched, handled, notices
from tests.factories import make_member
from timebank.auth.models import Role
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import auto_close, give_feedback
from timebank.dispatch.deadlines import (
    accept_due,
    close_unrated,
    due_query,
    feedback_due,
    handle_due,
    mark_accept_overdue,
    mark_handle_overdue,
)
from timebank.dispatch.jobs import event_tick_job
from timebank.dispatch.models import Event
from timebank.dispatch.transitions import (
    accept_event,
    handle_event,
    register_event,
    return_event,
)
from timebank.extensions import db
from timebank.ledger.models import LedgerEntry
from timebank.notifications.models import Notification


def test_a_missed_accept_deadline_is_marked_once_and_told(world):
    event = dispatched(world)
    assert mark_accept_overdue(T0 + timedelta(minutes=29)) == 0
    assert mark_accept_overdue(T0 + timedelta(minutes=31)) == 1
    assert mark_accept_overdue(T0 + timedelta(minutes=40)) == 0  # once per deadline
    db.session.refresh(event)
    assert event.overdue and event.accept_overdue_at == T0 + timedelta(minutes=31)
    assert event.status == "dispatched" and event.escalated_to_id is None
    assert len(notices(world.gridworker, "event_overdue")) == 1
    assert len(notices(world.people.coordinator, "event_overdue")) == 1  # the dispatcher
    assert actions(event)[-1] == ("overdue", "dispatched", "dispatched")
    accept_event(world.gridworker, event, now=T0 + timedelta(minutes=45))
    assert event.overdue is False  # the handle deadline is the one that counts now


def test_a_missed_handle_deadline_escalates_one_level_per_deadline(world):
    town_head = make_member(world.tree.town, roles=[(Role.COORDINATOR, world.tree.town)])
    district_head = make_member(world.tree.community, roles=[(Role.ORGANISER, world.tree.district)])
    event = dispatched(world)
    accept_event(world.gridworker, event, now=T0)
    late = T0 + timedelta(hours=25)
    assert mark_handle_overdue(late) == 1
    assert mark_handle_overdue(late + timedelta(hours=1)) == 0
    db.session.refresh(event)
    assert (event.overdue, event.escalated_to_id) == (True, world.tree.town.id)
    assert event.escalated_at == late
    assert len(notices(town_head, "event_escalated")) == 1
    assert len(notices(world.gridworker, "event_overdue")) == 1
    assert [a for a, *_ in actions(event)][-2:] == ["overdue", "escalated"]
    # Given back, dispatched again, late again: the district has it now.
    return_event(world.gridworker, event, reason="忙不过来", now=late)
    dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=late)
    assert event.overdue is False and event.handle_overdue_at is None
    assert mark_handle_overdue(late + timedelta(hours=25)) == 1
    db.session.refresh(event)
    assert event.escalated_to_id == world.tree.district.id
    assert len(notices(district_head, "event_escalated")) == 1


def test_handled_events_without_feedback_close_unrated_after_72_hours(world):
    event, _ = handled(world)  # handled at T0 + 1 h
    assert close_unrated(T0 + timedelta(hours=72, minutes=59)) == 0
    assert close_unrated(T0 + timedelta(hours=73)) == 1
    db.session.refresh(event)
    assert (event.status, event.rating) == ("closed", None)
    assert actions(event)[-1] == ("auto_closed", "handled", "closed")
    assert close_unrated(T0 + timedelta(hours=80)) == 0


def test_an_auto_closed_volunteer_event_credits_the_reported_minutes(world):
    event = world.report(category_code=world.errand.code)
    register_event(world.people.coordinator, event, now=T0)
    dispatch_event(world.people.coordinator, event, assignee_id=world.people.neighbour.id, now=T0)
    accept_event(world.people.neighbour, event, now=T0)
    handle_event(world.people.neighbour, event, result="送到", minutes=45, now=T0)
    assert event_tick_job(now=T0 + timedelta(hours=73)) == 1
    entry = db.session.scalar(
        sa.select(LedgerEntry).where(LedgerEntry.source_key == f"event:{event.id}")
    )
    assert entry.minutes == 45


def test_the_tick_reads_only_what_is_due(world):
    """Through the partial indexes: a rated event is no longer due anywhere."""
    event, _ = handled(world)
    give_feedback(world.people.member, event, rating=5, now=T0 + timedelta(hours=2))
    assert event_tick_job(now=T0 + timedelta(days=30)) == 0


@pytest.mark.parametrize(
    "due, order_by, index",
    [
        (accept_due, Event.accept_due_at, "ix_events_accept_due"),
        (handle_due, Event.handle_due_at, "ix_events_handle_due"),
        (feedback_due, Event.feedback_due_at, "ix_events_feedback_due"),
    ],
)
def test_what_is_due_is_read_through_its_partial_index(db, due, order_by, index):
    """Never a scan of the open events: the due query can use (and here uses) the partial
    index on its due time."""
    stmt = due_query(due(T0), order_by, 500)
    dialect = db.session.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(sa.text("EXPLAIN " + sql)))
    else:
        plan = "\n".join(str(r) for r in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
    assert index in plan, plan


def test_auto_close_refuses_an_event_whose_feedback_time_runs(world):
    """A scheduler holding a stale list cannot close an event handled again meanwhile."""
    event, _ = handled(world)
    assert auto_close(event, now=T0 + timedelta(hours=2)) is False
    assert event.status == "handled"


def _tick_statements(now) -> tuple[int, list[str]]:
    """Run one tick; returns (what it handled, the SQL statements it sent)."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    db.session.expire_all()  # as after a commit in production: nothing read is reused
    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", count)
    try:
        done = event_tick_job(now=now)
    finally:
        sa.event.remove(connection, "before_cursor_execute", count)
    return done, statements


def test_a_tick_sends_the_same_statements_for_any_number_of_due_events(world):
    """Marking, escalating and telling a batch costs a fixed number of statements: no
    event's people, category or unit is read one by one, and the notices of the whole
    batch are written by one INSERT of inbox rows and one of outbox messages."""
    world.people.coordinator.locale = "en"  # two languages among the readers
    department = {"department_code": world.department.code}
    counts = []
    for n, start in ((2, T0), (14, T0 + timedelta(days=3))):
        events = [dispatched(world, to=None if i % 2 else department, now=start) for i in range(n)]
        db.session.commit()
        done, statements = _tick_statements(start + timedelta(hours=30))
        assert done == 2 * n  # the accept and the handle deadline of each
        counts.append(len(statements))
        for event in events:
            db.session.refresh(event)
            assert event.escalated_to_id == world.tree.town.id
            told = notices(world.people.coordinator, "event_overdue")
            assert len([x for x in told if x.subject_id == event.id]) == 2
        heads = db.session.scalars(
            sa.select(Notification.subject_id).where(Notification.kind == "event_escalated")
        ).all()
        assert {e.id for e in events} <= set(heads)
    assert counts[0] == counts[1], counts
