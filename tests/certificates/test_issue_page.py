"""/certificates/issue: a coordinator issues a certificate for a member found by mobile."""

import sqlalchemy as sa

from timebank.certificates.models import Certificate

JUNE = {"from_on": "2026-06-01", "to_on": "2026-06-30"}


def _count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))


def test_coordinator_issues_by_mobile(login, people, served, db, client):
    client = login(people.coordinator)
    assert client.get("/certificates/issue").status_code == 200
    r = client.post("/certificates/issue", data={"phone": people.member.phone, **JUNE})
    assert r.status_code == 302, r.get_data(as_text=True)
    cert = db.session.scalar(sa.select(Certificate))
    assert cert.member_id == people.member.id and cert.minutes == 300
    assert cert.issued_by_id == people.coordinator.id
    assert r.location.endswith(f"/certificates/{cert.serial}")


def test_unknown_and_out_of_scope_get_the_same_answer(login, people, served, db, client):
    client = login(people.coordinator)
    unknown = client.post("/certificates/issue", data={"phone": "13900000001", **JUNE})
    far = client.post("/certificates/issue", data={"phone": people.far_member.phone, **JUNE})
    assert unknown.status_code == far.status_code == 200
    message = "您所辖社区中没有使用该手机号的成员。"
    assert message in unknown.get_data(as_text=True) and message in far.get_data(as_text=True)
    assert _count(db) == 0


def test_fields_and_rules(login, people, served, db, client):
    client = login(people.coordinator)
    r = client.post(
        "/certificates/issue",
        data={"phone": "12", "from_on": "2026-06-30", "to_on": "2026-06-01"},
    )
    page = r.get_data(as_text=True)
    assert "请输入 11 位手机号" in page and "结束日期早于开始日期。" in page
    r = client.post("/certificates/issue", data={"phone": "\x00", "from_on": "x", "to_on": ""})
    assert r.status_code == 200
    r = client.post(
        "/certificates/issue",
        data={"phone": people.neighbour.phone, **JUNE},
    )
    assert "该期间没有志愿服务记录。" in r.get_data(as_text=True)
    assert _count(db) == 0


def test_only_coordinators(login, people, client):
    assert login(people.member).get("/certificates/issue").status_code == 403
    assert login(people.staff).post("/certificates/issue", data=JUNE).status_code == 403
