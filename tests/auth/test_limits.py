"""Rate limits on sign-in and registration (SPEC 3.10): keyed on the normalised phone and the
address, counting only refusals for a wrong password or a taken phone; 429 says when."""

import pytest

from tests.factories import PASSWORD, make_member
from timebank.blueprints import limits


def _registration(tree, **overrides):
    data = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "confirm": "abc12345",
        "community_id": str(tree.community.id),
        "is_party_member": "y",
    }
    data.update(overrides)
    return data


def _from(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_typos_in_registration_forms_do_not_lock_out_the_next_newcomer(tree, client, rate_limits):
    for n in range(12):  # more than the 10 an hour an address may get refused
        response = client.post("/register", data=_registration(tree, phone=f"1380013{n:04d}x"))
        assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    response = client.post("/register", data=_registration(tree))
    assert response.status_code == 302  # registered


def test_taken_phones_count_against_the_address(tree, people, client, rate_limits):
    taken = [make_member(tree.community).phone for _ in range(10)]
    for phone in taken:
        assert client.post("/register", data=_registration(tree, phone=phone)).status_code == 200
    response = client.post("/register", data=_registration(tree))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_taken_phone_counts_against_the_phone_in_any_spelling(tree, people, client, rate_limits):
    phone = people.member.phone
    spellings = [phone, f"+86 {phone}", f"0086{phone}", f"{phone[:3]} {phone[3:7]} {phone[7:]}"]
    for n in range(5):
        data = _registration(tree, phone=spellings[n % 4])
        assert client.post("/register", data=data, **_from(f"10.0.0.{n}")).status_code == 200
    data = _registration(tree, phone=f"+86{phone}")
    assert client.post("/register", data=data, **_from("10.0.1.1")).status_code == 429


def test_api_registration_counts_only_taken_phones(tree, people, client, rate_limits):
    body = {"name": "张伟", "password": "abc12345", "community_id": tree.community.id}
    for n in range(12):
        response = client.post("/api/v1/members", json={**body, "phone": f"bad{n}"})
        assert response.status_code == 422
    for _ in range(5):
        response = client.post("/api/v1/members", json={**body, "phone": people.member.phone})
        assert response.status_code == 409
    response = client.post("/api/v1/members", json={**body, "phone": people.member.phone})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_sign_in_spellings_of_one_phone_share_one_counter(people, client, rate_limits):
    phone = people.neighbour.phone
    spellings = [f"+86 {phone}", phone, f"0086{phone}", f"+86-{phone[:3]}-{phone[3:]}"]
    for n in range(10):
        data = {"phone": spellings[n % 4], "password": "wrong-password1"}
        response = client.post("/login", data=data, **_from(f"10.1.0.{n}"))
        assert response.status_code == 200
    data = {"phone": phone, "password": PASSWORD}
    assert client.post("/login", data=data, **_from("10.1.1.1")).status_code == 429


def test_sign_in_forms_sent_back_for_a_typo_do_not_count(people, client, rate_limits):
    for _ in range(25):  # more than the 20 a minute an address may get refused
        response = client.post("/login", data={"phone": people.member.phone, "password": ""})
        assert response.status_code == 200
    data = {"phone": people.member.phone, "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 302


def test_wrong_passwords_count_against_the_address(people, tree, client, rate_limits):
    others = [make_member(tree.community) for _ in range(20)]
    for other in others:  # one wrong password each: no account locks, the address does
        client.post("/login", data={"phone": other.phone, "password": "wrong-password1"})
    data = {"phone": people.member.phone, "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 429
    assert client.post("/login", data=data, **_from("10.2.0.1")).status_code == 302


def test_the_page_and_the_api_share_the_phone_counter(people, client, rate_limits):
    phone = people.neighbour.phone
    for n in range(5):
        data = {"phone": phone, "password": "wrong-password1"}
        client.post("/login", data=data, **_from(f"10.3.0.{n}"))
        response = client.post("/api/v1/auth/tokens", json=data, **_from(f"10.3.1.{n}"))
        assert response.status_code == 401
    response = client.post(
        "/api/v1/auth/tokens", json={"phone": f"+86{phone}", "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.parametrize(("lang", "text"), [("zh_CN", "请在"), ("en", "please try again in")])
def test_the_429_page_says_when_to_try_again(people, client, rate_limits, lang, text):
    with client.session_transaction() as state:
        state["lang"] = lang
    for _ in range(10):
        client.post("/login", data={"phone": people.member.phone, "password": "wrong-pass1"})
    response = client.post("/login", data={"phone": people.member.phone, "password": "x1"})
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    html = response.get_data(as_text=True)
    assert text in html and "<html" in html


def test_the_api_429_says_when_to_try_again(people, client, rate_limits):
    body = {"phone": people.member.phone, "password": "wrong-pass1"}
    for _ in range(10):
        client.post("/api/v1/auth/tokens", json=body)
    response = client.post("/api/v1/auth/tokens", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert "please try again in" in error["message"]
    assert "second" in error["message"] or "minute" in error["message"]


def test_request_phone_normalises_every_spelling(app):
    for spelling in ("+86 138 0013 8000", "0086-138-0013-8000", "13800138000"):
        with app.test_request_context("/login", method="POST", data={"phone": spelling}):
            assert limits.request_phone() == "13800138000"
    with app.test_request_context("/api/v1/auth/tokens", method="POST", json={"phone": " 12  3 "}):
        assert limits.request_phone() == "12 3"
    with app.test_request_context("/api/v1/auth/tokens", method="POST", json=[1]):
        assert limits.request_phone() == "-"
