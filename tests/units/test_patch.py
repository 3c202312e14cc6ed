"""SPEC 3.9: PATCH /units/{id} changes the fields sent and leaves every other one."""

import pytest

from timebank.extensions import db
from timebank.units import services

FIELDS = ("code", "name", "name_en", "lat", "lon")
NEW_VALUES = {"code": "T-HG-C1X", "name": "金洲新社区", "name_en": "New", "lat": 22.9, "lon": 113.6}


@pytest.fixture
def unit(tree):
    tree.community.name_en = "Jinzhou"
    db.session.flush()
    return tree.community


def _snapshot(unit) -> dict:
    db.session.refresh(unit)
    return {f: getattr(unit, f) for f in (*FIELDS, "level", "parent_id", "path")}


@pytest.mark.parametrize("field", FIELDS)
def test_patch_one_field_keeps_the_others(unit, people, api, field):
    before = _snapshot(unit)
    response = api(people.admin).patch(f"/units/{unit.id}", json={field: NEW_VALUES[field]})
    assert response.status_code == 200, response.json
    assert _snapshot(unit) == {**before, field: NEW_VALUES[field]}


def test_patch_null_centre_and_english_name_clear_them(unit, people, api):
    before = _snapshot(unit)
    body = {"lat": None, "lon": None, "name_en": None}
    assert api(people.admin).patch(f"/units/{unit.id}", json=body).status_code == 200
    assert _snapshot(unit) == {**before, "lat": None, "lon": None, "name_en": None}


def test_patch_half_a_centre_is_checked_with_the_kept_half(unit, people, api):
    before = _snapshot(unit)
    response = api(people.admin).patch(f"/units/{unit.id}", json={"lat": None})
    assert response.status_code == 422 and "lat" in response.json["error"]["fields"]
    assert _snapshot(unit) == before


@pytest.mark.parametrize("field", ["code", "name"])
def test_patch_null_is_refused_where_a_value_is_needed(unit, people, api, field):
    before = _snapshot(unit)
    response = api(people.admin).patch(f"/units/{unit.id}", json={field: None})
    assert response.status_code == 422
    assert _snapshot(unit) == before


def test_service_changes_only_the_fields_given(unit, people):
    before = _snapshot(unit)
    services.update_unit(people.admin, unit, name="改名")
    assert _snapshot(unit) == {**before, "name": "改名"}
    with pytest.raises(TypeError):
        services.update_unit(people.admin, unit, level="grid")


def test_the_form_still_sends_and_saves_everything(unit, people, login):
    client = login(people.admin)
    data = {"code": "T-HG-C1", "name": "金洲", "name_en": "", "lat": "", "lon": ""}
    assert client.post(f"/units/{unit.id}/edit", data=data).status_code == 302
    after = _snapshot(unit)
    assert (after["name"], after["name_en"], after["lat"], after["lon"]) == (
        "金洲",
        None,
        None,
        None,
    )
