"""POST /members/{id}/reject (SPEC §2 and §4): pending → rejected, with a reason the
applicant is told; a rejected member cannot sign in and is told why."""

import pytest
import sqlalchemy as sa

from timebank.auth.services import authenticate
from timebank.core.errors import Conflict
from timebank.extensions import db
from timebank.members import services
from timebank.members.models import Member, MemberStatus
from timebank.notifications.models import Notification, OutboxMessage

from ..factories import ApiClient, make_member


def test_coordinator_rejects_with_a_reason_and_the_applicant_is_told(people, api, db):
    pending = people.pending
    response = api(people.coordinator).post(
        f"/members/{pending.id}/reject", json={"reason": "不住在本社区"}
    )
    assert response.status_code == 200 and response.json["status"] == "rejected"
    db.session.refresh(pending)
    assert (pending.status, pending.rejected_reason) == (MemberStatus.REJECTED, "不住在本社区")
    notice = db.session.scalar(sa.select(Notification).where(Notification.member_id == pending.id))
    assert notice.kind == "member_rejected" and "不住在本社区" in notice.body
    channels = db.session.scalars(
        sa.select(OutboxMessage.channel).where(OutboxMessage.notification_id == notice.id)
    ).all()
    assert "sms" in channels  # they cannot sign in to read the inbox


def test_reject_needs_a_reason(people, api):
    client = api(people.coordinator)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(f"/members/{people.pending.id}/reject", json=body)
        assert response.status_code == 422 and "reason" in response.json["error"]["fields"]
    assert people.pending.status == MemberStatus.PENDING


def test_reject_only_pending_members(people, api):
    response = api(people.coordinator).post(
        f"/members/{people.member.id}/reject", json={"reason": "x"}
    )
    assert response.status_code == 409 and response.json["error"]["code"] == "not_pending"


def test_reject_is_for_coordinators_in_scope(people, api):
    for outsider in (people.member, people.staff, people.far_coordinator):
        response = api(outsider).post(f"/members/{people.pending.id}/reject", json={})
        assert response.status_code == 403
    assert api(people.coordinator).post("/members/99999/reject", json={}).status_code == 404


def test_rejected_member_is_told_why_at_sign_in(people, login, client, api):
    services.reject_member(people.coordinator, people.pending, reason="不住在本社区")
    result = authenticate(people.pending.phone, "secret123")
    assert result.error == "rejected" and "不住在本社区" in str(result.message)
    page = client.post("/login", data={"phone": people.pending.phone, "password": "secret123"})
    assert page.status_code == 200 and "不住在本社区" in page.get_data(as_text=True)
    token = api().post(
        "/auth/tokens", json={"phone": people.pending.phone, "password": "secret123"}
    )
    assert token.status_code == 401 and token.json["error"]["code"] == "rejected"
    assert "不住在本社区" in token.json["error"]["message"]


def test_rejection_ends_the_applicants_sessions_and_tokens(people, login, client):
    old_token = ApiClient(client, people.pending)
    login(people.pending)
    services.reject_member(people.coordinator, people.pending, reason="x")
    db.session.flush()
    assert old_token.get("/members/me").status_code == 401
    assert client.get(f"/members/{people.pending.id}").status_code == 302  # to sign-in


def test_a_rejected_registration_is_not_suspended_or_reinstated(people):
    services.reject_member(people.coordinator, people.pending, reason="x")
    for call in (
        lambda: services.suspend_member(people.coordinator, people.pending, reason="y"),
        lambda: services.reinstate_member(people.coordinator, people.pending),
        lambda: services.approve_member(people.coordinator, people.pending),
    ):
        with pytest.raises(Conflict):
            call()
    assert people.pending.status == MemberStatus.REJECTED


def test_pending_page_offers_reject_with_a_reason(people, login, db):
    client = login(people.coordinator)
    html = client.get("/members/pending").get_data(as_text=True)
    assert f'data-test="reject-{people.pending.id}"' in html
    response = client.post(
        f"/members/{people.pending.id}/reject",
        data={"reject-reason": "不住在本社区"},
        headers={"Referer": "/members/pending"},
    )
    assert response.status_code == 302
    assert db.session.get(Member, people.pending.id).status == MemberStatus.REJECTED
    detail = client.get(f"/members/{people.pending.id}").get_data(as_text=True)
    assert 'data-test="rejected-reason">不住在本社区<' in detail


def test_reject_page_without_a_reason_changes_nothing(people, login, db):
    client = login(people.coordinator)
    client.post(f"/members/{people.pending.id}/reject", data={"reject-reason": ""})
    assert db.session.get(Member, people.pending.id).status == MemberStatus.PENDING
    assert login(people.staff).post(f"/members/{people.pending.id}/reject").status_code == 403


def test_the_profile_page_offers_reject_for_pending_members_only(tree, people, login):
    client = login(people.coordinator)
    assert 'data-test="reject-' in client.get(f"/members/{people.pending.id}").get_data(
        as_text=True
    )
    other = make_member(tree.community)
    assert 'data-test="reject-' not in client.get(f"/members/{other.id}").get_data(as_text=True)
