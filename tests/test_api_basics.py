"""Properties every API endpoint shares: the error shape, 401 without a token, 400 on bad JSON,
and an OpenAPI document that lists them all."""

import re

import pytest

PUBLIC = {
    ("post", "/api/v1/auth/tokens"),
    ("post", "/api/v1/members"),
    ("post", "/api/v1/auth/reset-codes"),
    ("post", "/api/v1/auth/reset"),
    # Certificates: anyone checks one, and the key to check them offline is public.
    ("get", "/api/v1/certificates/{serial}/verify"),
    ("get", "/api/v1/certificates/public-key"),
    # The SMS gateway's webhooks: signed with SMS_INBOUND_SECRET instead (tests/sms).
    ("post", "/api/v1/sms/inbound"),
    ("post", "/api/v1/sms/delivery-reports"),
}


def _operations(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, op


def _concrete(path):
    return re.sub(r"\{[^}]+\}", "1", path)


def test_openapi_document_is_generated_and_secured(app, db):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for method, path, op in _operations(app):
        if (method, path) not in PUBLIC:
            assert op.get("security") == [{"bearerAuth": []}], (method, path)


def test_openapi_lists_the_foundation_contract(app, db):
    have = {(m, p) for m, p, _ in _operations(app)}
    wanted = {
        ("post", "/api/v1/auth/tokens"),
        ("delete", "/api/v1/auth/tokens/current"),
        ("get", "/api/v1/units"),
        ("post", "/api/v1/units"),
        ("post", "/api/v1/members"),
        ("post", "/api/v1/members/{member_id}/approve"),
        ("get", "/api/v1/members/me"),
        ("get", "/api/v1/members/{member_id}"),
        ("post", "/api/v1/roles"),
    }
    assert wanted <= have


def test_every_private_endpoint_answers_401_without_token(app, client):
    checked = 0
    for method, path, _op in _operations(app):
        if (method, path) in PUBLIC:
            continue
        response = client.open(_concrete(path), method=method.upper(), json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"
        checked += 1
    assert checked >= 15


def test_bad_token_is_401(client):
    response = client.get("/api/v1/members/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert set(response.json["error"]) == {"code", "message"}


def test_session_cookie_is_not_accepted_by_the_api(people, login):
    client = login(people.member)
    assert client.get("/members/me").status_code == 302  # signed in on the web ...
    assert client.get("/api/v1/members/me").status_code == 401  # ... but not on the API


@pytest.mark.parametrize("body", ["{not json", "[1, 2", '{"a": }'])
def test_malformed_json_is_400_on_every_body_endpoint(app, people, api, body):
    client = api(people.admin)
    checked = 0
    for method, path, op in _operations(app):
        if "requestBody" not in op:
            continue
        if "{event_id}" in path:
            continue  # an event's rights come first (tests/dispatch: bad input on the steps)
        if "/sheets/{member_id}/" in path:
            continue  # secretaries only, and rights come first (tests/party: bad JSON)
        if path == "/api/v1/offers/{offer_id}":
            continue  # the offer's community's rights come first (tests/exchange: bad JSON)
        if path.startswith("/api/v1/sms/"):
            continue  # the gateway's signature comes first (tests/sms: signed bad JSON)
        response = client._call(
            method.upper(),
            # A member of the URL is loaded (404) before the body is read: use one that exists.
            _concrete(path.replace("{member_id}", str(people.admin.id))).removeprefix("/api/v1"),
            data=body,
            content_type="application/json",
        )
        assert response.status_code == 400, (method, path, response.get_data(as_text=True))
        assert response.json["error"]["code"] == "malformed_json"
        checked += 1
    assert checked >= 8


def test_unknown_fields_and_wrong_types_are_422_with_fields(people, api):
    response = api(people.admin).post(
        "/units", json={"code": 5, "name": "x", "level": "town", "parent_id": "1", "colour": "red"}
    )
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert {"code", "parent_id", "colour"} <= set(fields)
    assert response.json["error"]["code"] == "validation_failed"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json == {
        "error": {"code": "not_found", "message": response.json["error"]["message"]}
    }


def test_html_404_is_a_friendly_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "404" in response.get_data(as_text=True)


def test_html_client_asking_for_json_gets_json(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_huge_numbers_are_refused_not_500(people, api, client):
    huge = 2**70
    assert client.get(f"/members/{huge}").status_code == 404  # URL converter bound
    response = api(people.admin).get(f"/members/{huge}")
    assert response.status_code == 404
    response = api(people.admin).post(
        "/ledger/adjustments", json={"member_id": huge, "minutes": 5, "reason": "x"}
    )
    assert response.status_code == 422
    assert "member_id" in response.json["error"]["fields"]  # refused at the field
    response = api(people.admin).get(f"/units?parent_id={huge}")
    assert response.status_code == 422 and "parent_id" in response.json["error"]["fields"]
