"""SPEC 3.8: a pending member sees and edits their own profile, and does nothing else.

Walks every page and every API route: anything but the member's own profile (and signing
out, the language and the password) answers 403.
"""

import re

import pytest

from timebank.blueprints.members.gate import OWN_PAGES, PUBLIC_PAGES
from timebank.core.errors import NotAllowed
from timebank.extensions import db
from timebank.members.services import request_transfer

#: API routes a pending member may call: their own profile (their party branch is part of
#: it, named at registration), their token and password, and the units list (to choose a
#: grid of their community).
API_PENDING_OK = {
    ("POST", "/api/v1/members/me/branch"),
    ("GET", "/api/v1/members/me/branches"),
    ("GET", "/api/v1/members/me"),
    ("GET", "/api/v1/members/<int:member_id>"),
    ("PATCH", "/api/v1/members/<int:member_id>"),
    ("DELETE", "/api/v1/auth/tokens/current"),
    ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/units"),
    ("GET", "/api/v1/units/<int:unit_id>"),
}
#: Open to anyone without a token.
API_PUBLIC = {
    ("POST", "/api/v1/auth/tokens"),
    ("POST", "/api/v1/members"),
    ("POST", "/api/v1/auth/reset-codes"),
    ("POST", "/api/v1/auth/reset"),
    ("GET", "/api/v1/certificates/<serial>/verify"),
    ("GET", "/api/v1/certificates/public-key"),
    ("POST", "/api/v1/sms/inbound"),
    ("POST", "/api/v1/sms/delivery-reports"),
}
METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}


def _url(rule, own_id: int, other_id: int) -> str:
    """The rule's URL with every argument filled: member ids of someone else."""

    def value(match):
        if (match.group(1) or "").startswith("any("):  # <any(csv, xlsx):fmt>: the first choice
            return match.group(1)[4:].split(",")[0].strip()
        name = match.group(2)
        if name == "member_id":
            return str(other_id)
        return "1" if match.group(1) in ("int", "float") else "x"

    return re.sub(r"<(?:(\w+|any\([^)]*\)):)?(\w+)>", value, rule.rule)


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule:
            for method in sorted(rule.methods & METHODS):
                yield method, rule


def test_pending_member_reaches_only_their_profile_on_the_api(app, people, api):
    client = api(people.pending)
    refused = 0
    for method, rule in _api_routes(app):
        key = (method, rule.rule)
        if key in API_PUBLIC or key == ("DELETE", "/api/v1/auth/tokens/current"):
            continue  # (signing out would end the walk's token)
        url = _url(rule, people.pending.id, people.member.id).removeprefix("/api/v1")
        response = client._call(method, url, json={})
        if key in API_PENDING_OK and "member_id" not in rule.rule:
            assert response.status_code != 403, key
        else:  # everything else, and the profile of someone else
            assert response.status_code == 403, (key, response.status_code)
            refused += 1
    assert refused > 30  # the walk found the API


def test_pending_member_reads_and_edits_their_own_profile_on_the_api(people, api):
    client = api(people.pending)
    assert client.get("/members/me").status_code == 200
    assert client.get(f"/members/{people.pending.id}").status_code == 200
    response = client.patch(f"/members/{people.pending.id}", json={"workplace": "港务局"})
    assert response.status_code == 200 and response.json["workplace"] == "港务局"
    assert client.get(f"/members/{people.member.id}").status_code == 403
    assert client.patch(f"/members/{people.member.id}", json={}).status_code == 403
    assert client.post("/auth/password", json={}).status_code == 422  # may change it
    assert client.delete("/auth/tokens/current").status_code == 204  # may sign out


def test_pending_member_cannot_transfer_or_read_rankings(tree, people, api):
    client = api(people.pending)
    transfer = client.post("/members/me/transfers", json={"to_community_id": tree.sibling.id})
    assert transfer.status_code == 403
    assert transfer.json["error"]["code"] == "pending_approval"
    assert client.get("/rankings").status_code == 403


def test_the_service_refuses_a_transfer_of_a_pending_member(tree, people):
    with pytest.raises(NotAllowed):
        request_transfer(people.pending, to_community_id=tree.sibling.id)


def _page_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_PAGES:
            continue
        if rule.endpoint in OWN_PAGES and "member_id" not in rule.arguments:
            continue  # their own: see the test below
        for method in sorted(rule.methods & METHODS):
            yield method, rule


def test_pending_member_sees_the_waiting_page_everywhere_else(app, people, login):
    client = login(people.pending)
    for method, rule in _page_rules(app):
        url = _url(rule, people.pending.id, people.member.id)
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, rule.rule, response.status_code)
        if method == "GET":
            assert "waiting for a coordinator" in response.get_data(as_text=True) or (
                "等待" in response.get_data(as_text=True)
            )


def test_pending_member_opens_their_own_pages(people, login):
    client = login(people.pending)
    assert client.get("/").status_code == 200
    assert client.get("/members/me").status_code == 302
    page = client.get(f"/members/{people.pending.id}")
    assert page.status_code == 200
    assert client.get(f"/members/{people.pending.id}/edit").status_code == 200
    response = client.post(
        f"/members/{people.pending.id}/edit",
        data={"name": "李新", "workplace": "港务局", "grid_id": ""},
    )
    assert response.status_code == 302
    db.session.refresh(people.pending)
    assert people.pending.workplace == "港务局"
    assert client.get("/account/password").status_code == 200
    assert client.get("/shifts/").status_code == 403
    assert client.get("/rankings").status_code == 403
    assert client.get("/members/me/transfer").status_code == 403


def test_pending_member_navigation_shows_only_the_profile(people, login):
    html = login(people.pending).get("/").get_data(as_text=True)
    assert 'href="/members/me"' in html
    assert 'href="/shifts/"' not in html and 'href="/rankings"' not in html
    assert 'data-test="inbox-bell"' not in html


def test_the_gates_lists_name_real_pages(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC_PAGES
    assert endpoints >= OWN_PAGES
    api_rules = {(m, r.rule) for m, r in _api_routes(app)}
    assert api_rules >= API_PENDING_OK | API_PUBLIC
