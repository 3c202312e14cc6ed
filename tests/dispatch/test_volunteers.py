"""Who may be given an event, and party members' hours from residents' calls."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.dispatch.conftest import T0
from tests.dispatch.test_loop import dispatched
from tests.factories import make_member, make_unit
from timebank.core.errors import Conflict, ValidationFailed
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.catalogue import appoint_gridworker
from timebank.dispatch.closing import close_event, give_feedback
from timebank.dispatch.transitions import accept_event, handle_event, register_event
from timebank.extensions import db
from timebank.ledger import chain
from timebank.ledger.models import LedgerEntry
from timebank.rankings.queries import ranking
from timebank.units.models import Level


def registered(world, category=None, **fields):
    event = world.report(category_code=(category or world.errand).code, **fields)
    register_event(world.people.organiser, event, now=T0)
    return event


def refused_assignee(world, event, member):
    with pytest.raises(ValidationFailed) as refused:
        dispatch_event(world.people.organiser, event, assignee_id=member.id, now=T0)
    assert refused.value.code == "assignee_not_allowed"
    assert refused.value.fields.keys() == {"assignee_id"}


def test_a_volunteer_only_for_their_community_and_a_volunteer_ok_category(world):
    p = world.people
    refused_assignee(world, registered(world, world.street), p.member)  # not volunteer_ok
    refused_assignee(world, registered(world), p.far_member)  # another community
    refused_assignee(world, registered(world), p.pending)  # not active
    non_party = make_member(world.tree.community, is_party_member=False)
    refused_assignee(world, registered(world), non_party)
    event = registered(world)
    dispatch_event(p.coordinator, event, assignee_id=p.neighbour.id, now=T0)
    assert event.assignee == {"kind": "volunteer", "id": p.neighbour.id}


def test_a_grid_worker_only_for_events_of_their_own_units(world):
    other_grid = make_unit(Level.GRID, world.tree.sibling, lat=22.83, lon=113.515)
    event = registered(world, world.street, grid_id=other_grid.id)
    refused_assignee(world, event, world.gridworker)
    refused_assignee(world, event, world.people.coordinator)  # no grid worker role anywhere
    unknown = registered(world, world.street)
    with pytest.raises(ValidationFailed) as refused:
        dispatch_event(world.people.organiser, unknown, assignee_id=10**12, now=T0)
    assert refused.value.code == "assignee_not_allowed"
    appoint_gridworker(world.people.organiser, world.gridworker, world.tree.sibling, now=T0)
    dispatch_event(world.people.organiser, event, assignee_id=world.gridworker.id, now=T0)
    assert event.assignee_kind == "gridworker"


def volunteer_handled(world, minutes=90):
    event = registered(world)
    volunteer = world.people.neighbour
    dispatch_event(world.people.coordinator, event, assignee_id=volunteer.id, now=T0)
    accept_event(volunteer, event, now=T0)
    handle_event(
        volunteer, event, result="已代买药品", minutes=minutes, now=T0 + timedelta(hours=2)
    )
    return event, volunteer


def entries_of(member):
    return db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.member_id == member.id)
    ).all()


def test_closing_a_volunteer_event_credits_the_confirmed_minutes_once(world):
    event, volunteer = volunteer_handled(world)
    c = world.people.coordinator
    with pytest.raises(ValidationFailed) as refused:
        close_event(c, event, note="核实", credit_minutes=241)
    assert refused.value.fields.keys() == {"credit_minutes"}
    close_event(c, event, note="核实", credit_minutes=60, now=T0 + timedelta(hours=3))
    [entry] = entries_of(volunteer)
    assert (entry.kind, entry.minutes, entry.source_key) == ("service", 60, f"event:{event.id}")
    assert entry.reason == event.number and event.credit_entry_id == entry.id
    assert entry.created_by_id == c.id
    with pytest.raises(Conflict):
        close_event(c, event, note="again", credit_minutes=60)
    assert len(entries_of(volunteer)) == 1
    assert chain.verify().ok
    board = ranking(c, by="member", period="all", unit=world.tree.community, now=T0)
    assert [(r.id, r.minutes, r.shifts) for r in board.rows] == [(volunteer.id, 60, 1)]


def test_a_rated_volunteer_event_credits_the_reported_minutes_capped(world):
    event, volunteer = volunteer_handled(world, minutes=300)
    give_feedback(world.people.member, event, rating=5, now=T0 + timedelta(hours=3))
    [entry] = entries_of(volunteer)
    assert entry.minutes == 240 and entry.created_by_id is None
    assert chain.verify().ok


def test_only_volunteers_report_minutes(world):
    event = dispatched(world)
    accept_event(world.gridworker, event, now=T0)
    with pytest.raises(ValidationFailed) as refused:
        handle_event(world.gridworker, event, result="ok", minutes=30)
    assert refused.value.fields.keys() == {"minutes"}
    event2 = registered(world)
    dispatch_event(world.people.coordinator, event2, assignee_id=world.people.neighbour.id)
    accept_event(world.people.neighbour, event2, now=T0)
    with pytest.raises(ValidationFailed) as refused:
        handle_event(world.people.neighbour, event2, result="", minutes=24 * 60 + 1)
    assert refused.value.fields.keys() == {"result", "minutes"}
