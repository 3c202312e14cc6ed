from datetime import datetime, time, timedelta

import pytest

from tests.factories import make_checkpoint, make_member, make_shift
from timebank.core.clock import LOCAL_TZ, utcnow
from timebank.core.privacy import mask_phone


def _body(tree, **overrides):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    body = {
        "title": "北门卡口",
        "kind": "checkpoint",
        "community_id": tree.community.id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(),
        "capacity": 2,
        "skills": [],
        "walk_ins": False,
    }
    body.update(overrides)
    return body


def test_create_shift_201(tree, people, api):
    cp = make_checkpoint(tree.community)
    response = api(people.coordinator).post("/shifts", json=_body(tree, checkpoint_id=cp.id))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["confirmed_count"] == 0 and body["waitlist_count"] == 0
    assert body["checkpoint_id"] == cp.id and body["status"] == "published"
    assert body["starts_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10001}, "capacity"),
        ({"kind": "party"}, "kind"),
        (
            {"starts_at": "2020-01-01T08:00:00+08:00", "ends_at": "2020-01-01T12:00:00+08:00"},
            "starts_at",
        ),
        ({"starts_at": "2030-01-01T08:00:00"}, "starts_at"),  # no offset
        ({"ends_at": "2000-01-01T00:00:00+00:00"}, "ends_at"),
        ({"capacity": "3"}, "capacity"),
    ],
)
def test_create_shift_422_with_fields(tree, people, api, db, overrides, field):
    from timebank.shifts.models import Shift

    response = api(people.coordinator).post("/shifts", json=_body(tree, **overrides))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert db.session.query(Shift).count() == 0


def test_create_shift_out_of_scope_403(tree, people, api):
    for who in ("far_coordinator", "staff", "member"):
        assert api(getattr(people, who)).post("/shifts", json=_body(tree)).status_code == 403


def test_series_api(tree, people, api):
    first = (utcnow() + timedelta(days=2)).date().isoformat()
    response = api(people.coordinator).post(
        "/shifts/series",
        json={
            "title": "晨间值守",
            "kind": "checkpoint",
            "community_id": tree.community.id,
            "first_day": first,
            "start_time": "08:00",
            "end_time": "12:00",
            "days": 14,
            "capacity": 3,
        },
    )
    assert response.status_code == 201, response.json
    assert len(response.json["items"]) == 14
    too_long = api(people.coordinator).post(
        "/shifts/series",
        json={
            "title": "x",
            "kind": "checkpoint",
            "community_id": tree.community.id,
            "first_day": first,
            "start_time": "08:00",
            "end_time": "12:00",
            "days": 400,
            "capacity": 3,
        },
    )
    assert too_long.status_code == 422 and "days" in too_long.json["error"]["fields"]


def test_list_and_get_shifts(tree, people, api):
    shift = make_shift(tree.community, capacity=1)
    make_shift(tree.far)
    make_member(tree.community)
    client = api(people.member)
    client.post(f"/shifts/{shift.id}/signups")
    api(people.neighbour).post(f"/shifts/{shift.id}/signups")
    items = client.get(f"/shifts?community_id={tree.community.id}").json["items"]
    assert [(i["id"], i["confirmed_count"], i["waitlist_count"]) for i in items] == [
        (shift.id, 1, 1)
    ]
    assert client.get(f"/shifts/{shift.id}").json["waitlist_count"] == 1
    assert client.get("/shifts/999999").status_code == 404
    assert client.get("/shifts?kind=party").status_code == 422


def test_signup_codes(tree, people, api):
    shift = make_shift(tree.community, capacity=1)
    first = api(people.member).post(f"/shifts/{shift.id}/signups")
    assert first.status_code == 201 and first.json["status"] == "confirmed"
    assert first.json["position"] is None
    second = api(people.neighbour).post(f"/shifts/{shift.id}/signups")
    assert second.status_code == 201
    assert (second.json["status"], second.json["position"]) == ("waitlisted", 1)
    again = api(people.member).post(f"/shifts/{shift.id}/signups")
    assert again.status_code == 409 and again.json["error"]["code"] == "already_signed_up"
    pending = api(people.pending).post(f"/shifts/{shift.id}/signups")
    assert pending.status_code == 403
    skilled = make_shift(tree.community, skills=["drone"])
    missing = api(people.member).post(f"/shifts/{skilled.id}/signups")
    assert missing.status_code == 422 and missing.json["error"]["code"] == "missing_skills"
    overlapping = make_shift(tree.sibling, starts_at=shift.starts_at + timedelta(hours=1))
    clash = api(people.member).post(f"/shifts/{overlapping.id}/signups")
    assert clash.status_code == 409 and clash.json["error"]["code"] == "overlapping_shift"
    assert api(people.member).post("/shifts/999999/signups").status_code == 404


def test_roster_is_for_staff_in_scope(tree, people, api):
    shift = make_shift(tree.community)
    api(people.member).post(f"/shifts/{shift.id}/signups")
    response = api(people.staff).get(f"/shifts/{shift.id}/roster")
    assert response.status_code == 200
    row = response.json["items"][0]
    assert row["member_id"] == people.member.id
    assert row["phone"] == mask_phone(people.member.phone)  # SPEC 3.6: staff see it masked
    assert row["status"] == "confirmed" and row["credited_minutes"] is None
    for who in ("member", "far_coordinator"):
        assert api(getattr(people, who)).get(f"/shifts/{shift.id}/roster").status_code == 403


def test_checkpoint_api(tree, people, api):
    body = {
        "name": "东门卡口",
        "community_id": tree.community.id,
        "lat": 22.836,
        "lon": 113.526,
        "radius_m": 150,
    }
    response = api(people.coordinator).post("/checkpoints", json=body)
    assert response.status_code == 201 and response.json["radius_m"] == 150
    assert (
        api(people.far_coordinator).post("/checkpoints", json={**body, "name": "x"}).status_code
        == 403
    )
    bad = api(people.coordinator).post("/checkpoints", json={**body, "name": "y", "radius_m": 1})
    assert bad.status_code == 422 and "radius_m" in bad.json["error"]["fields"]
    items = api(people.member).get(f"/checkpoints?community_id={tree.community.id}").json
    assert [c["name"] for c in items["items"]] == ["东门卡口"]


def test_my_signups(tree, people, api):
    shift = make_shift(tree.community)
    api(people.member).post(f"/shifts/{shift.id}/signups")
    items = api(people.member).get("/members/me/signups").json["items"]
    assert [(i["shift"]["id"], i["status"]) for i in items] == [(shift.id, "confirmed")]


def test_night_shift_through_the_api(tree, people, api):
    """22:00–02:00 across midnight is a shift; more than 24 hours is not."""
    day = (utcnow() + timedelta(days=3)).astimezone(LOCAL_TZ).date()
    start = datetime.combine(day, time(22), LOCAL_TZ)
    night = _body(
        tree, starts_at=start.isoformat(), ends_at=(start + timedelta(hours=4)).isoformat()
    )
    response = api(people.coordinator).post("/shifts", json=night)
    assert response.status_code == 201, response.json
    assert datetime.fromisoformat(response.json["ends_at"]) == start + timedelta(hours=4)
    too_long = _body(
        tree,
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=24, minutes=30)).isoformat(),
    )
    response = api(people.coordinator).post("/shifts", json=too_long)
    assert response.status_code == 422 and "ends_at" in response.json["error"]["fields"]
    series = {
        **{k: night[k] for k in ("title", "kind", "community_id", "capacity")},
        "first_day": day.isoformat(),
        "start_time": "22:00",
        "end_time": "02:00",
        "days": 3,
    }
    response = api(people.coordinator).post("/shifts/series", json=series)
    assert response.status_code == 201, response.json
    spans = [
        (datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"]))
        for s in response.json["items"]
    ]
    assert [end - begin for begin, end in spans] == [timedelta(hours=4)] * 3
    assert spans[0][0] == start


def test_patch_shift_changes_only_what_is_sent(tree, people, api):
    cp = make_checkpoint(tree.community)
    shift = make_shift(tree.community, kind="other", checkpoint=cp, skills=["medical"])
    shift.description = "带好口罩"
    before = api(people.coordinator).get(f"/shifts/{shift.id}").json
    response = api(people.coordinator).patch(f"/shifts/{shift.id}", json={"kind": "lecture"})
    assert response.status_code == 200, response.json
    after = response.json
    assert (after["kind"], after["counts_as_service"]) == ("lecture", False)
    unchanged = ("title", "starts_at", "ends_at", "capacity", "checkpoint_id", "skills")
    assert {k: after[k] for k in (*unchanged, "description", "walk_ins")} == {
        k: before[k] for k in (*unchanged, "description", "walk_ins")
    }
    response = api(people.coordinator).patch(
        f"/shifts/{shift.id}", json={"counts_as_service": True, "title": "党课"}
    )
    assert response.status_code == 200, response.json
    assert (response.json["title"], response.json["counts_as_service"]) == ("党课", True)
    assert response.json["checkpoint_id"] == cp.id and response.json["skills"] == ["medical"]


def test_patch_shift_refusals(tree, people, api):
    shift = make_shift(tree.community)
    far = api(people.far_coordinator).patch(f"/shifts/{shift.id}", json={"kind": "lecture"})
    assert far.status_code == 403
    response = api(people.coordinator).patch(f"/shifts/{shift.id}", json={"kind": "party"})
    assert response.status_code == 422 and "kind" in response.json["error"]["fields"]
    response = api(people.coordinator).patch(
        f"/shifts/{shift.id}", json={"title": "", "capacity": 0}
    )
    assert response.status_code == 422
    assert {"title", "capacity"} <= set(response.json["error"]["fields"])
