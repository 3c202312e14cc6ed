from tests.factories import PASSWORD


def test_token_round_trip(people, api, client):
    response = client.post(
        "/api/v1/auth/tokens", json={"phone": people.member.phone, "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json
    assert body["member_id"] == people.member.id
    assert body["expires_at"].endswith("+00:00")
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/members/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/members/me", headers=headers).status_code == 401


def test_wrong_password_is_401_invalid_credentials(people, client):
    response = client.post(
        "/api/v1/auth/tokens", json={"phone": people.member.phone, "password": "wrong"}
    )
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_credentials"


def test_token_validation(client, db):
    response = client.post("/api/v1/auth/tokens", json={"phone": "13800000000"})
    assert response.status_code == 422
    assert "password" in response.json["error"]["fields"]


def test_locked_account_gets_a_clear_code(people, client):
    for _ in range(5):
        client.post("/api/v1/auth/tokens", json={"phone": people.member.phone, "password": "x"})
    response = client.post(
        "/api/v1/auth/tokens", json={"phone": people.member.phone, "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json["error"]["code"] == "account_locked"


def test_password_change_revokes_the_token(people, api):
    client = api(people.member)
    assert (
        client.post("/auth/password", json={"current": "bad", "new": "newpass99"}).status_code
        == 422
    )
    assert (
        client.post("/auth/password", json={"current": PASSWORD, "new": "newpass99"}).status_code
        == 204
    )
    assert client.get("/members/me").status_code == 401


def test_grant_role_api(tree, people, api):
    body = {"member_id": people.member.id, "role": "staff", "unit_id": tree.community.id}
    response = api(people.organiser).post("/roles", json=body)
    assert response.status_code == 201
    assert response.json["role"] == "staff"
    assert api(people.organiser).post("/roles", json=body).status_code == 409
    assert api(people.coordinator).post("/roles", json=body).status_code == 403
    assert (
        api(people.organiser).post("/roles", json={**body, "unit_id": tree.far.id}).status_code
        == 403
    )
    assert api(people.admin).post("/roles", json={**body, "role": "king"}).status_code == 422
    assert api(people.admin).post("/roles", json={**body, "member_id": 99999}).status_code == 404
    listed = api(people.organiser).get("/roles").json["items"]
    assert response.json["id"] in {r["id"] for r in listed}
    assert all(r["unit_id"] != people.far_coordinator.roles[0].unit_id for r in listed)
    assert api(people.organiser).delete(f"/roles/{response.json['id']}").status_code == 204
    assert api(people.organiser).delete(f"/roles/{response.json['id']}").status_code == 404
