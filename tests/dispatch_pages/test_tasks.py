"""A member's tasks: the residents' calls given to them as a volunteer, beside shifts."""

from tests.dispatch.conftest import T0
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.closing import close_event
from timebank.dispatch.transitions import accept_event, handle_event, register_event


def test_my_tasks_lists_volunteer_events_with_their_credit(login, world):
    member = world.people.neighbour
    event = world.report(category_code=world.errand.code)
    register_event(world.people.coordinator, event, now=T0)
    dispatch_event(world.people.coordinator, event, assignee_id=member.id, now=T0)
    other = world.report()  # not a volunteer event: not listed
    page = login(member).get("/my-tasks").get_data(as_text=True)
    assert event.number in page and other.number not in page
    assert 'data-test="my-task-shifts"' in page
    accept_event(member, event, now=T0)
    handle_event(member, event, result="帮买了药", minutes=45, now=T0)
    close_event(world.people.coordinator, event, note="核实", credit_minutes=40, now=T0)
    page = login(member).get("/my-tasks").get_data(as_text=True)
    assert 'data-test="credited"' in page


def test_nobody_else_sees_them(login, world):
    event = world.report(category_code=world.errand.code)
    register_event(world.people.coordinator, event, now=T0)
    dispatch_event(world.people.coordinator, event, assignee_id=world.people.neighbour.id, now=T0)
    page = login(world.people.member).get("/my-tasks").get_data(as_text=True)
    assert event.number not in page and 'data-test="no-volunteer-events"' in page
