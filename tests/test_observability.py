import json
import logging

import pytest


def test_security_headers_on_every_page(client, db):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    secure = client.get("/login", base_url="https://timebank.example.cn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_inline_scripts_or_styles():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "timebank"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if (
            re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
            or re.search(r"\sstyle=\"", text)
            or re.search(r"\son[a-z]+=\"", text)
        ):
            offenders.append(str(path))
    assert offenders == []


def test_request_id_is_echoed_and_logged(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="timebank.access"):
        response = client.get("/healthz", headers={"X-Request-ID": "abcdef123456"})
    assert response.headers["X-Request-ID"] == "abcdef123456"
    access = [r for r in caplog.records if r.name == "timebank.access"]
    line = json.loads(access[-1].getMessage())
    assert line["request_id"] == "abcdef123456" and line["status"] == 200
    assert line["path"] == "/healthz" and "ms" in line
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>" and len(odd.headers["X-Request-ID"]) == 32


@pytest.fixture
def metrics_token(app):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    yield "s3cret-metrics-token"
    app.config["METRICS_TOKEN"] = ""


@pytest.mark.parametrize("path", ["/metrics"])
def test_metrics_in_prometheus_format(client, db, path, metrics_token):
    client.get("/healthz")
    body = client.get(path, headers={"Authorization": f"Bearer {metrics_token}"}).get_data(
        as_text=True
    )
    assert "timebank_requests_total" in body
    assert 'endpoint="main.healthz"' in body
    assert "timebank_outbox_pending" in body


def test_metrics_are_404_without_the_setting_even_with_a_token(client, db):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer wrong",
        "Bearer s3cret-metrics-tokenX",
        "s3cret-metrics-token",
        "Basic s3cret-metrics-token",
        "Bearer  s3cret-metrics-token",
    ],
)
def test_metrics_are_404_without_the_right_token(client, db, metrics_token, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 404
    assert "timebank_requests_total" not in response.get_data(as_text=True)


def test_metrics_with_the_token(client, db, metrics_token):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
    assert response.status_code == 200
    assert "timebank_requests_total" in response.get_data(as_text=True)


def test_metrics_token_is_compared_in_constant_time(monkeypatch):
    from timebank.http import observability

    seen = []
    monkeypatch.setattr(observability.hmac, "compare_digest", lambda a, b: seen.append(1))
    observability.metrics_allowed("Bearer x", "token")
    assert seen == [1]


def test_healthz_says_only_ok(client, db):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_cookies_follow_the_secure_setting(app, people):
    from tests.factories import PASSWORD

    client = app.test_client()
    data = {"phone": people.member.phone, "password": PASSWORD, "remember": "y"}
    plain = client.post("/login", data=data).headers.getlist("Set-Cookie")
    assert plain and not any("Secure" in c for c in plain)
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        secure = app.test_client().post("/login", data=data, base_url="https://x.example")
        cookies = secure.headers.getlist("Set-Cookie")
    finally:
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    assert all("Secure" in c for c in cookies)


def test_remember_cookie_follows_session_cookie_secure(monkeypatch, tmp_path):
    from timebank.config import Config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    config = Config(str(tmp_path))
    assert config.SESSION_COOKIE_SECURE is True and config.REMEMBER_COOKIE_SECURE is True
    monkeypatch.delenv("SESSION_COOKIE_SECURE")
    assert Config(str(tmp_path)).REMEMBER_COOKIE_SECURE is False
