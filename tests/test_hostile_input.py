"""Hostile input is refused at the field, once for all fields (SPEC 3.7): lone surrogates and
NUL in strings, dates at the ends of the calendar, integers beyond the columns' range.

The API's field types (blueprints/api/schemas/fields.py) and the forms' base class
(blueprints/forms_util.BaseForm) do it for every schema and form; the tests that walk them
make sure no schema or form is left on the plain types.
"""

import json
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from marshmallow import Schema
from marshmallow import fields as mm

from timebank.blueprints.api.schemas import fields as api_fields
from timebank.blueprints.forms_util import BaseForm
from timebank.core.clock import utcnow
from timebank.members.models import Member
from timebank.shifts.models import Shift
from timebank.units.models import Unit

#: marshmallow's own types that let hostile input through; every API field uses ours.
PLAIN = {
    mm.String,
    mm.Str,
    mm.Integer,
    mm.Int,
    mm.Number,
    mm.Decimal,
    mm.DateTime,
    mm.NaiveDateTime,
    mm.AwareDateTime,
    mm.Date,
    mm.Email,
    mm.Url,
    mm.UUID,
}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _leaf_fields(field):
    """A field and the fields inside it (list items, dict keys and values)."""
    yield field
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None)):
        if inner is not None:
            yield from _leaf_fields(inner)
    value_field = getattr(field, "value_field", None)
    if value_field is not None:
        yield from _leaf_fields(value_field)


def test_every_api_schema_uses_the_project_field_types(app):
    schemas = [s for s in _subclasses(Schema) if s.__module__.startswith("timebank.")]
    assert len(schemas) > 40  # the walk found the API's schemas
    plain = [
        f"{schema.__module__}.{schema.__name__}.{name}: {type(leaf).__name__}"
        for schema in schemas
        for name, field in schema().fields.items()
        for leaf in _leaf_fields(field)
        if type(leaf) in PLAIN
    ]
    assert plain == []


def test_every_openapi_schema_is_a_project_schema(app, client):
    """The OpenAPI document's schemas all come from the walked classes (none from elsewhere)."""
    spec = client.get("/api/v1/openapi.json").json
    classes = [s.__name__ for s in _subclasses(Schema) if s.__module__.startswith("timebank.")]
    names = {name.removesuffix("Schema") for name in classes} | set(classes)
    documented = set(spec["components"]["schemas"])
    assert documented and documented <= names | {"Error", "PaginationMetadata"}


def test_every_form_derives_from_the_base_form(app):
    forms = [f for f in _subclasses(FlaskForm) if f.__module__.startswith("timebank.")]
    assert len(forms) > 20
    assert [f.__name__ for f in forms if not issubclass(f, BaseForm)] == []


def _raw(api, method, path, text):
    return getattr(api, method)(path, data=text, headers={"Content-Type": "application/json"})


def _registration(tree, name):
    return {
        "name": name,
        "phone": "13800138000",
        "password": "abc12345",
        "community_id": tree.community.id,
    }


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\u0000b"])
def test_lone_surrogate_or_nul_in_a_string_is_422_at_the_field(tree, api, db, escape):
    body = json.dumps(_registration(tree, "NAME")).replace("NAME", escape)
    response = _raw(api(), "post", "/members", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert list(response.json["error"]["fields"]) == ["name"]
    assert db.session.query(Member).count() == 0


def test_hostile_strings_in_list_items_and_query_args_are_422(tree, people, api, db):
    body = json.dumps({"title": "x", "kind": "help", "radius_km": 1, "needed": 1})
    body = body.replace('"help"', '"help", "skills": ["\\ud800"]')
    response = _raw(api(people.coordinator), "post", "/callouts", body)
    assert response.status_code == 422
    assert "skills.0" in response.json["error"]["fields"]
    response = api(people.coordinator).get("/members?q=a%00b")
    assert response.status_code == 422 and "q" in response.json["error"]["fields"]


def test_unit_code_with_nul_is_refused_not_stored(tree, people, api, db):
    before = db.session.query(Unit).count()
    body = {"code": "X\x00Y", "name": "新社区", "level": "community", "parent_id": tree.town.id}
    response = api(people.admin).post("/units", json=body)
    assert response.status_code == 422 and "code" in response.json["error"]["fields"]
    assert db.session.query(Unit).count() == before


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2100-01-01T00:00:00Z"]
)
def test_shift_list_at_the_calendar_ends_is_422_at_the_field(people, api, moment):
    response = api(people.member).get("/shifts", query_string={"from": moment})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["from"]


def _shift(tree, **overrides):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    body = {
        "title": "北门卡口",
        "kind": "checkpoint",
        "community_id": tree.community.id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(),
        "capacity": 2,
    }
    body.update(overrides)
    return body


def test_shift_dated_at_the_end_of_the_calendar_is_refused(tree, people, api, db):
    body = _shift(tree, starts_at="9999-12-31T20:00:00+08:00", ends_at="9999-12-31T23:00:00+08:00")
    response = api(people.coordinator).post("/shifts", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"starts_at", "ends_at"}
    assert db.session.query(Shift).count() == 0


@pytest.mark.parametrize(
    ("path", "who", "body", "field"),
    [
        ("/shifts", "coordinator", {"capacity": 10**20}, "capacity"),
        ("/shifts", "coordinator", {"checkpoint_id": 2**63}, "checkpoint_id"),
        ("/ledger/adjustments", "coordinator", {"member_id": 2**63}, "member_id"),
        ("/ledger/adjustments", "coordinator", {"minutes": -(2**40)}, "minutes"),
    ],
)
def test_integer_beyond_the_columns_is_422_at_the_field(tree, people, api, path, who, body, field):
    full = _shift(tree, **body) if path == "/shifts" else {"member_id": 1, "minutes": 5, **body}
    full.setdefault("reason", "x")
    response = api(getattr(people, who)).post(path, json=full)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


def test_integer_bounds_are_in_the_openapi_document(client, db):
    spec = client.get("/api/v1/openapi.json").json
    capacity = spec["components"]["schemas"]["ShiftInput"]["properties"]["capacity"]
    assert capacity["maximum"] == api_fields.INT_MAX and capacity["minimum"] == api_fields.INT_MIN


def _form(tree, **overrides):
    data = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "confirm": "abc12345",
        "community_id": str(tree.community.id),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("field", ["name", "workplace", "email", "password"])
def test_form_with_nul_gets_a_field_error_and_stores_nothing(tree, client, db, field):
    overrides = {field: "abc\x00123"}
    if field == "password":
        overrides["confirm"] = overrides["password"]
    response = client.post("/register", data=_form(tree, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "NUL" in html and "\x00" not in html
    assert db.session.query(Member).count() == 0


def test_form_post_with_percent_00_and_bad_utf8_is_a_field_error(tree, client, db):
    body = "&".join(f"{k}={v}" for k, v in _form(tree, name="X").items())
    body = body.replace("name=X", "name=%E5%BC%A0%00") + "&workplace=%ED%A0%80"
    response = client.post("/register", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "NUL" in response.get_data(as_text=True)
    assert db.session.query(Member).count() == 0


def test_filter_form_with_nul_is_not_an_error_page(people, login):
    response = login(people.coordinator).get("/members/?q=%00")
    assert response.status_code == 200


def test_form_date_outside_the_calendar_is_a_field_error(tree, people, login, db):
    data = {
        "title": "夜间值守",
        "kind": "checkpoint",
        "community_id": str(tree.community.id),
        "first_day": "9999-12-31",
        "start_time": "22:00",
        "end_time": "23:00",
        "days": "1",
        "capacity": "3",
    }
    response = login(people.coordinator).post("/shifts/new", data=data)
    assert response.status_code == 200
    assert "2099-12-31" in response.get_data(as_text=True)
    assert db.session.query(Shift).count() == 0
