"""CSRF on every form, and authorisation that never leaks across scopes."""

import re

import pytest

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _html_write_rules(app):
    for rule in app.url_map.iter_rules():
        methods = rule.methods & STATE_CHANGING
        if methods and not rule.rule.startswith("/api/"):
            yield rule, methods


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_every_state_changing_html_route_rejects_missing_csrf_token(app, people, login, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    client = login(people.admin)  # signed in, so only CSRF can stop the request
    app.config["WTF_CSRF_ENABLED"] = True
    checked = []
    for rule, methods in _html_write_rules(app):
        url = re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: "en" if m.group(1) == "code" else "1", rule.rule
        )
        for method in methods:
            response = client.open(url, method=method, data={"reason": "x", "name": "x"})
            assert response.status_code == 400, (method, url, response.status_code)
            assert "csrf" in response.get_data(as_text=True).lower() or response.status_code == 400
            checked.append(url)
    assert len(checked) >= 15


def test_form_with_token_passes_csrf(app, people, csrf_on):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"phone": people.member.phone, "password": "secret123", "csrf_token": token}
    )
    assert response.status_code == 302


def test_api_is_exempt_from_csrf_because_it_takes_bearer_tokens_only(people, api, csrf_on):
    response = api(people.coordinator).post(f"/members/{people.pending.id}/approve")
    assert response.status_code == 200


# Every page that shows or changes one object, tried by each role against objects of
# another community. Allowed: the roles listed; everyone else gets 403 (or 404) and the
# object's name never appears in the answer.
OBJECT_PAGES = [
    ("GET", "/members/{member}", {"self", "coordinator", "staff", "organiser", "admin"}),
    ("GET", "/members/{member}/edit", {"self", "coordinator", "organiser", "admin"}),
    ("POST", "/members/{member}/suspend", {"coordinator", "organiser", "admin"}),
    ("POST", "/members/{member}/reinstate", {"coordinator", "organiser", "admin"}),
    ("POST", "/members/{pending}/approve", {"coordinator", "organiser", "admin"}),
    ("GET", "/units/{community}", {"organiser", "admin"}),
    ("GET", "/units/{community}/edit", {"admin"}),
    ("GET", "/members/", {"coordinator", "organiser", "admin", "far_coordinator"}),
    ("GET", "/admin/roles", {"organiser", "admin"}),
    ("GET", "/admin/audit", {"organiser", "admin"}),
]
ROLES = [
    "self",
    "neighbour",
    "pending",
    "staff",
    "coordinator",
    "organiser",
    "admin",
    "far_coordinator",
    "far_member",
]


@pytest.mark.parametrize(("method", "template", "allowed"), OBJECT_PAGES)
@pytest.mark.parametrize("who", ROLES)
def test_pages_enforce_scope(tree, people, login, method, template, allowed, who):
    actor = people.member if who == "self" else getattr(people, who)
    url = template.format(
        member=people.member.id, pending=people.pending.id, community=tree.community.id
    )
    client = login(actor)
    response = client.open(url, method=method, data={"reason": "检查"})
    if who in allowed:
        assert response.status_code in (200, 302), (who, url, response.status_code)
    else:
        assert response.status_code in (403, 404), (who, url, response.status_code)
        if "{member}" in template and who != "self":
            assert people.member.phone not in response.get_data(as_text=True)


API_OBJECTS = [
    ("GET", "/members/{member}", {"self", "coordinator", "staff", "organiser", "admin"}),
    ("PATCH", "/members/{member}", {"self", "coordinator", "organiser", "admin"}),
    ("POST", "/members/{member}/suspend", {"coordinator", "organiser", "admin"}),
    ("POST", "/members/{pending}/approve", {"coordinator", "organiser", "admin"}),
    ("GET", "/members", {"coordinator", "organiser", "admin", "far_coordinator"}),
    ("GET", "/roles", {"organiser", "admin"}),
    ("GET", "/audit", {"organiser", "admin"}),
    ("PATCH", "/units/{community}", {"admin"}),
]


@pytest.mark.parametrize(("method", "template", "allowed"), API_OBJECTS)
@pytest.mark.parametrize("who", ROLES)
def test_api_enforces_scope(tree, people, api, method, template, allowed, who):
    actor = people.member if who == "self" else getattr(people, who)
    url = template.format(
        member=people.member.id, pending=people.pending.id, community=tree.community.id
    )
    body = {"reason": "检查"}
    if template.startswith("/units"):
        body = {"name": "金洲社区"}
    elif method == "PATCH":
        body = {"name": "王小明", "is_party_member": True, "skills": []}
    response = api(actor)._call(method, url, json=body if method != "GET" else None)
    if who in allowed:
        assert response.status_code == 200, (who, url, response.get_data(as_text=True))
    else:
        assert response.status_code in (403, 404), (who, url, response.status_code)
        assert response.json["error"]["code"] in ("forbidden", "not_found", "pending_approval")


def test_security_related_cookie_flags(app, people, client):
    response = client.post(
        "/login", data={"phone": people.member.phone, "password": "secret123", "remember": "y"}
    )
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_no_national_id_column_anywhere(app):
    from timebank.extensions import db

    names = {c.name.lower() for t in db.metadata.tables.values() for c in t.columns}
    assert not {n for n in names if "id_card" in n or "idcard" in n or "national" in n}
