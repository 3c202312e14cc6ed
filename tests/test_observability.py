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


@pytest.mark.parametrize("path", ["/metrics"])
def test_metrics_in_prometheus_format(client, db, path):
    client.get("/healthz")
    body = client.get(path).get_data(as_text=True)
    assert "timebank_requests_total" in body
    assert 'endpoint="main.healthz"' in body
    assert "timebank_outbox_pending" in body
