"""Issuing and revoking certificates of service."""

from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import ensure_role, has_role
from ..core.clock import local, utcnow
from ..core.db import dialect
from ..core.errors import Conflict, NotAllowed, RuleViolation, check
from ..core.privacy import mask_phone, normalise_phone
from ..core.validation import required_text
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from . import records, signing
from .models import Certificate, SerialCounter

#: The longest period one certificate covers.
MAX_PERIOD_DAYS = 366 * 10


def next_serial(year: int) -> str:
    """NSTB-YYYY-NNNNNN: the year's counter moved up by one in one statement (an upsert
    that returns the new number), so concurrent issues never share a number, and a number
    is never given again."""
    insert = pg_insert if dialect() == "postgresql" else sqlite_insert
    table = SerialCounter.__table__
    stmt = (
        insert(table)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.year], set_={"last_number": table.c.last_number + 1}
        )
        .returning(table.c.last_number)
    )
    number = db.session.execute(stmt).scalar_one()
    return f"NSTB-{year}-{number:06d}"


def ensure_can_issue(actor, member: Member) -> None:
    """The member themself (self-service), or a coordinator of the member's community."""
    if actor.id != member.id:
        ensure_role(actor, Role.COORDINATOR, member.community)


def period_errors(first, last) -> list:
    errors = []
    if not isinstance(first, date):
        errors.append(("from", _l("Give a date (YYYY-MM-DD).")))
    if not isinstance(last, date):
        errors.append(("to", _l("Give a date (YYYY-MM-DD).")))
    if errors:
        return errors
    if first > last:
        errors.append(("to", _l("The end of the period is before its start.")))
    elif (last - first).days > MAX_PERIOD_DAYS:
        errors.append(("to", _l("A certificate covers at most ten years.")))
    return errors


def _issuer(rows: list[records.Record], member: Member) -> Unit:
    """The unit that recorded most of the minutes (谁记录谁证明)."""
    weights = Counter()
    for row in rows:
        if row.unit_id is not None:
            weights[row.unit_id] += row.minutes
    if weights:
        unit = db.session.get(Unit, weights.most_common(1)[0][0])
        if unit is not None:
            return unit
    return member.community


def issue(
    actor, member: Member, *, first, last, now: datetime | None = None, refused=()
) -> Certificate:
    """A certificate of the member's service in [first, last] (Asia/Shanghai days), signed.
    422 `no_service` when the period holds no service minutes."""
    ensure_can_issue(actor, member)
    check(period_errors(first, last), refused)
    rows = records.member_records(member.id, first, last)
    minutes = sum(r.minutes for r in rows)
    if minutes <= 0:
        raise RuleViolation("no_service", _l("There is no service recorded in this period."))
    now = now or utcnow()
    issuer = _issuer(rows, member)
    cert = Certificate(
        serial=next_serial(local(now).year),
        member_id=member.id,
        member_name=member.name,
        phone_masked=mask_phone(member.phone),
        from_on=first,
        to_on=last,
        minutes=minutes,
        entry_count=len(rows),
        entries=[r.as_json() for r in rows],
        issuer_unit_id=issuer.id,
        issuer_name=issuer.name,
        issued_by_id=actor.id,
        issued_at=now.replace(microsecond=0),
    )
    cert.signature = signing.sign(cert)
    db.session.add(cert)
    db.session.flush()
    record(
        actor,
        "certificate.issue",
        cert,
        unit_id=member.community_id,
        now=now,
        details={"serial": cert.serial, "member_id": member.id, "minutes": minutes},
    )
    return cert


NO_SUCH_MEMBER = _l("No member of your communities has this mobile number.")


def issue_by_phone(
    actor, phone, *, first, last, now: datetime | None = None, refused=()
) -> Certificate:
    """A coordinator issues a certificate for the member with this mobile number: one
    answer for a number nobody has and for a member out of scope (no leak of who is
    registered elsewhere); then as issue()."""
    ensure_role(actor, Role.COORDINATOR)
    errors = []
    digits, err = normalise_phone(phone)
    member = None
    if err:
        errors.append(("phone", err))
    else:
        member = db.session.scalar(sa.select(Member).where(Member.phone == digits))
        if member is None or not has_role(actor, Role.COORDINATOR, member.community):
            errors.append(("phone", NO_SUCH_MEMBER))
            member = None
    check(errors + period_errors(first, last), refused)
    return issue(actor, member, first=first, last=last, now=now)


def can_manage(actor, cert: Certificate) -> bool:
    """Coordinators of the member's community or of the issuing unit."""
    return has_role(actor, Role.COORDINATOR, cert.member.community) or has_role(
        actor, Role.COORDINATOR, cert.issuer_unit
    )


def ensure_can_manage(actor, cert: Certificate) -> None:
    if not can_manage(actor, cert):
        raise NotAllowed()


def ensure_can_view(actor, cert: Certificate) -> None:
    """The member themself, or coordinators in scope."""
    if actor.id != cert.member_id:
        ensure_can_manage(actor, cert)


def revoke(
    actor, cert: Certificate, *, reason, now: datetime | None = None, refused=()
) -> Certificate:
    """Revoke a certificate with a reason (coordinators in scope). Audited; the verify
    page says at once that it is revoked, and when (not why)."""
    ensure_can_manage(actor, cert)
    reason, err = required_text(reason, 255)
    check([("reason", err)] if err else [], refused)
    now = now or utcnow()
    done = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == cert.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id, revoke_reason=reason)
    )
    if done.rowcount != 1:
        raise Conflict("already_revoked", _l("This certificate has been revoked already."))
    db.session.refresh(cert)
    record(
        actor,
        "certificate.revoke",
        cert,
        unit_id=cert.member.community_id,
        now=now,
        details={"serial": cert.serial, "reason": reason},
    )
    return cert
