"""SPEC 3.8: nobody suspends, reinstates, edits or changes the roles of a member who holds a
role ranked above every role of their own (admin > organiser > coordinator > staff).

Every target below reports to the actors' community, so scope alone would allow it: only
rank refuses. Equal rank is allowed where the actor holds that rank over the target's unit.
"""

import pytest

from timebank.auth.models import Role, RoleAssignment
from timebank.auth.permissions import can_edit_member, can_manage_member, rank_allows
from timebank.auth.services import grant_role, revoke_role
from timebank.core.errors import NotAllowed
from timebank.extensions import db
from timebank.members import services
from timebank.members.models import Member, MemberStatus

from ..factories import grant, make_member

ACTORS = ["coordinator", "organiser", "admin"]
TARGETS = ["admin", "organiser", "coordinator", "staff", "none"]
#: (actor, target) pairs that rank refuses; every other pair is allowed.
REFUSED = {
    ("coordinator", "admin"),
    ("coordinator", "organiser"),
    ("organiser", "admin"),
}


def _target(tree, role: str) -> Member:
    """A member of the actors' community holding `role` where the fixtures' people do."""
    unit = {
        "admin": tree.district,
        "organiser": tree.town,
        "coordinator": tree.community,
        "staff": tree.community,
    }.get(role)
    roles = [(Role(role), unit)] if unit is not None else []
    return make_member(tree.community, name=f"目标{role}", roles=roles)


def _cases():
    for actor in ACTORS:
        for target in TARGETS:
            yield pytest.param(
                actor, target, (actor, target) not in REFUSED, id=f"{actor}-{target}"
            )


CASES = list(_cases())


@pytest.mark.parametrize(("actor", "target", "allowed"), CASES)
def test_rank_in_the_permission_helper(tree, people, actor, target, allowed):
    who, member = getattr(people, actor), _target(tree, target)
    assert rank_allows(who, member) is allowed
    assert can_manage_member(who, member) is allowed
    assert can_edit_member(who, member) is allowed


def test_equal_rank_needs_the_targets_unit_in_scope(tree, people):
    town_coordinator = make_member(tree.community, roles=[(Role.COORDINATOR, tree.town)])
    assert not can_manage_member(people.coordinator, town_coordinator)
    assert can_manage_member(people.organiser, town_coordinator)
    other_organiser = make_member(tree.community, roles=[(Role.ORGANISER, tree.other_town)])
    assert not can_manage_member(people.organiser, other_organiser)
    assert can_manage_member(people.admin, other_organiser)


def test_a_lower_role_elsewhere_does_not_protect(tree, people):
    staff_far = make_member(tree.community, roles=[(Role.STAFF, tree.far)])
    assert can_manage_member(people.coordinator, staff_far)


def test_everyone_still_edits_themself(people):
    for member in (people.admin, people.organiser, people.coordinator, people.member):
        assert can_edit_member(member, member)


@pytest.mark.parametrize(("actor", "target", "allowed"), CASES)
def test_rank_in_the_services(tree, people, actor, target, allowed):
    who, member = getattr(people, actor), _target(tree, target)
    calls = [
        lambda: services.update_profile(who, member, workplace="港务局"),
        lambda: services.suspend_member(who, member, reason="测试"),
        lambda: services.reinstate_member(who, member),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(NotAllowed):
                call()
    assert member.status == MemberStatus.ACTIVE
    assert (member.workplace == "港务局") is allowed


@pytest.mark.parametrize(("actor", "target", "allowed"), CASES)
def test_rank_on_the_api(tree, people, api, actor, target, allowed):
    member = _target(tree, target)
    client = api(getattr(people, actor))
    status = 200 if allowed else 403
    patched = client.patch(f"/members/{member.id}", json={"email": "x@example.cn"})
    assert patched.status_code == status
    assert client.post(f"/members/{member.id}/suspend", json={"reason": "测试"}).status_code == (
        status
    )
    if not allowed:  # suspended by someone who may, then reinstated by the actor: refused
        services.suspend_member(people.admin, member, reason="测试")
    assert client.post(f"/members/{member.id}/reinstate").status_code == status
    db.session.refresh(member)
    assert member.email == ("x@example.cn" if allowed else None)


@pytest.mark.parametrize(("actor", "target", "allowed"), CASES)
def test_rank_first_then_fields_on_the_api(tree, people, api, actor, target, allowed):
    """A refused rank is 403 even with a body that is wrong as well."""
    member = _target(tree, target)
    client = api(getattr(people, actor))
    expected = 422 if allowed else 403
    assert client.patch(f"/members/{member.id}", json={"home_lat": 999}).status_code == expected
    assert client.post(f"/members/{member.id}/suspend", json={}).status_code == expected


@pytest.mark.parametrize(
    ("actor", "target", "allowed"), [c for c in CASES if c.values[0] != "coordinator"]
)
def test_rank_on_role_grants_and_revocations(tree, people, actor, target, allowed):
    who, member = getattr(people, actor), _target(tree, target)
    if allowed:
        ra = grant_role(who, member=member, role=Role.STAFF, unit=tree.sibling)
        revoke_role(who, ra)
        return
    with pytest.raises(NotAllowed):
        grant_role(who, member=member, role=Role.STAFF, unit=tree.sibling)
    ra = grant(member, Role.STAFF, tree.sibling)
    with pytest.raises(NotAllowed):
        revoke_role(who, ra)


def test_rank_on_the_roles_api(tree, people, api):
    admin = _target(tree, "admin")
    body = {"member_id": admin.id, "role": "staff", "unit_id": tree.community.id}
    assert api(people.organiser).post("/roles", json=body).status_code == 403
    ra = grant(admin, Role.STAFF, tree.community)
    assert api(people.organiser).delete(f"/roles/{ra.id}").status_code == 403
    assert db.session.get(RoleAssignment, ra.id) is not None
    assert (
        api(people.admin).post("/roles", json={**body, "unit_id": tree.sibling.id}).status_code
        == 201
    )


@pytest.mark.parametrize(("actor", "target", "allowed"), CASES)
def test_rank_on_the_pages(tree, people, login, actor, target, allowed):
    member = _target(tree, target)
    client = login(getattr(people, actor))
    detail = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert (f"/members/{member.id}/suspend" in detail) is allowed
    assert client.get(f"/members/{member.id}/edit").status_code == (200 if allowed else 403)
    edit = client.post(
        f"/members/{member.id}/edit", data={"name": "改名", "is_party_member": "y", "grid_id": ""}
    )
    assert edit.status_code == (302 if allowed else 403)
    suspend = client.post(f"/members/{member.id}/suspend", data={"reason": "测试"})
    assert suspend.status_code == (302 if allowed else 403)
    if not allowed:
        services.suspend_member(people.admin, member, reason="测试")
    assert client.post(f"/members/{member.id}/reinstate").status_code == (302 if allowed else 403)
    db.session.refresh(member)
    assert (member.name == "改名") is allowed


def test_rank_on_the_roles_page(tree, people, login):
    admin = _target(tree, "admin")
    ra = grant(admin, Role.STAFF, tree.community)
    client = login(people.organiser)
    assert client.post(f"/admin/roles/{ra.id}/revoke").status_code == 403
    form = {"phone": admin.phone, "role": "staff", "unit_id": tree.sibling.id}
    assert client.post("/admin/roles", data=form).status_code == 403
    assert db.session.get(RoleAssignment, ra.id) is not None
