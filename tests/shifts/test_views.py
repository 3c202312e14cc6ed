from datetime import timedelta

from tests.factories import make_checkpoint, make_shift
from timebank.core.clock import local, utcnow
from timebank.core.privacy import mask_phone
from timebank.shifts.models import Shift, Signup


def test_board_shows_own_community_first_and_free_places(tree, people, login):
    far = make_shift(tree.far, title="远方值守", starts_at=utcnow() + timedelta(hours=30))
    home = make_shift(
        tree.community, title="金洲值守", capacity=3, starts_at=utcnow() + timedelta(hours=40)
    )
    html = login(people.member).get("/shifts/").get_data(as_text=True)
    assert html.index(home.title) < html.index(far.title)
    assert 'data-test="free-places"' in html


def test_board_filters(tree, people, login):
    make_shift(tree.community, title="外展宣传", kind="outreach")
    make_shift(tree.community, title="北门测温岗", kind="checkpoint")
    make_shift(tree.community, title="无人机巡查", skills=["drone"])
    client = login(people.member)
    html = client.get("/shifts/?kind=outreach").get_data(as_text=True)
    assert "外展宣传" in html and "北门测温岗" not in html
    html = client.get("/shifts/?mine=y").get_data(as_text=True)
    assert "北门测温岗" in html and "无人机巡查" not in html
    later = (local(utcnow()) + timedelta(days=10)).date().isoformat()
    assert "北门测温岗" not in client.get(f"/shifts/?day={later}").get_data(as_text=True)


def test_sign_up_and_cancel_from_the_pages(tree, people, login, db):
    shift = make_shift(tree.community, capacity=1)
    client = login(people.member)
    response = client.post(f"/shifts/{shift.id}/signup", data={"next": "/shifts/"})
    assert response.status_code == 302 and response.headers["Location"] == "/shifts/"
    assert db.session.query(Signup).one().status == "confirmed"
    html = client.get("/shifts/mine").get_data(as_text=True)
    assert shift.title in html
    client.post(f"/shifts/{shift.id}/signup/cancel")
    assert db.session.query(Signup).one().status == "cancelled"


def test_sign_up_refusal_is_flashed(tree, people, login):
    shift = make_shift(tree.community, skills=["drone"])
    client = login(people.member)
    client.post(f"/shifts/{shift.id}/signup")
    html = client.get(f"/shifts/{shift.id}").get_data(as_text=True)
    assert "alert-danger" in html


def test_publish_series_from_the_form(tree, people, login, db):
    cp = make_checkpoint(tree.community)
    first = (local(utcnow()) + timedelta(days=1)).date().isoformat()
    response = login(people.coordinator).post(
        "/shifts/new",
        data={
            "title": "早班",
            "kind": "checkpoint",
            "community_id": str(tree.community.id),
            "checkpoint_id": str(cp.id),
            "first_day": first,
            "start_time": "08:00",
            "end_time": "12:00",
            "days": "7",
            "capacity": "3",
            "counts_as_service": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.query(Shift).count() == 7


def test_publish_form_errors_at_fields(tree, people, login, db):
    client = login(people.coordinator)
    first = (local(utcnow()) + timedelta(days=1)).date().isoformat()
    data = {
        "title": "早班",
        "kind": "checkpoint",
        "community_id": str(tree.community.id),
        "first_day": first,
        "start_time": "12:00",
        "end_time": "12:00",
        "days": "1",
        "capacity": "0",
    }
    response = client.post("/shifts/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("is-invalid") >= 2
    past = (local(utcnow()) - timedelta(days=1)).date().isoformat()
    response = client.post(
        "/shifts/new",
        data={
            **data,
            "first_day": past,
            "start_time": "08:00",
            "end_time": "12:00",
            "capacity": "2",
        },
    )
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    assert db.session.query(Shift).count() == 0


def test_publish_page_is_for_coordinators(people, login):
    assert login(people.member).get("/shifts/new").status_code == 403
    assert login(people.staff).get("/shifts/new").status_code == 403


def test_roster_page_printable_for_staff(tree, people, login):
    shift = make_shift(tree.community)
    login(people.member).post(f"/shifts/{shift.id}/signup")
    html = login(people.staff).get(f"/shifts/{shift.id}/roster").get_data(as_text=True)
    assert 'data-action="print"' in html
    assert mask_phone(people.member.phone) in html and people.member.phone not in html
    assert login(people.far_coordinator).get(f"/shifts/{shift.id}/roster").status_code == 403


def test_checkpoint_pages(tree, people, login, db):
    from timebank.shifts.models import Checkpoint

    client = login(people.coordinator)
    response = client.post(
        "/checkpoints/new",
        data={
            "community_id": str(tree.community.id),
            "name": "西门卡口",
            "lat": "22.835",
            "lon": "113.52",
            "radius_m": "150",
        },
    )
    assert response.status_code == 302
    cp = db.session.query(Checkpoint).one()
    assert "西门卡口" in client.get(f"/checkpoints/?community_id={tree.community.id}").get_data(
        as_text=True
    )
    response = client.post(
        f"/checkpoints/{cp.id}/edit",
        data={"name": "西门卡口", "lat": "22.835", "lon": "113.52", "radius_m": "5"},
    )
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    assert login(people.far_coordinator).get(f"/checkpoints/{cp.id}/edit").status_code == 403


def test_calendar_feed(tree, people, login):
    shift = make_shift(tree.community, title="日历值守")
    client = login(people.member)
    client.post(f"/shifts/{shift.id}/signup")
    html = client.get("/shifts/calendar").get_data(as_text=True)
    url = html.split('data-test="feed-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    client.post("/logout")
    feed = client.get("/" + path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "日历值守" in text and "STATUS:CONFIRMED" in text
    login(people.member).post("/shifts/calendar")  # a new address
    assert client.get("/" + path).status_code == 404


def _night_form(tree, **overrides):
    first = (local(utcnow()) + timedelta(days=1)).date().isoformat()
    data = {
        "title": "夜间卡口值守",
        "kind": "checkpoint",
        "community_id": str(tree.community.id),
        "first_day": first,
        "start_time": "22:00",
        "end_time": "02:00",
        "days": "1",
        "capacity": "2",
        "counts_as_service": "y",
    }
    return {**data, **overrides}


def test_publish_a_night_shift_from_the_form(tree, people, login, db):
    client = login(people.coordinator)
    assert "次日" in client.get("/shifts/new").get_data(as_text=True)  # "ends next day"
    response = client.post("/shifts/new", data=_night_form(tree))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    shift = db.session.query(Shift).one()
    assert shift.minutes == 240 and shift.ends_next_day
    assert local(shift.starts_at).hour == 22 and local(shift.ends_at).hour == 2
    assert "次日" in client.get(f"/shifts/{shift.id}").get_data(as_text=True)


def test_publish_a_series_of_night_shifts_from_the_form(tree, people, login, db):
    response = login(people.coordinator).post("/shifts/new", data=_night_form(tree, days="3"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    shifts = db.session.query(Shift).order_by(Shift.starts_at).all()
    assert [s.minutes for s in shifts] == [240] * 3 and all(s.ends_next_day for s in shifts)


def _edit_form(shift, **overrides):
    start, end = local(shift.starts_at), local(shift.ends_at)
    data = {
        "title": shift.title,
        "kind": shift.kind,
        "checkpoint_id": "",
        "day": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "capacity": str(shift.capacity),
    }
    if shift.counts_as_service:
        data["counts_as_service"] = "y"
    return {**data, **overrides}


def test_edit_form_corrects_the_kind_and_its_counting(tree, people, login, db):
    shift = make_shift(tree.community, kind="other")
    client = login(people.coordinator)
    html = client.get(f"/shifts/{shift.id}/edit").get_data(as_text=True)
    assert 'name="kind"' in html and 'name="counts_as_service"' in html
    response = client.post(f"/shifts/{shift.id}/edit", data=_edit_form(shift, kind="lecture"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(shift)
    assert (shift.kind, shift.counts_as_service) == ("lecture", False)  # the box unchanged
    data = _edit_form(shift, counts_as_service="y")
    assert client.post(f"/shifts/{shift.id}/edit", data=data).status_code == 302
    db.session.refresh(shift)
    assert (shift.kind, shift.counts_as_service) == ("lecture", True)  # ticked: as ticked


def test_edit_form_makes_a_night_shift(tree, people, login, db):
    shift = make_shift(tree.community, hours=2)
    start = local(shift.starts_at).replace(hour=22, minute=0)
    data = _edit_form(shift, day=start.date().isoformat(), start_time="22:00", end_time="03:00")
    response = login(people.coordinator).post(f"/shifts/{shift.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(shift)
    assert shift.minutes == 300 and shift.ends_next_day
