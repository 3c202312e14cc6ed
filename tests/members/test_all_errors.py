"""Every bad field in one answer (SPEC 3.7): the form's or schema's own checks and the
service's rules come back together, on the page and in the API."""

import pytest

from timebank.core.csvio import read_csv
from timebank.core.errors import ValidationFailed
from timebank.members.imports import import_members
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


def test_member_import_reports_bad_lines_of_every_kind_at_once(tree, people, db):
    text = (
        "name,phone,community_code,password\n"
        "张一,13800138001,T-HG-C1,abc12345\n"
        ",13800138002,T-HG-C1,abc12345\n"  # 3: no name
        "张三,123,NOPE,abc12345\n"  # 4: bad phone, unknown community
        f"张四,{people.member.phone},T-HG-C1,abc\n"  # 5: taken phone, weak password
        "张五,13800138001,T-HG-C1,abc12345\n"  # 6: phone repeated from line 2
    )
    before = db.session.query(Member).count()
    with pytest.raises(ValidationFailed) as exc:
        import_members(None, read_csv(text, ("name", "phone")))
    lines = [where for where, _ in exc.value.errors]
    assert sorted(set(lines)) == ["line 3", "line 4", "line 5", "line 6"]
    assert lines.count("line 4") == 2 and lines.count("line 5") == 2
    assert db.session.query(Member).count() == before
