"""Every bad field of a shift or checkpoint in one answer (SPEC 3.7), page and API."""

from datetime import timedelta

import pytest

from timebank.core.clock import local, utcnow
from timebank.core.errors import ValidationFailed
from timebank.shifts import services
from timebank.shifts.models import Checkpoint, Shift


def test_publish_page_shows_form_and_rule_errors_together(tree, people, login, db):
    day = local(utcnow() + timedelta(days=3)).date()
    data = {
        "title": "",  # the form: required
        "kind": "checkpoint",
        "community_id": str(tree.community.id),
        "first_day": day.isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "days": "1",
        "capacity": "0",  # the service: at least 1
    }
    html = login(people.coordinator).post("/shifts/new", data=data).get_data(as_text=True)
    assert html.count("invalid-feedback") >= 2
    assert 'id="title"' in html and 'id="capacity"' in html
    assert db.session.query(Shift).count() == 0


def test_publish_page_with_no_date_reports_it_with_the_rest(tree, people, login, db):
    data = {
        "title": "值守",
        "kind": "checkpoint",
        "community_id": str(tree.community.id),
        "first_day": "",
        "start_time": "09:00",
        "end_time": "12:00",
        "days": "1",
        "capacity": "0",
    }
    response = login(people.coordinator).post("/shifts/new", data=data)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("invalid-feedback") >= 2


def test_shift_api_reports_schema_and_rule_errors_together(tree, people, api, db):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    body = {
        "title": "T" * 121,  # the schema: at most 120
        "kind": "party",  # the schema: a known kind
        "community_id": tree.community.id,
        "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),  # the service: after the start
        "capacity": 0,  # the service
    }
    response = api(people.coordinator).post("/shifts", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"title", "kind", "ends_at", "capacity"}
    assert db.session.query(Shift).count() == 0


def test_checkpoint_api_and_page_report_every_bad_field(tree, people, api, login, db):
    body = {"name": "N" * 121, "community_id": tree.community.id, "lat": 95, "lon": 113.5}
    response = api(people.coordinator).post("/checkpoints", json=body | {"radius_m": 1})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"name", "lat", "radius_m"}
    data = {"community_id": str(tree.community.id), "name": "", "lat": "95", "lon": "113.5"}
    data["radius_m"] = "1"
    html = login(people.coordinator).post("/checkpoints/new", data=data).get_data(as_text=True)
    assert html.count("invalid-feedback") >= 3
    assert db.session.query(Checkpoint).count() == 0


def test_checkpoint_import_reports_bad_lines_of_every_kind_at_once(tree, db):
    code = tree.community.code
    rows = [
        (2, {"community_code": code, "name": "甲", "lat": "22.8", "lon": "113.5"}),
        (3, {"community_code": code, "name": "乙", "lat": "95", "lon": "113.5", "radius_m": "1"}),
        (4, {"community_code": "NOPE", "name": "丙", "lat": "22.8", "lon": "113.5"}),
        (5, {"community_code": code, "name": "甲", "lat": "22.8", "lon": "113.5"}),
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.import_checkpoints(None, rows)
    lines = [where for where, _ in exc.value.errors]
    assert sorted(set(lines)) == ["line 3", "line 4", "line 5"]
    assert lines.count("line 3") == 2  # latitude and radius
    assert db.session.query(Checkpoint).count() == 0
