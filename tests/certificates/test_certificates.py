from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from timebank.audit.models import AuditEntry
from timebank.certificates import pdf, queries, services, signing
from timebank.certificates.models import Certificate
from timebank.core.errors import Conflict, NotAllowed, RuleViolation, ValidationFailed
from timebank.ledger.services import reverse

from .conftest import NOW

JUNE = {"first": date(2026, 6, 1), "last": date(2026, 6, 30)}


def test_issue_lists_service_not_lectures(people, served):
    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    assert cert.serial == "NSTB-2026-000001"
    assert cert.minutes == 300
    assert [e["title"] for e in cert.entries] == ["卡口值守", "入户宣传"]
    assert [e["unit"] for e in cert.entries] == ["金洲社区", "黄阁社区"]
    assert cert.issuer_name == "金洲社区"  # recorded most of the minutes
    assert cert.phone_masked == people.member.phone[:3] + "****" + people.member.phone[-4:]
    assert cert.member_name == "王小明"


def test_serials_count_up_per_year_and_are_never_reused(people, served):
    a = services.issue(people.member, people.member, now=NOW, **JUNE)
    services.revoke(people.coordinator, a, reason="错发", now=NOW)
    b = services.issue(people.member, people.member, now=NOW, **JUNE)
    c = services.issue(people.member, people.member, now=NOW.replace(year=2027), **JUNE)
    assert [a.serial, b.serial, c.serial] == [
        "NSTB-2026-000001",
        "NSTB-2026-000002",
        "NSTB-2027-000001",
    ]


def test_coordinator_in_scope_issues_others_do_not(people, served):
    cert = services.issue(people.coordinator, people.member, now=NOW, **JUNE)
    assert cert.issued_by_id == people.coordinator.id
    for outsider in (people.neighbour, people.staff, people.far_coordinator):
        with pytest.raises(NotAllowed):
            services.issue(outsider, people.member, now=NOW, **JUNE)


def test_bad_periods_and_no_service(people, served):
    with pytest.raises(ValidationFailed) as exc:
        services.issue(people.member, people.member, first=date(2026, 7, 1), last=date(2026, 6, 1))
    assert "to" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.issue(people.member, people.member, first=None, last="soon")
    assert set(exc.value.fields) == {"from", "to"}
    with pytest.raises(RuleViolation) as exc:
        services.issue(people.member, people.member, first=date(2026, 1, 1), last=date(2026, 1, 31))
    assert exc.value.code == "no_service"
    with pytest.raises(RuleViolation):  # only the lecture's day: study, not service
        services.issue(
            people.member, people.member, first=date(2026, 6, 10), last=date(2026, 6, 10)
        )


def test_reversed_entries_are_left_out(people, served):
    reverse(people.coordinator, served[1], reason="录错", now=NOW)
    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    assert cert.minutes == 180 and len(cert.entries) == 1


def test_signature_valid_edited_and_wrong_key(app, people, served):
    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    assert signing.signature_valid(cert, cert.signature)
    assert queries.verify(cert.serial, cert.signature).valid
    assert not queries.verify(cert.serial, None).valid
    assert not queries.verify(cert.serial, "A" * 86).valid
    assert not queries.verify(cert.serial, "not base64!").valid
    edited = cert.signature[:-2] + ("AA" if cert.signature[-2:] != "AA" else "BA")
    assert not queries.verify(cert.serial, edited).valid
    cert.minutes += 60  # an edited number: the stored contents no longer match
    assert not queries.verify(cert.serial, cert.signature).valid
    cert.minutes -= 60
    app.config["CERTIFICATE_SIGNING_KEY"] = "B" * 43 + "="
    try:
        assert not signing.signature_valid(cert, cert.signature)
    finally:
        app.config["CERTIFICATE_SIGNING_KEY"] = ""


def test_a_third_party_verifies_offline_with_the_public_key(people, served):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    v = queries.verify(cert.serial, cert.signature)
    message = "\n".join(
        [
            "NSTB-CERT-1",
            f"serial={v.serial}",
            f"name={v.name}",
            f"minutes={v.minutes}",
            f"from={v.from_on}",
            f"to={v.to_on}",
            f"issuer={v.issuer}",
            f"issued_at={v.issued_at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"entries={v.entries_sha256}",
        ]
    )
    key = load_pem_public_key(signing.public_key_pem().encode())
    raw = signing._unb64url(cert.signature)
    key.verify(raw, message.encode())  # raises if not valid


def test_verdict_is_masked_and_changed_since_issue(people, served):
    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    v = queries.verify(cert.serial, cert.signature)
    assert (v.name, v.minutes, v.changed_since_issue, v.revoked) == ("王*明", 300, False, False)
    reverse(people.coordinator, served[0], reason="核查不实", now=NOW + timedelta(days=1))
    assert queries.verify(cert.serial, cert.signature).changed_since_issue
    assert queries.verify(cert.serial, cert.signature).minutes == 300  # as issued


def test_revocation_in_scope_with_reason_audited(people, served, db):
    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    with pytest.raises(NotAllowed):
        services.revoke(people.far_coordinator, cert, reason="x")
    with pytest.raises(NotAllowed):
        services.revoke(people.member, cert, reason="x")
    with pytest.raises(ValidationFailed):
        services.revoke(people.coordinator, cert, reason=" ")
    services.revoke(people.coordinator, cert, reason="重复出具", now=NOW)
    v = queries.verify(cert.serial, cert.signature)
    assert v.valid and v.revoked and v.revoked_at == NOW
    with pytest.raises(Conflict):
        services.revoke(people.coordinator, cert, reason="again")
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["certificate.issue", "certificate.revoke"]


def test_pdf_holds_the_chinese_text(people, served):
    from io import BytesIO

    from pypdf import PdfReader

    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    body = pdf.render(cert, "https://example.cn/verify/" + cert.serial + "?sig=" + cert.signature)
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)
    for expected in ("志愿服务证明", "王小明", "卡口值守", "金洲社区", cert.serial, "5.00"):
        assert expected in text
    assert "党课" not in text


def test_pdf_of_many_entries_pages_on(people, served):
    from io import BytesIO

    from pypdf import PdfReader

    cert = services.issue(people.member, people.member, now=NOW, **JUNE)
    cert.entries = [dict(cert.entries[0], id=i) for i in range(200)]
    reader = PdfReader(BytesIO(pdf.render(cert, "https://example.cn/v")))
    assert len(reader.pages) > 3
    assert "第 2 /" in reader.pages[1].extract_text()


def test_unknown_serial_is_not_found(db):
    from timebank.core.errors import NotFound

    with pytest.raises(NotFound):
        queries.verify("NSTB-2026-999999", "x")
    with pytest.raises(NotFound):
        queries.get_by_serial("x" * 300)


def test_certificate_rows(people, served, db):
    services.issue(people.member, people.member, now=NOW, **JUNE)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    assert UTC  # the module's times are aware
    assert datetime
