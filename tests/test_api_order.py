"""Rights before fields (ENGINEERING order: 401 → 403 → 400 → 422 → 409), on every route.

Walks the API's url_map: a member without any role who sends a malformed or invalid body to
an endpoint that needs a role gets 403, never 400 or 422; without a token, 401.
"""

import re

import pytest

API = "/api/v1"
#: Anyone, no token.
PUBLIC = {
    ("POST", "/auth/tokens"),
    ("POST", "/members"),
    ("POST", "/auth/reset-codes"),
    ("POST", "/auth/reset"),
    # Certificates: anyone checks one, and the key to check them offline is public.
    ("GET", "/certificates/<serial>/verify"),
    ("GET", "/certificates/public-key"),
    # The SMS gateway's webhooks: signed with SMS_INBOUND_SECRET instead (tests/sms).
    ("POST", "/sms/inbound"),
    ("POST", "/sms/delivery-reports"),
}
#: What an active member without a role may change (their own things). Routes naming a
#: member_id are called with someone else's id, so they are not listed.
MEMBER_WRITES = {
    ("DELETE", "/auth/tokens/current"),
    ("POST", "/auth/password"),
    ("POST", "/members/me/transfers"),
    ("POST", "/corrections"),
    ("POST", "/callouts/<int:callout_id>/response"),
    ("POST", "/notifications/<int:notification_id>/read"),
    ("POST", "/notifications/read-all"),
    ("POST", "/shifts/<int:shift_id>/signups"),
    ("DELETE", "/shifts/<int:shift_id>/signups/me"),
    ("POST", "/events"),
    # the assignee's and the reporter's steps: rights of the event, checked before fields
    # (test_an_events_steps_check_rights_before_fields)
    ("POST", "/events/<int:event_id>/accept"),
    ("POST", "/events/<int:event_id>/return"),
    ("POST", "/events/<int:event_id>/handle"),
    ("POST", "/events/<int:event_id>/feedback"),
    # a party member's own sheet of a check, found by the check and the actor
    ("POST", "/checks/<int:check_id>/sheets/me"),
    ("POST", "/checks/<int:check_id>/sheets/me/acknowledge"),
    # a party member names their own branch (a request for its secretary)
    ("POST", "/members/me/branch"),
    # certificates of one's own service, redeeming, giving minutes to family
    ("POST", "/certificates"),
    ("POST", "/offers/<int:offer_id>/redeem"),
    ("POST", "/ledger/transfers"),
}
#: What an active member without a role may read.
MEMBER_READS = {
    "/members/me",
    "/members/me/qr",
    "/members/me/signups",
    "/members/me/learning",
    "/members/me/branches",
    "/units",
    "/units/<int:unit_id>",
    "/shifts",
    "/shifts/<int:shift_id>",
    "/shifts/series/<string:series_key>",
    "/checkpoints",
    "/invitations",
    "/notifications",
    "/rankings",
    "/callouts/<int:callout_id>",
    "/event-categories",
    "/checklist-items",  # the negative lists a member is checked against
    # their own sheet; anyone else's is a 404, not a 403: a sheet's existence is private
    # (SPEC 7.3; tests/party/test_checks.py::test_sheets_are_private)
    "/checks/<int:check_id>/sheets/<int:member_id>",
    "/events",
    "/events/<int:event_id>",
    "/certificates/mine",
    # one's own records; anyone else's is a 404: who is registered is private
    "/members/<int:member_id>/records",
    "/certificates/<serial>/pdf",  # one's own; 404 for a serial nobody has
    "/offers",
    "/redemptions/mine",
    "/members/me/balance",
}
WRITES = {"POST", "PATCH", "PUT", "DELETE"}
BODIES = {
    "invalid": {"json": {"unexpected": "\u4e00", "reason": 5, "unit_id": "x"}},
    "malformed": {"data": "{not json", "content_type": "application/json"},
}
QUERY = "?page=zero&per_page=-1&status=nonsense&level=planet&by=nobody&limit=-5"


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and "openapi" not in rule.rule:
            path = rule.rule.removeprefix(API)
            for method in sorted(rule.methods & (WRITES | {"GET"})):
                yield method, path


def _fill(path: str, other_id: int) -> str:
    """Arguments filled in: member ids of someone else, other ids of nothing."""
    return re.sub(
        r"<(?:\w+:)?(\w+)>",
        lambda m: str(other_id) if m.group(1) == "member_id" else "99999",
        path,
    )


def _needs_a_role(method: str, path: str) -> bool:
    if (method, path) in PUBLIC:
        return False
    if method == "GET":
        return path not in MEMBER_READS
    return (method, path) not in MEMBER_WRITES


@pytest.mark.parametrize("body", list(BODIES))
def test_role_less_member_gets_403_before_any_field_is_read(app, people, api, body):
    client = api(people.member)
    checked = []
    for method, path in _routes(app):
        if not _needs_a_role(method, path):
            continue
        url = _fill(path, people.neighbour.id)
        if method == "GET":
            response = client.get(url + QUERY)
        else:
            response = client._call(method, url, **BODIES[body])
        assert response.status_code == 403, (method, path, response.status_code, response.json)
        checked.append((method, path))
    assert ("POST", "/callouts") in checked and len(checked) > 30


def test_no_token_is_401_first(app, client):
    for method, path in _routes(app):
        if (method, path) in PUBLIC:
            continue
        url = API + _fill(path, 1)
        response = client.open(url, method=method, **BODIES["malformed"])
        assert response.status_code == 401, (method, path, response.status_code)


def test_the_lists_name_real_routes(app):
    routes = set(_routes(app))
    assert routes >= PUBLIC | MEMBER_WRITES
    assert {p for m, p in routes if m == "GET"} >= MEMBER_READS


def test_callout_by_a_member_without_a_role_is_403(tree, people, api):
    """The issue's case: a body whose unit is out of reach is a matter of rights."""
    body = {"unit_id": tree.far.id, "kind": "vanguard", "title": "x", "needed": 2}
    response = api(people.member).post("/callouts", json=body)
    assert response.status_code == 403


def test_in_scope_the_fields_are_checked(people, api):
    """With the role, the same invalid body is a 422 at the fields."""
    response = api(people.admin).post("/units", json=BODIES["invalid"]["json"])
    assert response.status_code == 422 and response.json["error"]["fields"]
