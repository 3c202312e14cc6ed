"""The residents' pages: report without an account, follow with four digits, rate."""

import io

import sqlalchemy as sa

from tests.dispatch.conftest import T0
from tests.dispatch.test_photos import picture
from timebank.dispatch.assign import dispatch_event
from timebank.dispatch.intake import report_event
from timebank.dispatch.models import Event, EventPhoto, EventStep
from timebank.dispatch.transitions import accept_event, handle_event, register_event
from timebank.extensions import db


def _form(world, **overrides):
    data = {
        "name": "陈阿姨",
        "phone": "13800009876",
        "category_code": world.street.code,
        "description": "路灯坏了三天",
        "grid_id": str(world.tree.grid.id),
        "lat": "",
        "lon": "",
        "address": "",
    }
    data.update(overrides)
    return data


def _events():
    return list(db.session.scalars(sa.select(Event)))


def test_the_report_page_asks_for_photos_from_the_camera(client, world):
    page = client.get("/report").get_data(as_text=True)
    assert 'accept="image/*"' in page and "capture" in page and 'name="photos"' in page
    assert world.tree.grid.name in page and world.street.name in page


def test_a_resident_reports_with_a_photo_and_gets_the_number(client, world):
    data = _form(world, photos=(io.BytesIO(picture()), "a.jpg"))
    answer = client.post("/report", data=data, content_type="multipart/form-data")
    assert answer.status_code == 302
    (event,) = _events()
    assert answer.headers["Location"].endswith(f"/report/{event.number}")
    assert (event.reporter_id, event.reporter_phone, event.source) == (
        None,
        "13800009876",
        "resident",
    )
    assert event.unit_id == world.tree.grid.id and event.photo_count == 1
    assert db.session.scalar(sa.select(sa.func.count(EventPhoto.id))) == 1


def test_the_position_of_the_phone_finds_the_grid(client, world, tree):
    tree.grid.lat, tree.grid.lon = 22.835, 22.835 + 90.69
    data = _form(world, grid_id="", lat="22.835", lon="113.525")
    assert client.post("/report", data=data).status_code == 302
    assert _events()[0].unit_id == tree.grid.id


def test_every_bad_field_is_shown_at_once_and_nothing_is_made(client, world):
    data = _form(
        world,
        name="",
        phone="12",
        category_code="NOPE",
        description="",
        grid_id="",
        photos=(io.BytesIO(b"GIF89a no"), "x.jpg"),
    )
    answer = client.post("/report", data=data, content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and page.count("invalid-feedback") >= 5
    assert "只能使用 JPEG 或 PNG 格式的照片" in page
    assert _events() == []


def test_hostile_text_is_refused_at_its_field(client, world):
    answer = client.post("/report", data=_form(world, description="坏了\x00"))
    assert answer.status_code == 200 and _events() == []


def test_reports_are_rate_limited_by_phone_and_address(client, world, rate_limits):
    for i in range(5):
        assert client.post("/report", data=_form(world)).status_code == 302, i
    assert client.post("/report", data=_form(world)).status_code == 429
    other = _form(world, phone="13800001111")
    for _i in range(5):
        assert client.post("/report", data=other).status_code == 302
    third = _form(world, phone="13800002222")
    assert client.post("/report", data=third).status_code == 429  # 10 from this address


def test_a_typo_does_not_count_against_the_limit(client, world, rate_limits):
    for _i in range(8):
        assert client.post("/report", data=_form(world, description="")).status_code == 200
    assert client.post("/report", data=_form(world)).status_code == 302


def _resident_event(world, now=T0):
    return report_event(
        None,
        now=now,
        category_code=world.street.code,
        description="井盖丢了",
        grid_id=world.tree.grid.id,
        reporter_name="陈阿姨",
        reporter_phone="13800009876",
    )


def test_following_shows_status_and_steps_but_never_people(client, world):
    event = _resident_event(world)
    register_event(world.people.coordinator, event, now=T0)
    db.session.add(
        EventStep(event_id=event.id, at=T0, action="registered", note="secret note 张三")
    )
    assert "陈阿姨" not in client.get(f"/report/{event.number}").get_data(as_text=True)
    page = client.post(f"/report/{event.number}", data={"digits": "9876"}).get_data(as_text=True)
    assert 'data-test="follow-status"' in page and "已立项" in page
    for secret in ("陈阿姨", "13800009876", "9876</", "协调员", "secret note", "井盖丢了"):
        assert secret not in page


def test_wrong_digits_and_forged_numbers_show_nothing_alike(client, world):
    event = _resident_event(world)
    wrong = client.post(f"/report/{event.number}", data={"digits": "1234"})
    forged = client.post("/report/NS20261203999999", data={"digits": "9876"})
    junk = client.post("/report/<script>", data={"digits": "9876"})
    for answer in (wrong, forged, junk):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and 'data-test="follow-status"' not in page
        assert "没有与此编号和号码相符的报告" in page


def test_guessing_digits_is_rate_limited_by_number(client, world, rate_limits):
    event = _resident_event(world)
    for i in range(10):
        answer = client.post(f"/report/{event.number}", data={"digits": f"{i:04d}"})
        assert answer.status_code == 200
    right = client.post(f"/report/{event.number}", data={"digits": "9876"})
    assert right.status_code == 429


def test_right_digits_do_not_count(client, world, rate_limits):
    event = _resident_event(world)
    for _i in range(12):
        answer = client.post(f"/report/{event.number}", data={"digits": "9876"})
        assert answer.status_code == 200


def _handled(world):
    event = _resident_event(world)
    register_event(world.people.coordinator, event, now=T0)
    dispatch_event(world.people.coordinator, event, assignee_id=world.gridworker.id, now=T0)
    accept_event(world.gridworker, event, now=T0)
    handle_event(world.gridworker, event, result="修好了", now=T0)
    return event


def test_a_resident_rates_the_result_on_the_follow_page(client, world):
    event = _handled(world)
    page = client.post(f"/report/{event.number}", data={"digits": "9876"}).get_data(as_text=True)
    assert 'data-test="resident-rating"' in page
    answer = client.post(f"/report/{event.number}/rate", data={"digits": "9876", "rating": "5"})
    assert answer.status_code == 200
    db.session.refresh(event)
    assert (event.status, event.rating) == ("closed", 5)
    again = client.post(f"/report/{event.number}/rate", data={"digits": "9876", "rating": "4"})
    assert again.status_code == 409 and db.session.get(Event, event.id).rating == 5


def test_rating_needs_the_digits_and_a_rating(client, world):
    event = _handled(world)
    wrong = client.post(f"/report/{event.number}/rate", data={"digits": "0000", "rating": "5"})
    assert "没有与此编号和号码相符的报告" in wrong.get_data(as_text=True)
    bad = client.post(f"/report/{event.number}/rate", data={"digits": "9876", "rating": "9"})
    assert bad.status_code == 422
    db.session.refresh(event)
    assert event.status == "handled"
