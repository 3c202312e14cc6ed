"""My QR code, the scanner pages and the scanner's JSON endpoint (session + CSRF header)."""

import re
import uuid
from datetime import timedelta

import pytest

from tests.factories import make_checkpoint, make_shift, make_signup, qr_for
from timebank.checkin import tokens
from timebank.core.clock import utcnow
from timebank.core.privacy import mask_phone

JSON = {"Accept": "application/json"}


@pytest.fixture
def running(tree, people):
    """A checkpoint shift that started five minutes ago, the member signed up."""
    now = utcnow()
    cp = make_checkpoint(tree.community, name="北门卡口", lat=22.835, lon=113.525)
    shift = make_shift(
        tree.community, starts_at=now - timedelta(minutes=5), checkpoint=cp, title="北门早班"
    )
    make_signup(people.member, shift)
    return shift


def _scan(member, **extra):
    now = utcnow()
    return {
        "qr_payload": qr_for(member, now),
        "scan_id": str(uuid.uuid4()),
        "scanned_at": now.isoformat(),
        **extra,
    }


# ---- My QR code --------------------------------------------------------------------------


def test_my_qr_shows_a_signed_code_name_and_masked_phone(app, people, login):
    member = people.member
    response = login(member).get("/me/qr")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    payload = re.search(r'data-payload="([^"]+)"', html).group(1)
    checked = tokens.check_token(
        payload, secrets=[app.config["SECRET_KEY"]], rotate_s=30, at=utcnow()
    )
    assert checked.error is None and checked.member_id == member.id
    assert "<svg" in html and 'viewBox="0 0 ' in html
    assert member.name in html
    assert mask_phone(member.phone) in html and member.phone not in html
    assert "js/my-qr.js" in html and "<script>" not in html  # no inline script


def test_my_qr_explains_instead_of_a_code_for_members_not_yet_approved(people, login):
    client = login(people.pending)
    response = client.get("/me/qr")  # SPEC 3.8: the pending gate answers first
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "等待协调员审核" in html
    assert "<svg" not in html and "data-payload" not in html
    assert client.get("/me/qr.json").status_code == 403


def test_my_qr_json_gives_the_current_code(app, people, login):
    response = login(people.member).get("/me/qr.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert set(body) == {"payload", "svg", "expires_at", "server_time", "rotate_s"}
    assert body["payload"].startswith(f"TB1.{people.member.id}.")
    assert body["svg"].startswith("<svg") and body["rotate_s"] == 30
    assert body["expires_at"] > body["server_time"]


def test_my_qr_needs_sign_in(client):
    assert client.get("/me/qr").status_code == 302
    assert client.get("/me/qr.json").status_code == 302


def test_nav_shows_my_qr_to_members_and_scanner_to_staff(people, login):
    html = login(people.member).get("/shifts/mine").get_data(as_text=True)
    assert 'href="/me/qr"' in html and 'href="/scanner"' not in html
    html = login(people.staff).get("/shifts/mine").get_data(as_text=True)
    assert 'href="/me/qr"' in html and 'href="/scanner"' in html


# ---- Scanner pages ----------------------------------------------------------------------


def test_scanner_lists_todays_shifts_in_scope(tree, people, login, running):
    tomorrow = make_shift(tree.community, starts_at=utcnow() + timedelta(days=1), title="明天值守")
    far = make_shift(tree.far, starts_at=utcnow() - timedelta(minutes=5), title="远方值守")
    cancelled = make_shift(
        tree.community, starts_at=utcnow(), title="取消的值守", status="cancelled"
    )
    html = login(people.staff).get("/scanner").get_data(as_text=True)
    assert f'data-shift-id="{running.id}"' in html and "北门早班" in html
    for other in (tomorrow, far, cancelled):
        assert f'data-shift-id="{other.id}"' not in html
    html = login(people.far_coordinator).get("/scanner").get_data(as_text=True)
    assert f'data-shift-id="{far.id}"' in html and f'data-shift-id="{running.id}"' not in html
    html = login(people.admin).get("/scanner").get_data(as_text=True)
    assert f'data-shift-id="{far.id}"' in html and f'data-shift-id="{running.id}"' in html


@pytest.mark.parametrize("who", ["member", "neighbour", "pending"])
def test_scanner_is_for_staff_only(people, login, running, who):
    client = login(getattr(people, who))
    assert client.get("/scanner").status_code == 403
    assert client.get(f"/scanner/{running.id}").status_code == 403


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 200),
        ("coordinator", 200),
        ("organiser", 200),
        ("admin", 200),
        ("far_coordinator", 403),
        ("member", 403),
    ],
)
def test_scanner_page_for_a_shift_in_scope(people, login, running, who, status):
    response = login(getattr(people, who)).get(f"/scanner/{running.id}")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert f'data-post-url="/scanner/{running.id}/scans"' in html
        assert '<meta name="csrf-token"' in html
        assert 'data-geofence="1"' in html and "vendor/jsqr/jsQR.js" in html
        assert 'id="scanner-texts"' in html and "js/scanner.js" in html
    else:
        assert "北门早班" not in response.get_data(as_text=True)


def test_scanner_page_404_for_an_unknown_shift(people, login):
    assert login(people.staff).get("/scanner/999999").status_code == 404


# ---- The scan endpoint ------------------------------------------------------------------


def test_scan_checks_in_and_a_replay_gives_the_first_answer(people, login, running):
    client = login(people.staff)
    body = _scan(people.member, lat=22.835, lon=113.525)
    first = client.post(f"/scanner/{running.id}/scans", json=body, headers=JSON)
    assert first.status_code == 201, first.json
    assert first.json["action"] == "check_in"
    assert first.json["member"] == {"id": people.member.id, "name": people.member.name}
    again = client.post(f"/scanner/{running.id}/scans", json=body, headers=JSON)
    assert again.status_code == 200 and again.json == first.json


def test_scan_refusal_answers_422_with_the_member(people, login, running):
    client = login(people.staff)
    far_away = _scan(people.member, lat=22.9, lon=113.6)
    response = client.post(f"/scanner/{running.id}/scans", json=far_away, headers=JSON)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "outside_geofence"
    assert response.json["member"]["name"] == people.member.name
    override = {**far_away, "scan_id": str(uuid.uuid4()), "override_reason": "在侧门"}
    response = client.post(f"/scanner/{running.id}/scans", json=override, headers=JSON)
    assert response.status_code == 201 and response.json["action"] == "check_in"
    garbage = _scan(people.member, qr_payload="not a code")
    response = client.post(f"/scanner/{running.id}/scans", json=garbage, headers=JSON)
    assert response.status_code == 422 and response.json["error"]["code"] == "qr_invalid"


def test_scan_validation_errors(people, login, running):
    client = login(people.staff)
    url = f"/scanner/{running.id}/scans"
    response = client.post(url, data="{not json", content_type="application/json", headers=JSON)
    assert response.status_code == 400
    response = client.post(url, json={"qr_payload": "x"}, headers=JSON)
    assert response.status_code == 422 and "scan_id" in response.json["error"]["fields"]
    response = client.post(url, json=_scan(people.member, scan_id="nope"), headers=JSON)
    assert response.status_code == 422 and "scan_id" in response.json["error"]["fields"]
    response = client.post(url, json=_scan(people.member, scanned_at="yesterday"), headers=JSON)
    assert response.status_code == 422 and "scanned_at" in response.json["error"]["fields"]


@pytest.mark.parametrize("who", ["far_coordinator", "member"])
def test_scan_out_of_scope_is_403_and_records_nothing(db, people, login, running, who):
    from timebank.checkin.models import Scan

    response = login(getattr(people, who)).post(
        f"/scanner/{running.id}/scans", json=_scan(people.member), headers=JSON
    )
    assert response.status_code == 403
    assert db.session.query(Scan).count() == 0


def test_scan_needs_sign_in(client, running, people):
    response = client.post(f"/scanner/{running.id}/scans", json=_scan(people.member))
    assert response.status_code == 302


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_scan_needs_the_csrf_header(app, people, login, running, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    client = login(people.staff)
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get(f"/scanner/{running.id}").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    url = f"/scanner/{running.id}/scans"
    body = _scan(people.member)
    refused = client.post(url, json=body, headers=JSON)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf_failed"
    accepted = client.post(url, json=body, headers={**JSON, "X-CSRFToken": token})
    assert accepted.status_code == 201 and accepted.json["action"] == "check_in"


def test_the_scanner_sends_offline_scans_with_offline_since(db, people, login, running):
    from timebank.checkin.models import Attendance

    client = login(people.staff)
    at = utcnow() - timedelta(minutes=3)
    queued = _scan(people.member, qr_payload=qr_for(people.member, at), scanned_at=at.isoformat())
    response = client.post(f"/scanner/{running.id}/scans", json=queued, headers=JSON)
    assert response.status_code == 422 and response.json["error"]["code"] == "qr_expired"
    since = (at - timedelta(seconds=30)).isoformat()
    queued = {**queued, "scan_id": str(uuid.uuid4()), "offline": True, "offline_since": since}
    response = client.post(f"/scanner/{running.id}/scans", json=queued, headers=JSON)
    assert response.status_code == 201 and response.json["action"] == "check_in"
    assert db.session.query(Attendance).one().offline
