import uuid
from datetime import timedelta

from tests.factories import make_checkpoint, make_shift, make_signup, qr_for
from timebank.core.clock import utcnow


def _setup(tree, people):
    now = utcnow()
    cp = make_checkpoint(tree.community, lat=22.835, lon=113.525)
    shift = make_shift(tree.community, starts_at=now - timedelta(minutes=30), checkpoint=cp)
    make_signup(people.member, shift)
    return shift, now


def test_my_qr(people, api):
    body = api(people.member).get("/members/me/qr").json
    assert body["payload"].startswith(f"TB1.{people.member.id}.")
    assert body["expires_at"].endswith("+00:00") and body["rotate_s"] == 30


def test_scan_flow_and_replay(tree, people, api):
    shift, now = _setup(tree, people)
    scan_id = str(uuid.uuid4())
    body = {
        "shift_id": shift.id,
        "qr_payload": qr_for(people.member, now),
        "scan_id": scan_id,
        "scanned_at": now.isoformat(),
        "lat": 22.835,
        "lon": 113.525,
    }
    first = api(people.staff).post("/scans", json=body)
    assert first.status_code == 201, first.json
    assert first.json["action"] == "check_in"
    assert first.json["member"] == {"id": people.member.id, "name": people.member.name}
    again = api(people.staff).post("/scans", json=body)
    assert again.status_code == 200 and again.json == first.json


def test_scan_refusals_use_the_error_shape(tree, people, api):
    shift, now = _setup(tree, people)
    base = {"shift_id": shift.id, "scanned_at": now.isoformat()}
    cases = [
        ({"qr_payload": "garbage"}, "qr_invalid"),
        ({"qr_payload": qr_for(people.member, now - timedelta(minutes=5))}, "qr_expired"),
        ({"qr_payload": qr_for(people.neighbour, now)}, "not_signed_up"),
        ({"qr_payload": qr_for(people.member, now), "lat": 22.9, "lon": 113.6}, "outside_geofence"),
    ]
    for extra, code in cases:
        response = api(people.staff).post(
            "/scans", json={**base, **extra, "scan_id": str(uuid.uuid4())}
        )
        assert response.status_code == 422, (code, response.json)
        assert response.json["error"]["code"] == code


def test_scan_validation_and_scope(tree, people, api):
    shift, now = _setup(tree, people)
    body = {"shift_id": shift.id, "qr_payload": qr_for(people.member, now), "scan_id": "nope"}
    response = api(people.staff).post("/scans", json=body)
    assert response.status_code == 422 and "scan_id" in response.json["error"]["fields"]
    body["scan_id"] = str(uuid.uuid4())
    assert api(people.member).post("/scans", json=body).status_code == 403
    assert api(people.far_coordinator).post("/scans", json=body).status_code == 403
    assert api(people.staff).post("/scans", json={**body, "shift_id": 999999}).status_code == 404


def test_ledger_api(tree, people, api):
    client = api(people.coordinator)
    bad = client.post("/ledger/adjustments", json={"member_id": people.member.id, "minutes": 30})
    assert bad.status_code == 422 and "reason" in bad.json["error"]["fields"]
    entry = client.post(
        "/ledger/adjustments", json={"member_id": people.member.id, "minutes": 30, "reason": "补录"}
    ).json
    assert entry["kind"] == "adjustment" and entry["minutes"] == 30
    ledger = api(people.member).get(f"/members/{people.member.id}/ledger").json
    assert ledger["balance_minutes"] == 30 and ledger["entries"][0]["id"] == entry["id"]
    assert api(people.neighbour).get(f"/members/{people.member.id}/ledger").status_code == 403
    assert (
        api(people.far_coordinator)
        .post(
            "/ledger/adjustments", json={"member_id": people.member.id, "minutes": 5, "reason": "x"}
        )
        .status_code
        == 403
    )
    reversal = client.post(f"/ledger/entries/{entry['id']}/reverse", json={"reason": "错"})
    assert reversal.status_code == 201 and reversal.json["minutes"] == -30
    again = client.post(f"/ledger/entries/{entry['id']}/reverse", json={"reason": "错"})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_reversed"
    of_reversal = client.post(
        f"/ledger/entries/{reversal.json['id']}/reverse", json={"reason": "x"}
    )
    assert of_reversal.status_code == 422
    assert api(people.member).get("/members/me").json["balance_minutes"] == 0


def test_verify_is_for_organisers(people, api):
    assert api(people.coordinator).get("/ledger/verify").status_code == 403
    body = api(people.organiser).get("/ledger/verify").json
    assert body["ok"] is True and body["first_bad_entry_id"] is None


def test_corrections_api(tree, people, api):
    start = utcnow() - timedelta(days=1)
    shift = make_shift(tree.community, starts_at=start, hours=3)
    response = api(people.member).post(
        "/corrections",
        json={
            "shift_id": shift.id,
            "claimed_in": start.isoformat(),
            "claimed_out": (start + timedelta(hours=3)).isoformat(),
            "reason": "忘记扫码",
        },
    )
    assert response.status_code == 201 and response.json["status"] == "open"
    correction_id = response.json["id"]
    queue = api(people.coordinator).get("/corrections").json["items"]
    assert [c["id"] for c in queue] == [correction_id]
    assert api(people.far_coordinator).get("/corrections").json["items"] == []
    decided = api(people.coordinator).post(
        f"/corrections/{correction_id}/decide", json={"approve": True}
    )
    assert decided.status_code == 200 and decided.json["status"] == "approved"
    assert decided.json["entry_id"] is not None
    assert api(people.member).get("/members/me").json["balance_minutes"] == 180


def test_manual_attendance_and_review_api(tree, people, api):
    start = utcnow() - timedelta(days=1)
    shift = make_shift(tree.community, starts_at=start, hours=2)
    response = api(people.coordinator).post(
        "/attendances",
        json={
            "shift_id": shift.id,
            "member_id": people.member.id,
            "checked_in_at": start.isoformat(),
            "checked_out_at": (start + timedelta(hours=2)).isoformat(),
            "reason": "手机没电",
        },
    )
    assert response.status_code == 201 and response.json["credited_minutes"] == 120
    assert api(people.staff).get("/attendances/review").status_code == 403
    assert api(people.coordinator).get("/attendances/review").json["items"] == []


def test_a_scan_raced_every_time_answers_409_and_stores_nothing(tree, people, api, monkeypatch):
    """Should other scans of the member win the race on every attempt, the scan is not
    stored and answers 409 (the scanner then sends it again with the same scan_id)."""
    from timebank.checkin import services
    from timebank.checkin.models import Attendance, Scan
    from timebank.extensions import db

    shift, now = _setup(tree, people)
    attempts = []

    def always_raced(*args, **kwargs):
        attempts.append(1)
        return None  # another scan of the member wrote first

    monkeypatch.setattr(services, "_apply", always_raced)
    body = {
        "shift_id": shift.id,
        "qr_payload": qr_for(people.member, now),
        "scan_id": str(uuid.uuid4()),
        "scanned_at": now.isoformat(),
    }
    response = api(people.staff).post("/scans", json=body)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "scan_conflict"
    assert len(attempts) == services.ATTEMPTS
    assert db.session.query(Scan).count() == 0
    assert db.session.query(Attendance).count() == 0


def test_back_dated_scans_over_the_api_only_as_offline_scans(tree, people, api):
    shift, now = _setup(tree, people)
    at = now - timedelta(minutes=10)
    body = {"shift_id": shift.id, "qr_payload": qr_for(people.member, at), "scanned_at": at}
    body["scanned_at"] = at.isoformat()

    def post(**extra):
        return api(people.staff).post(
            "/scans", json={**body, "scan_id": str(uuid.uuid4()), **extra}
        )

    refused = post()
    assert refused.status_code == 422 and refused.json["error"]["code"] == "qr_expired"
    bad = post(offline=True, offline_since="an hour ago")
    assert bad.status_code == 422 and "offline_since" in bad.json["error"]["fields"]
    late_claim = post(offline=True, offline_since=(at + timedelta(minutes=1)).isoformat())
    assert late_claim.json["error"]["code"] == "qr_expired"
    since = (at - timedelta(minutes=2)).isoformat()
    accepted = post(offline=True, offline_since=since)
    assert accepted.status_code == 201 and accepted.json["action"] == "check_in"
    assert accepted.json["checked_in_at"] == at.isoformat()


def test_the_api_document_describes_the_offline_fields(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    fields = doc["components"]["schemas"]["ScanInput"]["properties"]
    assert (
        fields["offline"]["type"] == "boolean"
        and "offline queue" in fields["offline"]["description"]
    )
    assert "offline_since ≤ scanned_at" in fields["offline_since"]["description"]
    assert "taken as the arrival" in fields["scanned_at"]["description"]
