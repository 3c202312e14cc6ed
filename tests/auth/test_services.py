from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import PASSWORD, make_member
from timebank.auth import services
from timebank.auth.models import Role
from timebank.auth.permissions import has_role, in_scope, scope_paths
from timebank.config import Config
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.core.security import dummy_hash, hash_password, verify_password
from timebank.members.services import suspend_member

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_authenticate_with_right_password(people):
    result = services.authenticate(people.member.phone, PASSWORD, now=NOW)
    assert result.ok and result.member.id == people.member.id


def test_authenticate_unknown_phone_and_wrong_password(people):
    assert services.authenticate("13999999999", PASSWORD, now=NOW).error == "invalid_credentials"
    assert (
        services.authenticate(people.member.phone, "nope", now=NOW).error == "invalid_credentials"
    )
    assert people.member.failed_logins == 1


def test_five_failures_lock_the_account_for_fifteen_minutes(people):
    for _ in range(4):
        assert (
            services.authenticate(people.member.phone, "bad", now=NOW).error
            == "invalid_credentials"
        )
    assert services.authenticate(people.member.phone, "bad", now=NOW).error == "account_locked"
    # Even the right password is refused while locked ...
    later = NOW + timedelta(minutes=14)
    assert services.authenticate(people.member.phone, PASSWORD, now=later).error == "account_locked"
    # ... and accepted once the lock has passed.
    assert services.authenticate(people.member.phone, PASSWORD, now=NOW + timedelta(minutes=16)).ok


def test_suspended_member_cannot_sign_in(people):
    suspend_member(people.coordinator, people.member, reason="r")
    assert services.authenticate(people.member.phone, PASSWORD, now=NOW).error == "suspended"


def test_tokens_expire_and_can_be_revoked(people):
    raw, token = services.issue_token(people.member, ttl_days=1, now=NOW)
    assert token.token_hash != raw and len(raw) >= 40
    assert services.member_for_token(raw, now=NOW)[0].id == people.member.id
    assert services.member_for_token(raw, now=NOW + timedelta(days=1, seconds=1)) == (None, None)
    services.revoke_token(token, now=NOW)
    assert services.member_for_token(raw, now=NOW) == (None, None)
    assert services.member_for_token("forged", now=NOW) == (None, None)


def test_password_change_revokes_tokens_and_sessions(people):
    raw, _token = services.issue_token(people.member, ttl_days=1, now=NOW)
    version = people.member.session_version
    with pytest.raises(ValidationFailed) as exc:
        services.change_password(people.member, current="wrong", new="newpass99")
    assert "current" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.change_password(people.member, current=PASSWORD, new="short")
    assert "new" in exc.value.fields
    services.change_password(people.member, current=PASSWORD, new="newpass99", now=NOW)
    assert people.member.session_version == version + 1
    assert services.member_for_token(raw, now=NOW) == (None, None)
    assert services.authenticate(people.member.phone, "newpass99", now=NOW).ok


def test_token_of_suspended_member_stops_working(people):
    raw, _token = services.issue_token(people.member, ttl_days=1, now=NOW)
    suspend_member(people.coordinator, people.member, reason="r")
    assert services.member_for_token(raw, now=NOW) == (None, None)


def test_roles_cover_their_subtree_and_nest(tree, people):
    assert has_role(people.organiser, Role.COORDINATOR, tree.community)  # organiser ⊇ coordinator
    assert has_role(people.organiser, Role.STAFF, tree.grid)
    assert not has_role(people.organiser, Role.STAFF, tree.far)  # other town
    assert not has_role(people.organiser, Role.ORGANISER, tree.district)  # not upwards
    assert has_role(people.coordinator, Role.STAFF, tree.grid)
    assert not has_role(people.coordinator, Role.ORGANISER, tree.community)
    assert not has_role(people.staff, Role.COORDINATOR, tree.community)
    assert has_role(people.admin, Role.COORDINATOR, tree.far)
    assert not has_role(people.member, Role.STAFF, tree.community)


def test_scope_paths_are_minimal(tree):
    from tests.factories import grant

    m = make_member(tree.community, roles=[(Role.COORDINATOR, tree.community)])
    grant(m, Role.ORGANISER, tree.town)
    assert scope_paths(m, Role.COORDINATOR) == [tree.town.path]
    assert scope_paths(m, Role.ORGANISER) == [tree.town.path]
    assert scope_paths(m, Role.ADMIN) == []


def test_in_scope_filters_units(tree, people, db):
    from timebank.units.models import Unit

    codes = {
        u.code
        for u in db.session.query(Unit).filter(
            in_scope(Unit.path, people.organiser, Role.ORGANISER)
        )
    }
    assert codes == {"T-HG", "T-HG-C1", "T-HG-C2", "T-HG-C1-G1"}
    assert (
        db.session.query(Unit).filter(in_scope(Unit.path, people.member, Role.STAFF)).count() == 0
    )


def test_admin_grants_any_role_and_organiser_only_up_to_own(tree, people):
    ra = services.grant_role(people.admin, member=people.member, role="admin", unit=tree.town)
    assert ra.role == "admin"
    services.grant_role(
        people.organiser, member=people.staff, role="coordinator", unit=tree.sibling
    )
    with pytest.raises(NotAllowed):
        services.grant_role(people.organiser, member=people.staff, role="admin", unit=tree.town)
    with pytest.raises(NotAllowed):  # out of scope
        services.grant_role(people.organiser, member=people.staff, role="staff", unit=tree.far)
    with pytest.raises(NotAllowed):  # coordinators do not grant roles
        services.grant_role(
            people.coordinator, member=people.member, role="staff", unit=tree.community
        )


def test_grant_refuses_duplicates_unknown_roles_and_suspended_members(tree, people):
    with pytest.raises(Conflict):
        services.grant_role(
            people.admin, member=people.coordinator, role="coordinator", unit=tree.community
        )
    with pytest.raises(ValidationFailed):
        services.grant_role(people.admin, member=people.member, role="king", unit=tree.town)
    suspend_member(people.coordinator, people.member, reason="r")
    with pytest.raises(Conflict):
        services.grant_role(people.admin, member=people.member, role="staff", unit=tree.town)


def test_revoke_role_needs_rights_and_admin_keeps_own(tree, people, db):
    ra = people.staff.roles[0]
    with pytest.raises(NotAllowed):
        services.revoke_role(people.far_coordinator, ra)
    services.revoke_role(people.organiser, ra)
    db.session.expire(people.staff, ["roles"])
    assert not has_role(people.staff, Role.STAFF, tree.community)
    with pytest.raises(Conflict):
        services.revoke_role(people.admin, people.admin.roles[0])


def test_create_admin_on_empty_tree_makes_district(db):
    member, created = services.create_admin(
        phone="13812345678", password="admin1234", name="管理员"
    )
    assert created
    assert member.status == "active"
    assert has_role(member, Role.ADMIN, member.roles[0].unit)
    assert member.roles[0].unit.code == "NS"
    again, created = services.create_admin(phone="13812345678", password="other1234", name="x")
    assert (again.id, created) == (member.id, False)


def test_create_admin_uses_existing_district(tree):
    member, created = services.create_admin(phone="13812345670", password="admin1234", name="a")
    assert created and member.roles[0].unit_id == tree.district.id


def test_passwords_hash_by_scrypt_unless_the_config_names_a_method(app, tmp_path):
    assert Config(str(tmp_path)).PASSWORD_HASH_METHOD == "scrypt"
    strong = hash_password("abc12345")  # no app: the default
    with app.app_context():
        cheap = hash_password("abc12345")  # the test config's one PBKDF2 round
    assert strong.startswith("scrypt:") and cheap.startswith("pbkdf2:sha256:1$")
    with app.app_context():
        assert verify_password(strong, "abc12345") and verify_password(cheap, "abc12345")
        assert not verify_password(strong, "abc12346") and not verify_password(cheap, "x")


def test_the_unknown_phones_dummy_hash_follows_the_method(app, monkeypatch):
    with app.app_context():
        assert dummy_hash().startswith("pbkdf2:sha256:1$")
        monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
        assert dummy_hash().startswith("scrypt:") and dummy_hash() == dummy_hash()
