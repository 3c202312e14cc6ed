"""Negative-list items: fields, targets, points, indicators and thresholds (SPEC 7)."""

import pytest
import sqlalchemy as sa

from timebank.extensions import db
from timebank.party.models import ChecklistItem

ITEM = {
    "field": "community",
    "target": "member",
    "code": "M-01",
    "text": "创新履职不够",
    "points": 2,
}


def test_an_organiser_adds_an_item_with_an_indicator(api, people):
    r = api(people.organiser).post(
        "/checklist-items", json={**ITEM, "indicator": "service_minutes_below", "threshold": 600}
    )
    assert r.status_code == 201, r.json
    assert r.json["threshold"] == 600
    r = api(people.organiser).post("/checklist-items", json=ITEM)
    assert r.status_code == 409 and r.json["error"]["code"] == "code_taken"
    listed = api(people.member).get("/checklist-items?field=community&target=member")
    assert [i["code"] for i in listed.json["items"]] == ["M-01"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"field": "moon"}, "field"),
        ({"target": "everyone"}, "target"),
        ({"points": 0}, "points"),
        ({"points": 21}, "points"),
        ({"indicator": "service_minutes_below"}, "threshold"),
        ({"threshold": 3}, "threshold"),
        ({"indicator": "callout_response_rate_below", "threshold": 1.5}, "threshold"),
        ({"indicator": "sleeping_above", "threshold": 1}, "indicator"),
        ({"text": "a\x00b"}, "text"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(api, people, change, field):
    r = api(people.admin).post("/checklist-items", json={**ITEM, **change})
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) == 0


def test_members_and_coordinators_cannot_add_items(api, people):
    assert api(people.coordinator).post("/checklist-items", json=ITEM).status_code == 403
    assert api(people.member).post("/checklist-items", json=ITEM).status_code == 403
