"""Every bad field of a unit in one answer (SPEC 3.7), on the page and in the API."""

from timebank.units.models import Unit


def test_unit_page_shows_form_and_rule_errors_together(tree, people, login, db):
    before = db.session.query(Unit).count()
    data = {"code": "bad code!", "name": "名" * 121, "lat": "95", "lon": "113"}
    response = login(people.admin).post(f"/units/{tree.town.id}/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请使用 1–40 个字母" in html  # the code, the service's rule
    assert html.count("invalid-feedback") >= 3  # name, code, latitude
    assert db.session.query(Unit).count() == before


def test_unit_api_reports_schema_and_rule_errors_together(tree, people, api, db):
    body = {
        "code": "bad code!",
        "name": "新社区",
        "name_en": "N" * 121,
        "level": "community",
        "parent_id": tree.town.id,
        "lat": 22.8,
        "lon": 113.5,
    }
    response = api(people.admin).post("/units", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"code", "name_en"}
    response = api(people.admin).patch(
        f"/units/{tree.community.id}", json={"code": "bad code!", "name": "x", "lat": "north"}
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"code", "lat"}
