def test_list_units_by_level_and_parent(tree, people, api):
    client = api(people.member)
    towns = client.get("/units?level=town").json["items"]
    assert {u["code"] for u in towns} == {"T-HG", "T-DG"}
    children = client.get(f"/units?parent_id={tree.town.id}").json["items"]
    assert [u["code"] for u in children] == ["T-HG-C1", "T-HG-C2"]
    assert set(children[0]) == {"id", "code", "name", "name_en", "level", "parent_id", "lat", "lon"}
    assert client.get("/units?level=planet").status_code == 422


def test_admin_creates_unit(tree, people, api):
    body = {
        "code": "T-HG-C3",
        "name": "新社区",
        "level": "community",
        "parent_id": tree.town.id,
        "lat": 22.84,
        "lon": 113.53,
    }
    response = api(people.admin).post("/units", json=body)
    assert response.status_code == 201
    assert response.json["parent_id"] == tree.town.id
    again = api(people.admin).post("/units", json=body)
    assert again.status_code == 409 and again.json["error"]["code"] == "code_taken"


def test_unit_rules_at_the_field(tree, people, api):
    client = api(people.admin)
    wrong_parent = client.post(
        "/units", json={"code": "X1", "name": "x", "level": "grid", "parent_id": tree.town.id}
    )
    assert "parent_id" in wrong_parent.json["error"]["fields"]
    no_parent = client.post("/units", json={"code": "X2", "name": "x", "level": "town"})
    assert "parent_id" in no_parent.json["error"]["fields"]
    bad_code = client.post(
        "/units", json={"code": "a b", "name": "x", "level": "town", "parent_id": tree.district.id}
    )
    assert "code" in bad_code.json["error"]["fields"]


def test_only_admins_in_scope_create_units(tree, people, api):
    body = {"code": "T-HG-C9", "name": "x", "level": "community", "parent_id": tree.town.id}
    assert api(people.organiser).post("/units", json=body).status_code == 403
    assert api(people.coordinator).post("/units", json=body).status_code == 403


def test_patch_unit(tree, people, api):
    response = api(people.admin).patch(
        f"/units/{tree.community.id}", json={"name": "金洲新社区", "lat": 22.9, "lon": 113.6}
    )
    assert response.status_code == 200 and response.json["name"] == "金洲新社区"
    assert (
        api(people.organiser).patch(f"/units/{tree.community.id}", json={"name": "x"}).status_code
        == 403
    )
    assert api(people.admin).patch("/units/99999", json={"name": "x"}).status_code == 404
    assert api(people.member).get(f"/units/{tree.community.id}").json["code"] == "T-HG-C1"
