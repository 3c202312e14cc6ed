from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from timebank.certificates.models import Certificate

JUNE = {"from": "2026-06-01", "to": "2026-06-30"}


def test_issue_verify_revoke_over_the_api(api, people, served, db):
    r = api(people.member).post("/certificates", json=JUNE)
    assert r.status_code == 201, r.json
    body = r.json
    assert body["minutes"] == 300 and len(body["entries"]) == 2
    assert body["serial"].startswith("NSTB-") and body["pdf_url"].endswith("/pdf")
    sig = parse_qs(urlparse(body["verify_url"]).query)["sig"][0]
    v = api().get(f"/certificates/{body['serial']}/verify?sig={sig}")
    assert v.status_code == 200
    assert v.json["valid"] and v.json["name"] == "王*明" and v.json["minutes"] == 300
    assert people.member.phone not in v.get_data(as_text=True)
    assert "王小明" not in v.get_data(as_text=True)
    bare = api().get(f"/certificates/{body['serial']}/verify")
    assert bare.json["valid"] is False and bare.json["minutes"] is None
    assert api().get("/certificates/NSTB-2026-123456/verify?sig=x").status_code == 404
    assert (
        api(people.far_coordinator)
        .post(f"/certificates/{body['serial']}/revoke", json={"reason": "x"})
        .status_code
        == 403
    )
    assert (
        api(people.coordinator).post(f"/certificates/{body['serial']}/revoke", json={}).status_code
        == 422
    )
    r = api(people.coordinator).post(
        f"/certificates/{body['serial']}/revoke", json={"reason": "错"}
    )
    assert r.status_code == 200 and r.json["revoked_at"]
    v = api().get(f"/certificates/{body['serial']}/verify?sig={sig}")
    assert v.json["revoked"] is True and "错" not in v.get_data(as_text=True)


def test_issue_refusals(api, people, served, db):
    assert api().post("/certificates", json=JUNE).status_code == 401
    r = api(people.member).post("/certificates", json={"from": "2026-07-01", "to": "2026-06-01"})
    assert r.status_code == 422 and "to" in r.json["error"]["fields"]
    r = api(people.member).post("/certificates", json={"from": "soon", "to": "2026-13-01"})
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"from", "to"}
    r = api(people.member).post("/certificates", json={"from": "2026-01-01", "to": "2026-01-31"})
    assert r.status_code == 422 and r.json["error"]["code"] == "no_service"
    r = api(people.far_coordinator).post(
        "/certificates", json={**JUNE, "member_id": people.member.id}
    )
    assert r.status_code == 403
    r = api(people.coordinator).post("/certificates", json={**JUNE, "member_id": 10**6})
    assert r.status_code == 404
    r = api(people.coordinator).post("/certificates", json={**JUNE, "member_id": people.member.id})
    assert r.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_pdf_and_public_key(api, people, served, db):
    serial = api(people.member).post("/certificates", json=JUNE).json["serial"]
    r = api(people.member).get(f"/certificates/{serial}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    assert api(people.neighbour).get(f"/certificates/{serial}/pdf").status_code == 403
    assert api(people.coordinator).get(f"/certificates/{serial}/pdf").status_code == 200
    key = api().get("/certificates/public-key").json
    assert key["algorithm"] == "Ed25519" and "BEGIN PUBLIC KEY" in key["pem"]
    assert [c["serial"] for c in api(people.member).get("/certificates/mine").json["items"]] == [
        serial
    ]


def test_verify_is_rate_limited(api, people, served, db, rate_limits):
    serial = api(people.member).post("/certificates", json=JUNE).json["serial"]
    codes = {api().get(f"/certificates/{serial}/verify").status_code for _ in range(35)}
    assert codes == {200, 429}


def test_pages(login, people, served, db, client):
    login(people.member)
    r = client.post("/certificates", data={"from_on": "2026-06-01", "to_on": "2026-06-30"})
    assert r.status_code == 302
    cert = db.session.scalar(sa.select(Certificate))
    page = client.get(f"/certificates/{cert.serial}")
    assert page.status_code == 200 and "王小明" in page.get_data(as_text=True)
    assert client.get(f"/certificates/{cert.serial}.pdf").data.startswith(b"%PDF")
    assert client.get(f"/certificates/{cert.serial}/qr.svg").mimetype == "image/svg+xml"
    verify = client.get(f"/verify/{cert.serial}?sig={cert.signature}").get_data(as_text=True)
    assert 'data-valid="true"' in verify and "王*明" in verify
    assert 'data-valid="false"' in client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert client.get("/certificates/register").status_code == 403
    login(people.coordinator)
    reg = client.get("/certificates/register?serial=" + cert.serial[-6:]).get_data(as_text=True)
    assert cert.serial in reg
    client.post(f"/certificates/{cert.serial}/revoke", data={"reason": "重复"})
    assert 'data-revoked="true"' in client.get(
        f"/verify/{cert.serial}?sig={cert.signature}"
    ).get_data(as_text=True)


def test_revoke_names_an_unknown_field(api, people, served, db):
    serial = api(people.member).post("/certificates", json=JUNE).json["serial"]
    r = api(people.coordinator).post(
        f"/certificates/{serial}/revoke", json={"reason": "错", "bogus": 1}
    )
    assert r.status_code == 422 and "bogus" in r.json["error"]["fields"]
