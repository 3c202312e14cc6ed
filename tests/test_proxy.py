"""PROXY_FIX: behind nginx, the client's address and scheme come from X-Forwarded-*, and only
then (anyone can send those headers to a gunicorn reached directly)."""

import pytest

from tests.factories import PASSWORD, make_member
from timebank.http.proxy import init_proxy_fix


@pytest.fixture
def proxy_fix(app):
    original = app.wsgi_app
    app.config["PROXY_FIX"] = 1
    init_proxy_fix(app)
    yield
    app.wsgi_app = original
    app.config["PROXY_FIX"] = 0


def _refuse_from(client, tree, forwarded_for, n=20):
    for _ in range(n):  # wrong passwords of 20 accounts: only the address counter fills
        phone = make_member(tree.community).phone
        data = {"phone": phone, "password": "wrong-password1"}
        client.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for})


def _sign_in(client, member, forwarded_for):
    data = {"phone": member.phone, "password": PASSWORD}
    return client.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for})


def test_limits_key_on_forwarded_for_with_proxy_fix(people, tree, client, rate_limits, proxy_fix):
    _refuse_from(client, tree, "203.0.113.7")
    assert _sign_in(client, people.member, "203.0.113.7").status_code == 429
    assert _sign_in(client, people.member, "198.51.100.2").status_code == 302


def test_forwarded_for_is_ignored_without_proxy_fix(people, tree, client, rate_limits):
    _refuse_from(client, tree, "203.0.113.7")
    # every request came from the same peer: another X-Forwarded-For changes nothing
    assert _sign_in(client, people.member, "198.51.100.2").status_code == 429


def test_forwarded_proto_is_ignored_without_proxy_fix(client, db):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_forwarded_proto_counts_with_proxy_fix(client, db, proxy_fix):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_proxy_fix_is_off_by_default(app, tmp_path):
    from timebank.config import Config

    assert Config(str(tmp_path)).PROXY_FIX == 0
    assert app.wsgi_app.__class__.__name__ != "ProxyFix"
