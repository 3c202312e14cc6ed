"""Every bad field in one answer (SPEC 3.7): the form's or schema's own checks and the
service's rules come back together, on the page and in the API."""

from timebank.members.models import Member


def _form(tree, **overrides):
    data = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "confirm": "abc12345",
        "community_id": str(tree.community.id),
    }
    data.update(overrides)
    return data


def test_registration_page_shows_every_bad_field_at_once(tree, client, db):
    """A form-level refusal (passwords differ, name missing) no longer hides the rules."""
    data = _form(tree, name="", phone="123", password="abc", confirm="abd", email="x@")
    html = client.post("/register", data=data).get_data(as_text=True)
    for message in (
        "必填",  # the name, refused by the form
        "两次输入的密码不一致",  # confirm, refused by the form
        "请输入 11 位手机号",  # phone, the service's rule
        "至少 8 个字符",  # password, the service's rule
        "请输入有效的电子邮箱地址",  # e-mail, the service's rule
    ):
        assert message in html, message
    assert db.session.query(Member).count() == 0


def test_registration_api_reports_schema_and_rule_errors_together(tree, api, db):
    body = {
        "name": "",
        "phone": "123",
        "password": "abc",
        "email": "x@",
        "community_id": tree.community.id,
        "skills": ["juggling"],
    }
    response = api().post("/members", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "name",
        "phone",
        "password",
        "email",
        "skills.0",
    }
    assert db.session.query(Member).count() == 0


def test_profile_page_and_api_report_every_bad_field(tree, people, login, api, db):
    member = people.member
    data = {
        "name": "",
        "home_lat": "95",
        "home_lon": "113.5",
        "email": "x@",
        "workplace": "W" * 121,
    }
    html = login(member).post(f"/members/{member.id}/edit", data=data).get_data(as_text=True)
    assert html.count("invalid-feedback") >= 4
    body = {"name": "", "home_lat": 95, "home_lon": 113.5, "email": "x@"}
    response = api(member).patch(f"/members/{member.id}", json=body)
    assert response.status_code == 422
    assert {"name", "home_lat", "email"} <= set(response.json["error"]["fields"])
