from datetime import UTC, datetime, timedelta

import pytest

from tests.notifications.conftest import NOTE, TO_INBOX, URGENT_TO_INBOX, note
from timebank.notifications import services
from timebank.notifications.models import Notification

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _notify(member, title="通知", minutes=0, notice=NOTE):
    return note(member, title, "正文", notice=notice, now=NOW + timedelta(minutes=minutes))


def test_list_newest_first_with_paging_and_unread_filter(people, api, db):
    made = [
        _notify(people.member, f"n{i}", i, notice=[NOTE, TO_INBOX, URGENT_TO_INBOX][i])
        for i in range(3)
    ]
    _notify(people.neighbour, "not mine")
    services.mark_read(people.member, made[0], now=NOW)
    client = api(people.member)

    body = client.get("/notifications").json
    assert [n["title"] for n in body["items"]] == ["n2", "n1", "n0"]
    assert (body["total"], body["unread_count"], body["page"]) == (3, 2, 1)
    first = body["items"][0]
    assert first == {
        "id": made[2].id,
        "kind": "test_urgent_to_inbox",
        "title": "n2",
        "body": "正文",
        "link": "/inbox",
        "urgent": True,
        "read_at": None,
        "created_at": "2026-12-01T08:02:00+00:00",
    }
    assert body["items"][2]["read_at"] == "2026-12-01T08:00:00+00:00"

    body = client.get("/notifications?unread=true").json
    assert [n["title"] for n in body["items"]] == ["n2", "n1"] and body["total"] == 2
    body = client.get("/notifications?per_page=2&page=2").json
    assert [n["title"] for n in body["items"]] == ["n0"] and body["total"] == 3


def test_list_validation_error_has_the_spec_shape(people, api, db):
    response = api(people.member).get("/notifications?per_page=0")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert "per_page" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/notifications"),
        ("POST", "/notifications/1/read"),
        ("POST", "/notifications/read-all"),
    ],
)
def test_without_a_token_is_401(api, db, method, path):
    response = api()._call(method, path)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_mark_read(people, api, db):
    notification = _notify(people.member)
    response = api(people.member).post(f"/notifications/{notification.id}/read")
    assert response.status_code == 200
    assert response.json["id"] == notification.id and response.json["read_at"]
    assert db.session.get(Notification, notification.id).read_at is not None


@pytest.mark.parametrize("who", ["neighbour", "coordinator", "admin"])
def test_another_members_notification_is_404(people, api, db, who):
    notification = _notify(people.member)
    response = api(getattr(people, who)).post(f"/notifications/{notification.id}/read")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "notification_not_found"
    assert db.session.get(Notification, notification.id).read_at is None


def test_unknown_notification_is_404(people, api, db):
    response = api(people.member).post("/notifications/999999/read")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "notification_not_found"


def test_read_all(people, api, db):
    for i in range(3):
        _notify(people.member, f"n{i}")
    theirs = _notify(people.neighbour)
    client = api(people.member)
    response = client.post("/notifications/read-all")
    assert response.status_code == 200 and response.json == {"marked": 3, "unread_count": 0}
    assert client.get("/notifications").json["unread_count"] == 0
    assert client.post("/notifications/read-all").json["marked"] == 0
    assert db.session.get(Notification, theirs.id).read_at is None


def test_openapi_documents_the_endpoints(client, db):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    listing = paths["/api/v1/notifications"]["get"]
    assert {"200", "401", "422"} <= set(listing["responses"])
    assert {p["name"] for p in listing["parameters"]} >= {"unread", "page", "per_page"}
    read = paths["/api/v1/notifications/{notification_id}/read"]["post"]
    assert {"200", "401", "404"} <= set(read["responses"])
    assert read["security"] == [{"bearerAuth": []}]
    assert "401" in paths["/api/v1/notifications/read-all"]["post"]["responses"]
    assert {"Notification", "NotificationList", "ReadAll"} <= set(spec["components"]["schemas"])
