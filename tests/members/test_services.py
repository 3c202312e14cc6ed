from datetime import UTC, datetime

import pytest

from tests.factories import make_member
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.core.security import verify_password
from timebank.extensions import db as sa_db
from timebank.members import services
from timebank.members.models import MemberStatus, Transfer
from timebank.notifications.models import Notification

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _inbox(member, kind):
    return sa_db.session.query(Notification).filter_by(member_id=member.id, kind=kind).all()


def _register(tree, **overrides):
    data = dict(
        name="张伟",
        phone="138 0013 8000",
        password="abc12345",
        community_id=tree.community.id,
        skills=["medical", "Driving"],
    )
    data.update(overrides)
    return services.register_member(**data, now=NOW)


def test_register_creates_pending_member_with_normalised_phone(tree):
    member = _register(tree)
    assert member.status == MemberStatus.PENDING
    assert member.phone == "13800138000"
    assert member.skills == ["driving", "medical"]
    assert member.created_at == NOW
    assert verify_password(member.password_hash, "abc12345")
    assert member.password_hash != "abc12345"


def test_register_home_defaults_to_community_centre(tree):
    member = _register(tree)
    assert (member.home_lat, member.home_lon) == (tree.community.lat, tree.community.lon)
    other = _register(tree, phone="13800138001", home_lat=22.9, home_lon=113.6)
    assert (other.home_lat, other.home_lon) == (22.9, 113.6)


def test_register_accepts_plus_86_prefix(tree):
    assert _register(tree, phone="+86 139-0000-1111").phone == "13900001111"


def test_register_refuses_taken_phone(tree):
    _register(tree)
    with pytest.raises(Conflict) as exc:
        _register(tree, phone="13800138000")
    assert exc.value.code == "phone_taken"
    assert exc.value.field == "phone"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "23800138000"}, "phone"),
        ({"password": "short1"}, "password"),
        ({"password": "onlyletters"}, "password"),
        ({"password": "12345678"}, "password"),
        ({"password": "x13800138000"}, "password"),
        ({"skills": ["medical", "flying"]}, "skills"),
        ({"home_lat": 91, "home_lon": 113}, "home_lat"),
        ({"home_lat": 22.8}, "home_lon"),
        ({"workplace": "w" * 121}, "workplace"),
        ({"is_party_member": "yes"}, "is_party_member"),
    ],
)
def test_register_refuses_bad_fields(tree, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _register(tree, **overrides)
    assert field in exc.value.fields


def test_register_requires_a_community_not_a_town_or_grid(tree):
    for unit_id in (tree.town.id, tree.grid.id, 999999, None, "abc"):
        with pytest.raises(ValidationFailed) as exc:
            _register(tree, community_id=unit_id)
        assert "community_id" in exc.value.fields


def test_register_grid_must_belong_to_the_community(tree):
    assert _register(tree, grid_id=tree.grid.id).grid_id == tree.grid.id
    with pytest.raises(ValidationFailed) as exc:
        _register(tree, phone="13800138009", community_id=tree.sibling.id, grid_id=tree.grid.id)
    assert "grid_id" in exc.value.fields


def test_register_reports_every_bad_field_at_once(tree):
    with pytest.raises(ValidationFailed) as exc:
        _register(tree, name="", phone="1", password="x")
    assert {"name", "phone", "password"} <= set(exc.value.fields)


def test_coordinator_approves_pending_member(people):
    member = services.approve_member(people.coordinator, people.pending, now=NOW)
    assert member.status == MemberStatus.ACTIVE
    assert member.approved_at == NOW
    assert member.approved_by_id == people.coordinator.id
    [notice] = _inbox(people.pending, "member_approved")
    assert people.pending.community.name in notice.title


@pytest.mark.parametrize("approver", ["organiser", "admin"])
def test_higher_roles_in_scope_may_approve(people, approver):
    services.approve_member(getattr(people, approver), people.pending)
    assert people.pending.status == MemberStatus.ACTIVE


@pytest.mark.parametrize("approver", ["staff", "member", "far_coordinator", "pending"])
def test_others_may_not_approve(people, approver):
    with pytest.raises(NotAllowed):
        services.approve_member(getattr(people, approver), people.pending)
    assert people.pending.status == MemberStatus.PENDING


def test_coordinator_of_sibling_community_may_not_approve(tree, people):
    from timebank.auth.models import Role

    sibling_coordinator = make_member(tree.sibling, roles=[(Role.COORDINATOR, tree.sibling)])
    with pytest.raises(NotAllowed):
        services.approve_member(sibling_coordinator, people.pending)


def test_approving_twice_is_a_conflict(people):
    services.approve_member(people.coordinator, people.pending)
    with pytest.raises(Conflict):
        services.approve_member(people.coordinator, people.pending)


def test_suspension_needs_reason_and_ends_sessions(people):
    with pytest.raises(ValidationFailed):
        services.suspend_member(people.coordinator, people.member, reason=" ")
    version = people.member.session_version
    services.suspend_member(people.coordinator, people.member, reason="moved away")
    assert people.member.status == MemberStatus.SUSPENDED
    assert people.member.suspended_reason == "moved away"
    assert people.member.session_version == version + 1
    assert not people.member.is_active


def test_reinstate_returns_to_previous_standing(people):
    services.suspend_member(people.coordinator, people.member, reason="r")
    services.reinstate_member(people.coordinator, people.member)
    assert people.member.status == MemberStatus.ACTIVE
    services.suspend_member(people.coordinator, people.pending, reason="r")
    services.reinstate_member(people.coordinator, people.pending)
    assert people.pending.status == MemberStatus.PENDING


def test_coordinator_cannot_suspend_out_of_scope(people):
    with pytest.raises(NotAllowed):
        services.suspend_member(people.far_coordinator, people.member, reason="r")


def test_member_edits_own_profile_and_others_cannot(people):
    services.update_profile(
        people.member,
        people.member,
        name="王晓明",
        is_party_member=False,
        skills=["it"],
        home_lat=None,
        home_lon=None,
        workplace="港务",
    )
    assert people.member.name == "王晓明"
    assert people.member.skills == ["it"]
    for outsider in (people.staff, people.far_coordinator, people.pending):
        with pytest.raises(NotAllowed):
            services.update_profile(
                outsider,
                people.member,
                name="x",
                is_party_member=True,
                skills=[],
                home_lat=None,
                home_lon=None,
                workplace=None,
            )


def test_transfer_is_approved_by_the_new_community(tree, people, db):
    from timebank.auth.models import Role

    new_coordinator = make_member(tree.far, roles=[(Role.COORDINATOR, tree.far)])
    transfer = services.request_transfer(
        people.member, to_community_id=tree.far.id, note="搬家了", now=NOW
    )
    with pytest.raises(NotAllowed):
        services.decide_transfer(people.coordinator, transfer, approve=True)
    services.decide_transfer(new_coordinator, transfer, approve=True, now=NOW)
    assert transfer.status == "approved"
    assert people.member.community_id == tree.far.id
    assert (people.member.home_lat, people.member.home_lon) == (tree.far.lat, tree.far.lon)
    [notice] = _inbox(people.member, "transfer_approved")
    assert tree.far.name in notice.body
    history = db.session.query(Transfer).filter_by(member_id=people.member.id).all()
    assert [(t.from_community_id, t.to_community_id) for t in history] == [
        (tree.community.id, tree.far.id)
    ]


def test_transfer_rejection_needs_reason_and_keeps_community(tree, people):
    transfer = services.request_transfer(people.member, to_community_id=tree.far.id)
    with pytest.raises(ValidationFailed):
        services.decide_transfer(people.far_coordinator, transfer, approve=False)
    services.decide_transfer(people.far_coordinator, transfer, approve=False, reason="not here")
    assert transfer.status == "rejected"
    assert people.member.community_id == tree.community.id
    [notice] = _inbox(people.member, "transfer_not_approved")
    assert "not here" in notice.body


def test_only_one_pending_transfer_at_a_time(tree, people):
    services.request_transfer(people.member, to_community_id=tree.far.id)
    with pytest.raises(Conflict):
        services.request_transfer(people.member, to_community_id=tree.sibling.id)


def test_transfer_to_own_community_is_refused(tree, people):
    with pytest.raises(ValidationFailed):
        services.request_transfer(people.member, to_community_id=tree.community.id)


def test_transfer_decided_once(tree, people):
    transfer = services.request_transfer(people.member, to_community_id=tree.far.id)
    services.withdraw_transfer(people.member, transfer)
    with pytest.raises(Conflict):
        services.decide_transfer(people.far_coordinator, transfer, approve=True)
    with pytest.raises(NotAllowed):
        services.withdraw_transfer(people.staff, transfer)


def test_privileged_member_actions_are_audited(people, db):
    from timebank.audit.models import AuditEntry

    services.approve_member(people.coordinator, people.pending)
    services.suspend_member(people.coordinator, people.member, reason="r")
    rows = db.session.query(AuditEntry).order_by(AuditEntry.id).all()
    assert [(r.action, r.actor_id, r.target_id) for r in rows] == [
        ("member.approve", people.coordinator.id, people.pending.id),
        ("member.suspend", people.coordinator.id, people.member.id),
    ]


def test_pending_count_is_the_pending_members_in_scope(tree, people):
    from timebank.members.queries import count_pending

    make_member(tree.far, status=MemberStatus.PENDING, name="远方待审")
    make_member(tree.community, status=MemberStatus.SUSPENDED, name="停用者")
    assert count_pending(people.coordinator) == 1  # people.pending, not the far one
    assert count_pending(people.far_coordinator) == 1
    assert count_pending(people.organiser) == 1  # their town, not the far one's
    assert count_pending(people.admin) == 2  # the whole district
    services.approve_member(people.coordinator, people.pending, now=NOW)
    assert count_pending(people.coordinator) == 0
