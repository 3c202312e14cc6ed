"""The optional e-mail address on a member's profile, where notices are also sent."""

import pytest

from timebank.core.errors import ValidationFailed
from timebank.members import services
from timebank.members.models import Member


def _profile(member, **overrides):
    data = {
        "name": member.name,
        "is_party_member": True,
        "skills": [],
        "home_lat": None,
        "home_lon": None,
        "workplace": None,
    }
    data.update(overrides)
    return data


def test_register_with_an_email_normalises_it(tree, db):
    member = services.register_member(
        name="张伟",
        phone="13800138000",
        password="abc12345",
        community_id=tree.community.id,
        email="  Zhang.Wei@Example.CN ",
    )
    assert member.email == "Zhang.Wei@example.cn"


def test_register_without_an_email(tree, db):
    member = services.register_member(
        name="张伟",
        phone="13800138000",
        password="abc12345",
        community_id=tree.community.id,
        email="",
    )
    assert member.email is None


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "王@example.cn", "x@@y.cn", 42])
def test_a_bad_address_is_a_field_error(people, db, address):
    with pytest.raises(ValidationFailed) as info:
        services.update_profile(
            people.member, people.member, **_profile(people.member, email=address)
        )
    assert "email" in info.value.fields


def test_update_profile_sets_keeps_and_removes_the_email(people, db):
    member = people.member
    services.update_profile(member, member, **_profile(member, email="wang@example.cn"))
    assert member.email == "wang@example.cn"
    services.update_profile(member, member, **_profile(member))  # not given: unchanged
    assert member.email == "wang@example.cn"
    services.update_profile(member, member, **_profile(member, email=""))
    assert member.email is None


def test_profile_form_edits_the_email(people, login, db):
    client = login(people.member)
    form = {"name": people.member.name, "is_party_member": "y", "email": "wang@example.cn"}
    response = client.post(f"/members/{people.member.id}/edit", data=form)
    assert response.status_code == 302
    assert db.session.get(Member, people.member.id).email == "wang@example.cn"
    html = client.get(f"/members/{people.member.id}").get_data(as_text=True)
    assert 'data-test="member-email">wang@example.cn<' in html

    response = client.post(f"/members/{people.member.id}/edit", data={**form, "email": "bad"})
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)


def test_register_form_takes_an_email(tree, client, db):
    data = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "confirm": "abc12345",
        "community_id": str(tree.community.id),
        "email": "zw@example.cn",
    }
    assert client.post("/register", data=data).status_code == 302
    assert db.session.query(Member).filter_by(phone="13800138000").one().email == "zw@example.cn"


def test_api_shows_the_email_only_to_those_who_may_see_the_phone(people, api, db):
    people.member.email = "wang@example.cn"
    assert api(people.member).get("/members/me").json["email"] == "wang@example.cn"
    path = f"/members/{people.member.id}"
    assert api(people.coordinator).get(path).json["email"] == "wang@example.cn"
    assert api(people.staff).get(path).json["email"] is None


def test_api_patch_email(people, api, db):
    client = api(people.member)
    path = f"/members/{people.member.id}"
    body = {"name": people.member.name, "is_party_member": True, "skills": []}
    assert (
        client.patch(path, json={**body, "email": "wang@example.cn"}).json["email"]
        == "wang@example.cn"
    )
    assert client.patch(path, json=body).json["email"] == "wang@example.cn"  # left out
    assert client.patch(path, json={**body, "email": None}).json["email"] is None
    response = client.patch(path, json={**body, "email": "nope"})
    assert response.status_code == 422 and "email" in response.json["error"]["fields"]
