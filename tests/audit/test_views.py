from timebank.members.services import approve_member


def test_audit_is_for_organisers(people, login):
    assert login(people.coordinator).get("/admin/audit").status_code == 403


def test_audit_api(people, api):
    approve_member(people.coordinator, people.pending)
    body = api(people.organiser).get("/audit").json
    assert body["total"] == 1
    assert body["items"][0]["action"] == "member.approve"
    assert body["items"][0]["actor_id"] == people.coordinator.id


def test_roles_page_grants_and_revokes(tree, people, login, db):
    from timebank.auth.models import RoleAssignment

    client = login(people.organiser)
    html = client.get("/admin/roles").get_data(as_text=True)
    assert 'value="admin"' not in html  # organisers cannot grant admin
    response = client.post(
        "/admin/roles",
        data={"phone": people.member.phone, "role": "staff", "unit_id": str(tree.community.id)},
    )
    assert response.status_code == 302
    ra = db.session.query(RoleAssignment).filter_by(member_id=people.member.id).one()
    response = client.post(
        "/admin/roles",
        data={"phone": "13999999999", "role": "staff", "unit_id": str(tree.community.id)},
    )
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    client.post(f"/admin/roles/{ra.id}/revoke")
    assert db.session.query(RoleAssignment).filter_by(member_id=people.member.id).count() == 0
