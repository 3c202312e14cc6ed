"""Every bad field of a correction or an adjustment in one answer (SPEC 3.7)."""

from datetime import UTC, datetime, timedelta

from tests.factories import make_shift
from timebank.ledger.models import Correction, LedgerEntry


def test_correction_api_reports_schema_and_rule_errors_together(tree, people, api, db):
    shift = make_shift(tree.community, starts_at=datetime.now(UTC) - timedelta(hours=6))
    start = shift.starts_at
    body = {
        "shift_id": shift.id,
        "claimed_in": (start + timedelta(hours=2)).isoformat(),
        "claimed_out": (start + timedelta(hours=1)).isoformat(),  # the service: before the in
        "reason": "R" * 501,  # the schema: at most 500
    }
    response = api(people.member).post("/corrections", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"claimed_out", "reason"}
    assert db.session.query(Correction).count() == 0


def test_adjustment_page_shows_form_and_rule_errors_together(tree, people, login, db):
    member = people.member
    data = {"minutes": "0", "reason": ""}  # 0 minutes: the service; no reason: the form
    client = login(people.coordinator)
    html = client.post(f"/members/{member.id}/hours/adjust", data=data).get_data(as_text=True)
    assert "is-invalid" in html
    assert html.count("invalid-feedback") >= 2
    assert db.session.query(LedgerEntry).filter_by(member_id=member.id).count() == 0
