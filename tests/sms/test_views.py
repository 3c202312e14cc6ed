"""The coordinators' page of unclear texts (SPEC 9: no unclear answer is lost)."""

import sqlalchemy as sa

from tests.factories import make_member
from timebank.audit.models import AuditEntry
from timebank.sms.models import InboundSms

from .conftest import post_sms


def _row(db, text):
    return db.session.scalar(sa.select(InboundSms).where(InboundSms.text == text))


def test_coordinators_see_and_resolve_unclear_texts(clock, client, db, people, tree, login):
    post_sms(client, people.member.phone, "明天再说")
    post_sms(client, "13999999999", "你好？")
    post_sms(client, people.far_member.phone, "远方的话")
    post_sms(client, people.member.phone, "TD")  # understood: not listed
    coordinator = login(people.coordinator)
    page = coordinator.get("/sms/unclear")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "明天再说" in html and "你好？" in html
    assert "远方的话" not in html  # another town's member: not in this coordinator's scope
    assert html.count('data-test="unclear-text"') == 2
    row = _row(db, "明天再说")
    done = coordinator.post(f"/sms/unclear/{row.id}/resolve", data={"note": "已电话确认"})
    assert done.status_code == 302
    db.session.refresh(row)
    assert (row.resolved_by_id, row.resolution_note) == (people.coordinator.id, "已电话确认")
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "sms.resolve"))
    assert "明天再说" not in coordinator.get("/sms/unclear").get_data(as_text=True)
    assert "明天再说" in coordinator.get("/sms/unclear?done=1").get_data(as_text=True)
    again = coordinator.post(f"/sms/unclear/{row.id}/resolve", data={})
    assert again.status_code == 302
    db.session.refresh(row)
    assert row.resolution_note == "已电话确认"


def test_out_of_scope_and_members_are_refused(clock, client, db, people, login):
    post_sms(client, people.far_member.phone, "远方的话")
    row = _row(db, "远方的话")
    assert login(people.coordinator).post(f"/sms/unclear/{row.id}/resolve").status_code == 403
    assert login(people.member).get("/sms/unclear").status_code == 403
    assert login(people.coordinator).post("/sms/unclear/999999/resolve").status_code == 404


def test_the_nav_badge_counts_unclear_texts(clock, client, db, people, login):
    make_member(people.member.community)
    post_sms(client, people.member.phone, "嗯？")
    html = login(people.coordinator).get("/sms/unclear").get_data(as_text=True)
    assert 'href="/sms/unclear"' in html
