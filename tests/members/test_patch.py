"""SPEC 3.9: PATCH /members/{id} changes the fields sent and leaves every other one."""

import pytest

from timebank.extensions import db
from timebank.members import services
from timebank.members.models import Member

FIELDS = (
    "name",
    "email",
    "is_party_member",
    "skills",
    "home_lat",
    "home_lon",
    "workplace",
    "grid_id",
    "locale",
)


@pytest.fixture
def member(tree, people):
    """A member whose every field differs from the defaults (and from the new values)."""
    m = people.member
    m.is_party_member, m.skills, m.workplace = False, ["drone", "it"], "港务局"
    m.home_lat, m.home_lon = 22.9, 113.6
    m.grid_id, m.email, m.locale = tree.grid.id, "wang@example.cn", "en"
    db.session.flush()
    return m


def _snapshot(member) -> dict:
    db.session.refresh(member)
    return {f: getattr(member, f) for f in FIELDS}


NEW_VALUES = {
    "name": "王晓明",
    "email": "new@example.cn",
    "is_party_member": True,
    "skills": ["medical"],
    "home_lat": 22.81,
    "home_lon": 113.51,
    "workplace": "南沙医院",
    "grid_id": None,
    "locale": "zh_CN",
}


@pytest.mark.parametrize("field", FIELDS)
def test_patch_one_field_keeps_the_others(member, api, field):
    before = _snapshot(member)
    response = api(member).patch(f"/members/{member.id}", json={field: NEW_VALUES[field]})
    assert response.status_code == 200, response.json
    after = _snapshot(member)
    assert after[field] == NEW_VALUES[field]
    assert {f: v for f, v in after.items() if f != field} == {
        f: v for f, v in before.items() if f != field
    }


def test_patch_by_a_coordinator_keeps_the_others(member, people, api):
    before = _snapshot(member)
    assert (
        api(people.coordinator).patch(f"/members/{member.id}", json={"name": "改"}).status_code
        == 200
    )
    assert _snapshot(member) == {**before, "name": "改"}


def test_empty_patch_changes_nothing(member, api):
    before = _snapshot(member)
    assert api(member).patch(f"/members/{member.id}", json={}).status_code == 200
    assert _snapshot(member) == before


@pytest.mark.parametrize("field", ["email", "workplace", "grid_id"])
def test_patch_null_clears_what_may_be_empty(member, api, field):
    before = _snapshot(member)
    assert api(member).patch(f"/members/{member.id}", json={field: None}).status_code == 200
    assert _snapshot(member) == {**before, field: None}


def test_patch_null_home_goes_back_to_the_community_centre(tree, member, api):
    before = _snapshot(member)
    response = api(member).patch(f"/members/{member.id}", json={"home_lat": None, "home_lon": None})
    assert response.status_code == 200
    centre = {"home_lat": tree.community.lat, "home_lon": tree.community.lon}
    assert _snapshot(member) == {**before, **centre}


def test_patch_half_a_home_is_checked_with_the_kept_half(member, api):
    before = _snapshot(member)
    response = api(member).patch(f"/members/{member.id}", json={"home_lat": None})
    assert response.status_code == 422 and "home_lat" in response.json["error"]["fields"]
    assert _snapshot(member) == before


@pytest.mark.parametrize("field", ["name", "is_party_member", "skills", "locale"])
def test_patch_null_is_refused_where_a_value_is_needed(member, api, field):
    before = _snapshot(member)
    response = api(member).patch(f"/members/{member.id}", json={field: None})
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert _snapshot(member) == before


def test_patch_reports_every_bad_field_at_once(member, api):
    response = api(member).patch(
        f"/members/{member.id}", json={"name": "", "skills": ["flying"], "home_lat": 999}
    )
    assert response.status_code == 422
    fields = set(response.json["error"]["fields"])
    assert {"name", "home_lat"} <= fields and any(f.startswith("skills") for f in fields)


def test_service_changes_only_the_fields_given(member):
    before = _snapshot(member)
    services.update_profile(member, member, workplace=None)
    assert _snapshot(member) == {**before, "workplace": None}
    with pytest.raises(TypeError):
        services.update_profile(member, member, phone="13800138000")


def test_the_form_still_sends_and_saves_everything(member, login):
    client = login(member)
    response = client.post(
        f"/members/{member.id}/edit",
        data={
            "name": "王晓明",
            "skills": ["it"],
            "grid_id": "",
            "home_lat": "",
            "home_lon": "",
            "workplace": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    saved = db.session.get(Member, member.id)
    db.session.refresh(saved)
    assert (saved.name, saved.skills, saved.is_party_member) == ("王晓明", ["it"], False)
    assert (saved.workplace, saved.grid_id, saved.email) == (None, None, None)
    assert saved.locale == "en"  # not on the form: kept
