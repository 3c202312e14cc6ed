import pytest

from timebank.members.models import Member


def _registration(tree, **overrides):
    body = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "community_id": tree.community.id,
        "is_party_member": True,
        "skills": ["medical"],
        "workplace": "南沙医院",
    }
    body.update(overrides)
    return body


def test_register_returns_201_pending(tree, api, db):
    response = api().post("/members", json=_registration(tree))
    assert response.status_code == 201
    assert response.json["status"] == "pending"
    member = db.session.get(Member, response.json["id"])
    assert member.phone == "13800138000"
    assert "password" not in response.json


def test_register_taken_phone_is_409(tree, api):
    assert api().post("/members", json=_registration(tree)).status_code == 201
    response = api().post("/members", json=_registration(tree, name="另一个"))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "phone_taken"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "123"}, "phone"),
        ({"password": "abc"}, "password"),
        ({"skills": ["flying"]}, "skills.0"),
        ({"community_id": "x"}, "community_id"),
        ({"home_lat": 100.0}, "home_lat"),
        ({"name": ""}, "name"),
    ],
)
def test_register_validation_errors_are_422_with_fields(tree, api, overrides, field):
    response = api().post("/members", json=_registration(tree, **overrides))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_register_missing_fields_listed(api, db):
    response = api().post("/members", json={})
    assert response.status_code == 422
    assert {"name", "phone", "password", "community_id"} <= set(response.json["error"]["fields"])


def test_register_in_a_town_is_refused_at_the_field(tree, api):
    response = api().post("/members", json=_registration(tree, community_id=tree.town.id))
    assert response.status_code == 422
    assert "community_id" in response.json["error"]["fields"]


def test_approve_in_scope(people, api):
    response = api(people.coordinator).post(f"/members/{people.pending.id}/approve")
    assert response.status_code == 200
    assert response.json["status"] == "active"


@pytest.mark.parametrize("who", ["far_coordinator", "staff", "member"])
def test_approve_out_of_scope_is_403(people, api, who):
    response = api(getattr(people, who)).post(f"/members/{people.pending.id}/approve")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_approve_unknown_member_is_404_and_twice_is_409(people, api):
    client = api(people.coordinator)
    assert client.post("/members/999999/approve").status_code == 404
    assert client.post(f"/members/{people.member.id}/approve").status_code == 409


def test_me_has_roles_and_balance(people, api):
    response = api(people.coordinator).get("/members/me")
    assert response.status_code == 200
    body = response.json
    assert body["phone"] == people.coordinator.phone
    assert body["balance_minutes"] == 0
    assert [(r["role"], r["unit_id"]) for r in body["roles"]] == [
        ("coordinator", people.coordinator.community_id)
    ]


@pytest.mark.parametrize(
    ("viewer", "status", "phone_visible"),
    [
        ("member", 200, True),  # self
        ("coordinator", 200, True),
        ("organiser", 200, True),
        ("admin", 200, True),
        ("staff", 200, False),  # staff see members of their community, phone masked
        ("pending", 403, None),
        ("far_coordinator", 403, None),
        ("far_member", 403, None),
    ],
)
def test_profile_visibility_and_phone_masking(people, api, viewer, status, phone_visible):
    response = api(getattr(people, viewer)).get(f"/members/{people.member.id}")
    assert response.status_code == status
    if status == 200:
        phone = people.member.phone
        expected = phone if phone_visible else phone[:3] + "****" + phone[-4:]
        assert response.json["phone"] == expected
    else:
        assert "phone" not in response.get_data(as_text=True)


def test_profile_of_unknown_member_is_404(people, api):
    assert api(people.admin).get("/members/424242").status_code == 404


def test_list_members_only_in_scope(people, api):
    response = api(people.coordinator).get("/members?per_page=500")
    assert response.status_code == 200
    ids = {m["id"] for m in response.json["items"]}
    assert people.member.id in ids and people.pending.id in ids
    assert people.far_member.id not in ids and people.far_coordinator.id not in ids
    pending = api(people.coordinator).get("/members?status=pending").json["items"]
    assert [m["id"] for m in pending] == [people.pending.id]
    assert api(people.member).get("/members").status_code == 403
    assert api(people.coordinator).get("/members?status=odd").status_code == 422


def test_patch_profile(people, api):
    body = {"name": "王晓明", "skills": ["it", "english"], "is_party_member": True}
    response = api(people.member).patch(f"/members/{people.member.id}", json=body)
    assert response.status_code == 200
    assert response.json["skills"] == ["english", "it"]
    assert api(people.staff).patch(f"/members/{people.member.id}", json=body).status_code == 403


def test_suspend_and_reinstate(people, api):
    client = api(people.coordinator)
    assert client.post(f"/members/{people.member.id}/suspend", json={}).status_code == 422
    response = client.post(f"/members/{people.member.id}/suspend", json={"reason": "离开"})
    assert response.status_code == 200 and response.json["status"] == "suspended"
    assert (
        client.post(f"/members/{people.member.id}/suspend", json={"reason": "again"}).status_code
        == 409
    )
    assert client.post(f"/members/{people.member.id}/reinstate").json["status"] == "active"
    assert (
        api(people.far_coordinator)
        .post(f"/members/{people.member.id}/suspend", json={"reason": "x"})
        .status_code
        == 403
    )


def test_transfer_flow(tree, people, api):
    response = api(people.member).post(
        "/members/me/transfers", json={"to_community_id": tree.far.id, "note": "搬家"}
    )
    assert response.status_code == 201
    transfer_id = response.json["id"]
    assert (
        api(people.member)
        .post("/members/me/transfers", json={"to_community_id": tree.sibling.id})
        .status_code
        == 409
    )
    waiting = api(people.far_coordinator).get("/transfers").json["items"]
    assert [t["id"] for t in waiting] == [transfer_id]
    assert api(people.coordinator).get("/transfers").json["items"] == []
    assert (
        api(people.coordinator)
        .post(f"/transfers/{transfer_id}/decide", json={"approve": True})
        .status_code
        == 403
    )
    response = api(people.far_coordinator).post(
        f"/transfers/{transfer_id}/decide", json={"approve": True}
    )
    assert response.status_code == 200 and response.json["status"] == "approved"
    assert api(people.member).get("/members/me").json["community_id"] == tree.far.id
    assert (
        api(people.far_coordinator)
        .post("/transfers/999/decide", json={"approve": True})
        .status_code
        == 404
    )
