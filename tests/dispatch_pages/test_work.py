"""The worklist, the dispatcher's queue and the event page with its steps."""

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from tests.dispatch.conftest import T0
from tests.dispatch.test_photos import picture
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.catalogue import appoint_gridworker
from timebank.dispatch.models import Event, EventPhoto
from timebank.dispatch.transitions import accept_event, handle_event, register_event
from timebank.extensions import db


def _dispatched(world, **kw):
    event = world.report(**kw)
    register_event(world.people.coordinator, event, now=T0)
    dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=T0)
    return event


def test_the_worklist_puts_late_events_first(login, world):
    early, late = _dispatched(world), _dispatched(world)
    late.overdue = True
    db.session.flush()
    page = login(world.gridworker).get("/worklist").get_data(as_text=True)
    assert page.index(late.number) < page.index(early.number)
    assert page.count('data-test="accept"') == 2


def test_the_worklist_shows_only_my_events(login, world):
    mine = _dispatched(world)
    page = login(world.people.neighbour).get("/worklist").get_data(as_text=True)
    assert mine.number not in page and 'data-test="worklist-empty"' in page


def test_a_grid_worker_accepts_from_the_worklist(login, world):
    event = _dispatched(world)
    client = login(world.gridworker)
    answer = client.post(f"/events/{event.id}/accept", data={"from": "worklist"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/worklist")
    assert db.session.get(Event, event.id).status == "accepted"
    again = client.post(f"/events/{event.id}/accept")
    assert again.status_code == 409


def test_only_the_assignee_accepts(login, world):
    event = _dispatched(world)
    assert login(world.people.coordinator).post(f"/events/{event.id}/accept").status_code == 403
    assert login(world.people.far_member).post(f"/events/{event.id}/accept").status_code == 404


def test_giving_back_needs_a_reason(login, world):
    event = _dispatched(world)
    client = login(world.gridworker)
    refused = client.post(f"/events/{event.id}/return", data={"reason": ""})
    assert refused.status_code == 422 and 'data-test="return-form"' in refused.get_data(True)
    assert client.post(f"/events/{event.id}/return", data={"reason": "不归我管"}).status_code == 302
    assert db.session.get(Event, event.id).status == "registered"


def test_the_result_is_reported_with_photos(login, world):
    event = _dispatched(world)
    accept_event(world.gridworker, event, now=T0)
    client = login(world.gridworker)
    data = {"result": "已修好", "photos": (io.BytesIO(picture()), "after.jpg")}
    answer = client.post(
        f"/events/{event.id}/handle", data=data, content_type="multipart/form-data"
    )
    assert answer.status_code == 302
    assert db.session.get(Event, event.id).status == "handled"
    assert db.session.scalar(sa.select(sa.func.count(EventPhoto.id))) == 1


def test_a_bad_photo_undoes_the_result(login, world):
    event = _dispatched(world)
    accept_event(world.gridworker, event, now=T0)
    data = {"result": "已修好", "photos": (io.BytesIO(b"not an image"), "x.jpg")}
    answer = login(world.gridworker).post(
        f"/events/{event.id}/handle", data=data, content_type="multipart/form-data"
    )
    assert answer.status_code == 422
    assert db.session.get(Event, event.id).status == "accepted"


def test_the_queue_has_its_tabs_in_scope(login, world):
    new = world.report()
    registered = world.report()
    register_event(world.people.coordinator, registered, now=T0)
    client = login(world.people.coordinator)
    page = client.get("/dispatch-queue").get_data(as_text=True)
    assert new.number in page and registered.number not in page
    page = client.get("/dispatch-queue?tab=registered").get_data(as_text=True)
    assert registered.number in page and new.number not in page
    far = login(world.people.far_coordinator).get("/dispatch-queue").get_data(as_text=True)
    assert new.number not in far
    assert login(world.people.member).get("/dispatch-queue").status_code == 403
    assert login(world.people.coordinator).get("/dispatch-queue?tab=x").status_code == 404


def test_escalated_to_me(login, world):
    event = _dispatched(world)
    event.escalated_to_id, event.overdue = world.tree.town.id, True
    db.session.flush()
    page = login(world.people.organiser).get("/dispatch-queue?tab=escalated").get_data(True)
    assert event.number in page


def test_register_then_dispatch_to_a_grid_worker(login, world):
    event = world.report()
    client = login(world.people.coordinator)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'data-test="register-form"' in page and 'data-test="reject-form"' in page
    data = {"category_code": world.street.code, "priority": "urgent"}
    assert client.post(f"/events/{event.id}/register", data=data).status_code == 302
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'value="m:{world.gridworker.id}"' in page and 'value="d:CUM"' in page
    assert 'data-test="dispatch-deadlines"' in page
    answer = client.post(
        f"/events/{event.id}/dispatch", data={"assignee": f"m:{world.gridworker.id}"}
    )
    assert answer.status_code == 302
    db.session.refresh(event)
    assert (event.status, event.assignee_member_id) == ("dispatched", world.gridworker.id)


def test_dispatch_to_someone_not_allowed_is_refused(login, world):
    event = world.report()
    register_event(world.people.coordinator, event, now=T0)
    client = login(world.people.coordinator)
    answer = client.post(
        f"/events/{event.id}/dispatch", data={"assignee": f"m:{world.people.far_member.id}"}
    )
    assert answer.status_code == 422 and db.session.get(Event, event.id).status == "registered"
    answer = client.post(f"/events/{event.id}/dispatch", data={"assignee": "d:CUM"})
    assert answer.status_code == 302
    assert db.session.get(Event, event.id).assignee_kind == "department"


def test_reject_as_a_duplicate_by_number(login, world):
    original, copy = world.report(), world.report()
    client = login(world.people.coordinator)
    data = {"reason": "重复上报", "duplicate_of": original.number}
    assert client.post(f"/events/{copy.id}/reject", data=data).status_code == 302
    db.session.refresh(copy)
    assert (copy.status, copy.duplicate_of_id) == ("rejected", original.id)
    bad = client.post(f"/events/{original.id}/reject", data={"reason": "", "duplicate_of": "X"})
    assert bad.status_code == 422


def test_the_reporter_rates_from_the_event_page(login, world):
    event = _dispatched(world)
    accept_event(world.gridworker, event, now=T0)
    handle_event(world.gridworker, event, result="修好了", now=T0)
    client = login(world.people.member)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'data-test="rating-form"' in page
    assert client.post(f"/events/{event.id}/feedback", data={"rating": "4"}).status_code == 302
    db.session.refresh(event)
    assert (event.status, event.rating) == ("closed", 4)


def test_the_event_page_is_404_out_of_reach(login, world):
    event = world.report()
    assert login(world.people.far_member).get(f"/events/{event.id}").status_code == 404


def test_photos_are_served_through_the_rights_check(login, world):
    event = world.report(photos=[picture()])
    photo = db.session.scalar(sa.select(EventPhoto))
    client = login(world.people.coordinator)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f"/events/{event.id}/photos/{photo.id}/thumb" in page
    thumb = client.get(f"/events/{event.id}/photos/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    thumb.close()
    other = login(world.people.far_member)
    assert other.get(f"/events/{event.id}/photos/{photo.id}").status_code == 404


def test_homes_link_the_grid_worker_and_the_dispatcher_to_their_lists(login, world):
    _dispatched(world)
    world.report()
    page = login(world.gridworker).get("/").get_data(as_text=True)
    assert 'data-test="home-worklist"' in page and 'href="/worklist"' in page
    page = login(world.people.coordinator).get("/").get_data(as_text=True)
    assert 'data-test="home-dispatch-queue"' in page and "新上报 1" in page
    page = login(world.people.neighbour).get("/").get_data(as_text=True)
    assert 'data-test="home-dispatch"' not in page


def test_the_handled_notice_opens_the_event_page(login, world):
    event = _dispatched(world)
    accept_event(world.gridworker, event, now=T0)
    handle_event(world.gridworker, event, result="修好了", now=T0)
    client = login(world.people.member)
    page = client.get("/inbox").get_data(as_text=True)
    opening = re.search(r'action="(/inbox/\d+/open)"', page).group(1)
    assert client.post(opening).headers["Location"].endswith(f"/events/{event.id}")


def test_a_grid_worker_on_the_grid_and_its_community_is_offered_once(login, world):
    appoint_gridworker(world.people.coordinator, world.gridworker, world.tree.community, now=T0)
    event = world.report()
    register_event(world.people.coordinator, event, now=T0)
    page = login(world.people.coordinator).get(f"/events/{event.id}").get_data(as_text=True)
    assert page.count(f'value="m:{world.gridworker.id}"') == 1


def _escalated_page(login, world, lang):
    from timebank.dispatch.deadlines import mark_accept_overdue, mark_handle_overdue

    world.tree.town.name_en = "Huangge Town"
    event = _dispatched(world)
    mark_accept_overdue(T0 + timedelta(hours=1))
    mark_handle_overdue(T0 + timedelta(hours=25))
    client = login(world.people.coordinator)
    with client.session_transaction() as session:
        session["lang"] = lang
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    return page[page.index('data-test="timeline"') :]


def test_the_timeline_speaks_english(login, world):
    timeline = _escalated_page(login, world, "en")
    assert "Not accepted in time" in timeline and "Not handled in time" in timeline
    assert "Huangge Town" in timeline and "黄阁镇" not in timeline
    assert not re.search(r">\s*(accept|handle)\s*<", timeline)


def test_the_timeline_speaks_chinese(login, world):
    timeline = _escalated_page(login, world, "zh_CN")
    assert "未按时受理" in timeline and "未按时办结" in timeline
    assert "黄阁镇" in timeline and "Huangge Town" not in timeline
    assert not re.search(r">\s*(accept|handle)\s*<", timeline)
