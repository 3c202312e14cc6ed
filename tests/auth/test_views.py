from tests.conftest import sign_in
from tests.factories import PASSWORD
from timebank.members.services import suspend_member


def test_login_wrong_password_shows_message_at_field(people, client):
    response = client.post("/login", data={"phone": people.member.phone, "password": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)


def test_login_redirects_to_safe_next_only(people, client):
    data = {"phone": people.member.phone, "password": PASSWORD}
    response = client.post("/login?next=/members/me", data=data)
    assert response.headers["Location"] == "/members/me"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"


def test_pages_need_sign_in(client, db):
    response = client.get("/members/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_is_post_only(people, login):
    client = login(people.member)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/members/me").status_code == 302


def test_remember_me_sets_a_lasting_cookie(people, client):
    response = client.post(
        "/login", data={"phone": people.member.phone, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)


def test_password_change_ends_other_sessions(people, app, login):
    other = app.test_client()
    other.post("/login", data={"phone": people.member.phone, "password": PASSWORD})
    assert other.get("/members/me").status_code == 302  # to the profile: signed in
    assert "/login" not in other.get("/members/me").headers["Location"]
    client = login(people.member)
    response = client.post(
        "/account/password", data={"current": PASSWORD, "new": "newpass99", "confirm": "newpass99"}
    )
    assert response.status_code == 302
    assert "/login" not in client.get("/members/me").headers["Location"]  # this one stays
    assert "/login" in other.get("/members/me").headers["Location"]  # the other is out


def test_password_change_errors_at_fields(people, login):
    client = login(people.member)
    response = client.post(
        "/account/password", data={"current": "wrong", "new": "newpass99", "confirm": "newpass99"}
    )
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)


def test_suspension_ends_the_session(people, login, db):
    client = login(people.member)
    suspend_member(people.coordinator, people.member, reason="r")
    db.session.flush()
    assert "/login" in client.get("/members/me").headers["Location"]


def test_logout_everywhere(people, app, login):
    other = app.test_client()
    other.post("/login", data={"phone": people.member.phone, "password": PASSWORD})
    client = login(people.member)
    client.post("/logout-everywhere")
    assert "/login" in other.get("/members/me").headers["Location"]


def test_language_switch_is_remembered(people, login, db):
    from timebank.members.models import Member

    client = login(people.member)
    response = client.post("/lang/en", data={"next": "/members/me"})
    assert response.headers["Location"] == "/members/me"
    assert db.session.get(Member, people.member.id).locale == "en"
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_the_tests_sign_in_makes_the_session_the_login_form_makes(app, people, login):
    """conftest.sign_in (the other tests' login) must stay what the form really does."""
    with login(people.member).session_transaction() as posted:
        by_form = dict(posted)
    faked = app.test_client()
    sign_in(app, faked, people.member)
    with faked.session_transaction() as made:
        by_helper = dict(made)
    assert by_form.keys() >= {"_user_id", "_fresh", "_id"}
    # the same session, but each sign-in has its own server-side session record
    assert by_helper.keys() == by_form.keys()
    assert {k: v for k, v in by_helper.items() if k != "_user_id"} == {
        k: v for k, v in by_form.items() if k != "_user_id"
    }
    assert by_helper["_user_id"] != by_form["_user_id"]
    assert "/login" not in faked.get("/members/me").headers.get("Location", "")
