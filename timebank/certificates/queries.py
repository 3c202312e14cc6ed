"""Reading certificates: by serial, a member's, a coordinator's register, verification."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import Role
from ..auth.permissions import in_scope
from ..core.errors import NotFound
from ..core.privacy import mask_name
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit
from . import records, signing
from .models import Certificate


def get_by_serial(serial: str) -> Certificate:
    cert = None
    if isinstance(serial, str) and len(serial) <= 20:
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        raise NotFound("certificate_not_found")
    return cert


def list_for_member(member_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.member_id == member_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def register(actor, *, serial: str | None = None, limit: int = 200) -> list[Certificate]:
    """Certificates of members in the coordinator's scope, newest first; `serial` narrows
    to serials containing it."""
    stmt = (
        sa.select(Certificate)
        .join(Member, Member.id == Certificate.member_id)
        .join(Unit, Unit.id == Member.community_id)
        .where(in_scope(Unit.path, actor, Role.COORDINATOR))
        .options(joinedload(Certificate.member))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(limit)
    )
    if serial:
        stmt = stmt.where(Certificate.serial.contains(serial.strip().upper(), autoescape=True))
    return list(db.session.scalars(stmt))


@dataclass
class Verdict:
    """What anyone may learn about a certificate: nothing but `valid` when the signature
    does not match (a guessed serial learns nothing)."""

    serial: str
    valid: bool
    revoked: bool = False
    revoked_at: datetime | None = None
    name: str | None = None
    minutes: int | None = None
    from_on: date | None = None
    to_on: date | None = None
    issuer: str | None = None
    issued_at: datetime | None = None
    changed_since_issue: bool = False
    entries_sha256: str | None = None


def verify(serial: str, sig: str | None) -> Verdict:
    """Check a certificate's signature; 404 for an unknown serial."""
    cert = get_by_serial(serial)
    if not signing.signature_valid(cert, sig) or sig != cert.signature:
        return Verdict(serial=cert.serial, valid=False)
    return Verdict(
        serial=cert.serial,
        valid=True,
        revoked=cert.is_revoked,
        revoked_at=cert.revoked_at,
        name=mask_name(cert.member_name),
        minutes=cert.minutes,
        from_on=cert.from_on,
        to_on=cert.to_on,
        issuer=cert.issuer_name,
        issued_at=cert.issued_at,
        changed_since_issue=records.changed_since(
            cert.member_id, cert.from_on, cert.to_on, cert.issued_at
        ),
        entries_sha256=signing.entries_digest(cert.entries),
    )
